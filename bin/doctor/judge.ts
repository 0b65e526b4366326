// Doctor core: each check's verdict, detail and fix from what was read (pure; `now` is passed in).
import { type HandlerConfig, readConfig } from '../../lambda/config';
import { describeError, JanitorError, PolicyError } from '../../lambda/core/errors';
import { plural } from '../../lambda/core/message/format';
import { commandOrWhy, shellCommand, shellWord } from '../../lambda/core/message/shell';
import type { Check, CheckId } from './checklist';
import type {
  AccessFacts,
  ChatChannelFacts,
  FunctionFacts,
  QueueFacts,
  RunLine,
  ScheduleFacts,
  SubscriptionFacts,
} from './facts';
import { NOT_EVALUATED } from './facts';

/** Fixes for errors that no permission mends: no credentials, refused credentials, an endpoint that does not answer. */
const NOT_A_PERMISSION: readonly (readonly [RegExp, string])[] = [
  [
    /Could not load credentials|CredentialsProviderError/i,
    'no AWS credentials were found: pass --profile or set AWS_PROFILE (or run aws sso login), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
  ],
  [
    /UnrecognizedClientException|InvalidClientTokenId|ExpiredToken|InvalidAccessKeyId|security token/i,
    'the credentials were refused (wrong, expired or for another partition): refresh them and run doctor again',
  ],
  [
    /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|timed? ?out|Timeout|socket hang up/i,
    'AWS did not answer: check the network, --region and any AWS_ENDPOINT_URL setting, then run doctor again',
  ],
];

/**
 * A check that could not be run: why (the AWS error), and what would let it run — the permission `fix` names,
 * unless the error says no permission would help.
 */
export function unknownCheck(id: CheckId, what: string, error: unknown, fix: string): Check {
  const reason = describeError(error).replace(/\s*\n\s*/g, ' ');
  return {
    id,
    verdict: 'unknown',
    detail: `could not ${what}: ${reason}`,
    fix: NOT_A_PERMISSION.find(([pattern]) => pattern.test(reason))?.[1] ?? fix,
  };
}

/** A check that depends on an earlier one that did not pass. */
export function notReached(id: CheckId, because: string): Check {
  return {
    id,
    verdict: 'unknown',
    detail: `not checked: ${because}`,
    fix: 'fix the checks above first, then run doctor again',
  };
}

/** The function and its configuration, read with the janitor's own loader (the same as at its cold start). */
export function judgeFunction(fn: FunctionFacts, region: string): { check: Check; config?: HandlerConfig } {
  let config: HandlerConfig;
  try {
    config = readConfig({ ...fn.env, AWS_REGION: region, AWS_LAMBDA_FUNCTION_NAME: fn.name });
  } catch (e) {
    // One line: the policy's issues, or the message with its line breaks folded.
    const message =
      e instanceof PolicyError && e.issues.length > 0
        ? e.issues.join('; ')
        : (e instanceof JanitorError ? e.message : describeError(e)).replace(/\s*\n\s*/g, ' ');
    return {
      check: {
        id: 'function',
        verdict: 'FAIL',
        detail: `${fn.name}: its configuration would fail every run: ${message}`,
        fix: 'fix the policy (cdk.json context "policy") and deploy again; `npx cdk synth` shows the same message',
      },
    };
  }
  const problem = functionProblem(fn, config);
  const mode = `mode ${config.policy.mode}${config.releaseAllowed ? ' with allowRelease' : ''}`;
  const summary = `${fn.name}: ${fn.state ?? 'state unknown'}, ${mode}, policy valid (${config.policy.rules.length} rules, regions ${config.regions.join(', ')})`;
  if (problem)
    return {
      check: { id: 'function', verdict: 'FAIL', detail: `${summary}; ${problem.what}`, fix: problem.fix },
      config,
    };
  return { check: { id: 'function', verdict: 'ok', detail: summary }, config };
}

function functionProblem(
  fn: FunctionFacts,
  config: HandlerConfig,
): { what: string; fix: string } | undefined {
  if (fn.state !== undefined && fn.state !== 'Active')
    return {
      what: `the function is ${fn.state}${fn.stateReason ? ` (${fn.stateReason})` : ''}`,
      fix: 'see the function in the Lambda console; deploy again',
    };
  if (fn.lastUpdateStatus === 'Failed')
    return { what: 'its last update failed', fix: 'deploy again and read the CloudFormation events' };
  if (fn.reservedConcurrency === 0)
    return {
      what: 'its reserved concurrency is 0, so it never runs',
      fix: 'deploy with reserveConcurrency (1) or remove the reservation',
    };
  if (!config.topicArn)
    return {
      what: 'TOPIC_ARN is not set, so nobody is told anything',
      fix: 'deploy the janitor with the LockJanitor construct, which sets it',
    };
  if (!config.stateTable)
    return {
      what: 'STATE_TABLE is not set, so it forgets sightings between cold starts and cannot delete',
      fix: 'deploy the janitor with the LockJanitor construct, which sets it',
    };
  return undefined;
}

/** The schedules that start the function: at least one, each enabled. */
export function judgeSchedule(schedules: readonly ScheduleFacts[]): Check {
  if (schedules.length === 0)
    return {
      id: 'schedule',
      verdict: 'FAIL',
      detail: 'no EventBridge Scheduler schedule targets the function, so it never runs on its own',
      fix: 'deploy the stack again (the LockJanitor construct creates the schedule)',
    };
  const names = schedules.map((s) => `${s.group}/${s.name} ${s.expression} ${s.state}`).join('; ');
  const disabled = schedules.filter((s) => s.state !== 'ENABLED');
  if (disabled.length === 0) return { id: 'schedule', verdict: 'ok', detail: names };
  return {
    id: 'schedule',
    verdict: 'FAIL',
    detail: `${names}: ${disabled.length === schedules.length ? 'not enabled, so the janitor does not run' : 'one is not enabled'}`,
    fix: 'deploy with -c enabled=true (or enable the schedule in the EventBridge Scheduler console)',
  };
}

const HOUR_MS = 3_600_000;

/** The period of a `rate(N unit)` expression in ms; undefined for a cron. */
export function ratePeriodMs(expression: string): number | undefined {
  const m = /^rate\((\d+) (minute|hour|day)s?\)$/.exec(expression.trim());
  if (!m) return undefined;
  return (
    Number(m[1]) * { minute: 60_000, hour: HOUR_MS, day: 24 * HOUR_MS }[m[2] as 'minute' | 'hour' | 'day']
  );
}

/** The runs in the log window: the last one complete, no failed invocation, and one at all when one is due. */
export function judgeRuns(
  lines: readonly RunLine[],
  window: { readonly ms: number; readonly logGroup: string; readonly region: string },
  schedules: readonly ScheduleFacts[],
  nowMs: number,
): Check {
  const windowMs = window.ms;
  const hours = `${Math.round(windowMs / HOUR_MS)} h`;
  const runs = lines.filter((l) => l.kind === 'run').sort((a, b) => a.timeMs - b.timeMs);
  const failed = lines.filter((l) => l.kind === 'failed');
  const tail = shellCommand([
    'aws logs tail',
    shellWord(window.logGroup, 'the log group'),
    '--region',
    shellWord(window.region, 'the region'),
    '--since 1d',
  ]);
  const logs = `read the function's log for the failures: ${commandOrWhy(tail)}`;
  if (failed.length > 0)
    return {
      id: 'runs',
      verdict: 'FAIL',
      detail: `${failed.length} invocation${failed.length === 1 ? '' : 's'} failed in the last ${hours} (last: ${failed.at(-1)?.error ?? 'no message'})`,
      fix: logs,
    };
  const last = runs.at(-1);
  if (!last) {
    const period = Math.min(...schedules.map((s) => ratePeriodMs(s.expression) ?? Number.POSITIVE_INFINITY));
    const due = period * 2 <= windowMs;
    return {
      id: 'runs',
      verdict: due ? 'FAIL' : 'unknown',
      detail: due
        ? `no run finished in the last ${hours}, though the schedule runs every ${Math.round(period / 60_000)} min`
        : `no run finished in the last ${hours}; the schedule may not have been due`,
      fix: 'check the schedule and the dead-letter queue below; a janitor deployed minutes ago has not run yet',
    };
  }
  const ago = `${Math.max(0, Math.round((nowMs - last.timeMs) / 60_000))} min ago`;
  const withErrors = runs.filter((r) => !r.complete).length;
  const seen = last.locks === undefined ? '' : `, ${plural(last.locks, 'lock')}, ${last.stale ?? 0} stale`;
  const detail = `${runs.length} run${runs.length === 1 ? '' : 's'} in the last ${hours}; the last, ${ago}, ${last.complete ? `was complete${seen}` : `ended with ${plural(last.errors ?? 0, 'error')}`}${withErrors ? ` (${withErrors} with errors)` : ''}`;
  return last.complete
    ? { id: 'runs', verdict: 'ok', detail }
    : { id: 'runs', verdict: 'FAIL', detail, fix: `${logs} (the "run finished" line lists each failure)` };
}

/** Chatbot's subscription endpoint on a topic (an https subscription). */
export const CHATBOT_ENDPOINT = /^https:\/\/global\.sns-api\.chatbot\.amazonaws\.com/;

/** The topic's subscriptions: at least one, none pending confirmation. */
export function judgeSubscriptions(topicArn: string, subs: readonly SubscriptionFacts[]): Check {
  if (subs.length === 0)
    return {
      id: 'subscriptions',
      verdict: 'FAIL',
      detail: `${topicArn} has no subscription, so the janitor's alerts reach nobody`,
      fix: 'deploy with -c alertEmails=\'["ops@example.com"]\' and/or a chat channel (-c slack=...)',
    };
  const shown = (s: SubscriptionFacts) =>
    `${s.protocol} ${CHATBOT_ENDPOINT.test(s.endpoint) ? '(chat)' : s.endpoint}`;
  const pending = subs.filter((s) => s.pending);
  const confirmed = subs.filter((s) => !s.pending);
  const detail = `${confirmed.length} confirmed${confirmed.length ? `: ${confirmed.map(shown).join(', ')}` : ''}; ${pending.length} pending confirmation${pending.length ? `: ${pending.map(shown).join(', ')}` : ''}`;
  if (pending.length === 0) return { id: 'subscriptions', verdict: 'ok', detail };
  return {
    id: 'subscriptions',
    verdict: 'FAIL',
    detail,
    fix: 'an unconfirmed subscription receives nothing: each address must open the "AWS Notification - Subscription Confirmation" e-mail and follow its link (confirmation links expire after 3 days; deploy again, or subscribe the address again, for a new one)',
  };
}

/** The access the role needs on every table and bucket the policy names: nothing denied. */
export function judgeAccess(results: readonly AccessFacts[]): Check {
  const denied = results.filter((r) => r.denied.length > 0);
  if (denied.length === 0)
    return {
      id: 'access',
      verdict: 'ok',
      detail: `the role may do what a run needs on ${results.map((r) => r.place).join('; ')}`,
    };
  const detail = denied
    .map((r) => `${r.place}: ${r.denied.map((d) => `${d.action} ${d.decision}`).join(', ')}`)
    .join('; ');
  // Only actions IAM left unevaluated: the check did not run in full, which is unknown, never ok nor a denial.
  if (denied.every((r) => r.denied.every((d) => d.decision === NOT_EVALUATED)))
    return {
      id: 'access',
      verdict: 'unknown',
      detail: `IAM's simulation did not evaluate every action: ${detail}`,
      fix: 'run doctor again; if it persists, simulate the role in the IAM console (Policy simulator)',
    };
  return {
    id: 'access',
    verdict: 'FAIL',
    detail,
    fix: 'deploy again with the same policy (the stack grants exactly what the policy names); an explicit deny comes from a permissions boundary, an SCP or another policy on the role',
  };
}

/** The scheduler's dead-letter queue: empty. */
export function judgeDeadLetters(queues: readonly QueueFacts[]): Check {
  if (queues.length === 0)
    return {
      id: 'dead-letters',
      verdict: 'FAIL',
      detail: 'the schedule has no dead-letter queue, so invocations it gives up on are lost unseen',
      fix: 'deploy the stack again (the construct sets one)',
    };
  const full = queues.filter((q) => q.visible + q.inFlight > 0);
  const detail = queues
    .map((q) => `${q.name}: ${q.visible} messages${q.inFlight ? ` (+${q.inFlight} in flight)` : ''}`)
    .join('; ');
  if (full.length === 0) return { id: 'dead-letters', verdict: 'ok', detail };
  return {
    id: 'dead-letters',
    verdict: 'FAIL',
    detail: `${detail}: EventBridge Scheduler could not start the janitor that many times`,
    fix: `read why (the ERROR_CODE and ERROR_MESSAGE attributes), fix it, then purge the queue: ${commandOrWhy(
      shellCommand([
        'aws sqs receive-message --queue-url',
        shellWord(full[0].url, 'the queue URL'),
        '--message-attribute-names All',
      ]),
    )}`,
  };
}

/** What the Release button of this janitor must run (lib/release-command.ts), when the janitor can release. */
export type ButtonWanted = { readonly canRelease: boolean; readonly command: string };

/**
 * The chat channels on the topic (Chatbot's channel configurations that show it): each enabled and, when the janitor
 * can release, linked to a custom action whose command is this janitor's release command (the Release button).
 */
export function judgeChat(
  subs: readonly SubscriptionFacts[],
  channels: readonly ChatChannelFacts[],
  button: ButtonWanted,
  chatbotRegion: string,
): Check {
  const chats = subs.filter((s) => CHATBOT_ENDPOINT.test(s.endpoint));
  if (chats.length === 0 && channels.length === 0)
    return {
      id: 'chat',
      verdict: 'ok',
      detail: 'no chat channel is subscribed to the topic (alerts go by e-mail only)',
    };
  if (channels.length === 0)
    return {
      id: 'chat',
      verdict: 'unknown',
      detail: `${chats.length} chat subscription${chats.length === 1 ? '' : 's'} on the topic, but no Slack or Teams channel configuration read in ${chatbotRegion} shows it`,
      fix: 'see the channel in the Amazon Q Developer console (it may belong to another account); then run `tf-lock-janitor test-alert`',
    };
  const problems = channels.flatMap((c) => {
    const name = `${c.kind} ${c.name}`;
    if (c.state !== undefined && c.state !== 'ENABLED') return [`${name} is ${c.state}`];
    if (button.canRelease && !c.commands.includes(button.command))
      return [`${name} has no Release button for this janitor`];
    return [];
  });
  const detail = channels
    .map(
      (c) =>
        `${c.kind} ${c.name}${button.canRelease ? (c.commands.includes(button.command) ? ' with the Release button' : '') : ''}`,
    )
    .join('; ');
  const note = button.canRelease ? '' : ' (no Release button: the janitor cannot release)';
  if (problems.length === 0) return { id: 'chat', verdict: 'ok', detail: `${detail}${note}` };
  return {
    id: 'chat',
    verdict: 'FAIL',
    detail: problems.join('; '),
    fix: `deploy the stack again: the construct links a custom action running \`${button.command}\` to each channel, and enables it; then try it with \`tf-lock-janitor test-alert\``,
  };
}
