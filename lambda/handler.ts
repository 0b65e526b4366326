// Lambda shell: the handler that wires adapters to the run and logs, measures and answers.
import { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { awsClientConfig } from './adapters/aws-client-config';
import { DynamoStateStore } from './adapters/dynamo-state-store';
import { MemoryStateStore } from './adapters/memory-state-store';
import { SnsNotifier } from './adapters/sns-notifier';
import { type HandlerConfig, readConfig, renderOptionsOf } from './config';
import { UsageError } from './core/errors';
import type { RunFailure } from './core/failure';
import {
  isTestRelease,
  renderTestAlert,
  TEST_ALERT_SUBJECT,
  TEST_RELEASE_REFUSAL,
} from './core/message/test-alert';
import type { Notifier, StateStore } from './core/ports';
import { type ReleaseAnswer, viaOfRequester } from './core/release';
import { countRun, hasErrors, type RunCounts, type RunReport } from './core/report';
import { parseEvent, type ReleasePayload, type ScheduledEvent, type TestAlertPayload } from './events';
import { createLogger, type Logger, setRequestId, writeStdout } from './logger';
import { renderEmf } from './metrics';
import { RunFence } from './run/fence';
import { answerTo, type ReleaseResult, release } from './run/release';
import { sweep } from './run/sweep';
import { type Wiring, wire } from './wiring';

/** Time kept back from the Lambda timeout so the sweep can finish its table, save state and notify. */
export const STOP_MARGIN_MS = 20_000;
/** Time kept back from the Lambda timeout for the summary line and the metrics, whatever is still running. */
export const LAST_WORD_MS = 3_000;

/** The answer to `{"testAlert": {}}`: the one test notification was accepted by SNS. */
export type TestAlertAnswer = {
  readonly testAlert: {
    readonly published: true;
    readonly topicArn: string;
    readonly subject: string;
    /** Whether the chat notification carries the Release button's (harmless) payload. */
    readonly releaseButton: boolean;
    readonly runId: string;
  };
};

/** What an invocation returns: the run's counts, the small readable answer to a release, or the test alert's. */
export type HandlerResult =
  | { readonly runId: string; readonly complete: boolean; readonly counts: RunCounts }
  | ReleaseAnswer
  | TestAlertAnswer;

/** Everything built once per cold start: validated config, logger, SDK clients and the adapters on them. */
type Shell = {
  readonly config: HandlerConfig;
  readonly logger: Logger;
  /** The clients and stores of each region, kept for the sandbox's life (SDK clients reuse connections). */
  readonly aws: Wiring;
  readonly state: StateStore;
  readonly notifier?: Notifier;
};

let shell: Shell | undefined;

function coldStart(): Shell {
  const config = readConfig(process.env);
  const logger = createLogger(config.logLevel);
  // Throttling is retried with backoff (6 attempts) before a table is reported as failed.
  const aws = wire((region) => awsClientConfig({ region }));
  const state = config.stateTable
    ? new DynamoStateStore(aws.dynamo(config.homeRegion), config.stateTable)
    : new MemoryStateStore();
  // The topic may live in another region or account (an organization's central topic): its client follows its ARN.
  const notifier = config.topicArn
    ? new SnsNotifier(
        new SNSClient(awsClientConfig({ region: arnRegion(config.topicArn, config.homeRegion) })),
        config.topicArn,
      )
    : undefined;
  return { config, logger, aws, state, notifier };
}

/** The region of an ARN (`arn:aws:sns:REGION:ACCOUNT:NAME`), else `fallback`. */
function arnRegion(arn: string, fallback: string): string {
  return arn.split(':')[3] || fallback;
}

async function sweepOnce(s: Shell, event: ScheduledEvent, context: Context): Promise<HandlerResult> {
  const { config, logger } = s;
  const runId = context.awsRequestId;
  logger.info(
    {
      runId,
      mode: config.policy.mode,
      regions: config.regions,
      scheduledTime: event.scheduledTime,
      attempt: event.attempt,
    },
    'run started',
  );
  // At STOP_MARGIN_MS before the timeout the run is told to stop reading; at LAST_WORD_MS the summary and the
  // metrics are written whatever the run is still waiting for, and the run ends there: its AWS calls in flight
  // are abandoned (the call signal) and the fence refuses any call it would make later, so a run Lambda froze
  // with the sandbox cannot go on inside the next invocation.
  const stop = new AbortController();
  const abandon = new AbortController();
  const fence = new RunFence();
  const stopTimer = setTimeout(
    () => stop.abort(),
    Math.max(0, context.getRemainingTimeInMillis() - STOP_MARGIN_MS),
  );
  // S3 only when the policy names buckets, EC2 only with evidence.ec2Hosts; a host check per run: EC2's answers
  // are remembered for this run only (a warm sandbox never reuses an earlier run's).
  const stores = s.aws.sweepStores(config.policy);
  const run = sweep({
    policy: config.policy,
    regions: config.regions,
    lockStores: fence.wrapEach(stores.lockStores),
    lockfileStores: stores.lockfileStores && fence.wrapEach(stores.lockfileStores),
    holders: stores.holders && fence.wrapCall(stores.holders),
    state: fence.wrap(s.state),
    notifier: s.notifier && fence.wrap(s.notifier),
    render: renderOptionsOf(config),
    now: new Date(),
    // A sighting is recorded at the time it is made.
    clock: () => Date.now(),
    runId,
    logger,
    // Each lock's lines are logged as decided; the report keeps only those the message and the memory need.
    lines: 'news',
    signal: stop.signal,
    callSignal: abandon.signal,
    remainingMs: () => context.getRemainingTimeInMillis() - STOP_MARGIN_MS,
  });
  let lastWordTimer: NodeJS.Timeout | undefined;
  const lastWord = new Promise<undefined>((resolve) => {
    lastWordTimer = setTimeout(
      () => resolve(undefined),
      Math.max(0, context.getRemainingTimeInMillis() - LAST_WORD_MS),
    );
  });
  const report = await Promise.race([run, lastWord]).finally(() => {
    clearTimeout(stopTimer);
    clearTimeout(lastWordTimer);
  });
  if (report === undefined) {
    fence.close();
    stop.abort();
    abandon.abort();
    run.catch(() => undefined);
    return cutOff(s, runId);
  }
  const complete = !hasErrors(report);
  logger[complete ? 'info' : 'warn'](summary(report), 'run finished');
  // EMF goes to stdout as its own line, synchronously like the logger, so it is never lost at freeze.
  writeStdout(`${renderEmf(report.counts, config.functionName, Date.now(), config.metrics)}\n`);
  return { runId, complete, counts: report.counts };
}

/** The run outlived its deadline (a call stuck past its timeouts): the summary and the metrics are still written. */
function cutOff(s: Shell, runId: string): HandlerResult {
  const failure: RunFailure = {
    kind: 'deadline',
    message: `the run did not finish ${LAST_WORD_MS / 1000} s before the Lambda timeout; its intent records let the next run account for any delete in flight`,
  };
  const counts = countRun([], [], [failure]);
  s.logger.error({ runId, cutOff: true, counts, failures: [failure] }, 'run finished');
  writeStdout(`${renderEmf(counts, s.config.functionName, Date.now(), s.config.metrics)}\n`);
  return { runId, complete: false, counts };
}

async function releaseOnce(s: Shell, req: ReleasePayload, context: Context): Promise<HandlerResult> {
  const { config, logger } = s;
  if (isTestRelease(req)) {
    // The test alert's button: it names a table that cannot exist, so nothing is read or written.
    const where = {
      region: req.region ?? config.homeRegion,
      table: req.table ?? '',
      lockId: req.lockId ?? '',
    };
    logger.info({ ...where, id: req.id, testRelease: true }, 'test release refused');
    return answerTo(
      { ...req, region: where.region },
      { outcome: 'not-found', message: TEST_RELEASE_REFUSAL, failures: [] },
      context.awsRequestId,
    );
  }
  if (config.policy.mode !== 'delete' && !config.releaseAllowed) {
    throw new UsageError(
      `The janitor runs in mode "${config.policy.mode}", so its role has no dynamodb:DeleteItem; ` +
        'deploy it with -c allowRelease=true (or policy mode "delete") to release through the Lambda, or run `tf-lock-janitor release` with your own credentials',
    );
  }
  const region = req.region ?? config.homeRegion;
  const { requestedBy: _claim, ...target } = req;
  // A release ends at its deadline like a sweep: at LAST_WORD_MS before the timeout its calls in flight are
  // abandoned and the fence refuses any later one, so nothing of it goes on inside the next invocation.
  const abandon = new AbortController();
  const fence = new RunFence();
  const lockfiles = s.aws.lockfileStoresFor(config.policy);
  const run = release(
    { ...target, region },
    {
      store: fence.wrap(s.aws.lockStores(region)),
      lockfiles: lockfiles && fence.wrap(lockfiles(region)),
      state: fence.wrap(s.state),
      notifier: s.notifier && fence.wrap(s.notifier),
      now: new Date(),
      runId: context.awsRequestId,
      // The payload's requestedBy is whatever the caller wrote: recorded as its claim, next to what Lambda knows.
      requestedBy: `${req.requestedBy ? `${JSON.stringify(req.requestedBy)} (claimed by the caller)` : 'an unnamed caller'} through Lambda request ${context.awsRequestId} (CloudTrail has the invoking principal)`,
      via: viaOfRequester(req.requestedBy),
      // Whoever invoked (the chat button, a forwarded release, anyone who can publish a button): only an announced lock.
      onlyAnnounced: true,
      policy: config.policy,
      regions: config.regions,
      logger,
      callSignal: abandon.signal,
    },
  );
  let lastWordTimer: NodeJS.Timeout | undefined;
  const lastWord = new Promise<undefined>((resolve) => {
    lastWordTimer = setTimeout(
      () => resolve(undefined),
      Math.max(0, context.getRemainingTimeInMillis() - LAST_WORD_MS),
    );
  });
  const finished = await Promise.race([run, lastWord]).finally(() => clearTimeout(lastWordTimer));
  if (finished === undefined) {
    fence.close();
    abandon.abort();
    run.catch(() => undefined);
  }
  const result: ReleaseResult = finished ?? {
    outcome: 'failed',
    message:
      `the release did not finish ${LAST_WORD_MS / 1000} s before the Lambda timeout and was abandoned: whether ` +
      'the lock was released is unknown (an intent record, if one was written, lets the next run account for ' +
      'it); check with `tf-lock-janitor list` before trying again',
    failures: [],
  };
  const level = result.failures.length > 0 || finished === undefined ? 'warn' : 'info';
  logger[level]({ ...target, region, ...result }, 'release finished');
  // The whole result (the lock, each failure) is in the log line; the caller gets what a person reads.
  return answerTo({ ...target, region }, result, context.awsRequestId);
}

/**
 * Publishes one labelled test notification (e-mail and chat) through the janitor's own topic and role: nothing
 * is read, judged or changed. A failed publish fails the invocation, so the caller sees it.
 */
async function testAlertOnce(s: Shell, req: TestAlertPayload, context: Context): Promise<HandlerResult> {
  const { config, logger } = s;
  if (!s.notifier || !config.topicArn)
    throw new UsageError(
      'TOPIC_ARN is not set, so the janitor has nowhere to publish; the stack sets it to its alert topic',
    );
  const render = renderOptionsOf(config);
  const janitor = render.janitor!;
  const message = renderTestAlert({
    janitor,
    requestId: context.awsRequestId,
    at: new Date().toISOString(),
    requestedBy: req.requestedBy,
  });
  await s.notifier.publish(message);
  logger.info({ topicArn: config.topicArn, requestedBy: req.requestedBy }, 'test alert published');
  return {
    testAlert: {
      published: true,
      topicArn: config.topicArn,
      subject: TEST_ALERT_SUBJECT,
      releaseButton: janitor.canRelease,
      runId: context.awsRequestId,
    },
  };
}

/** The run summary line: counts and what failed, not every lock (each lock has its own decision line). */
function summary(report: RunReport): object {
  return {
    runId: report.runId,
    mode: report.mode,
    regions: report.regions,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    counts: report.counts,
    ...(report.folded ? { locksLoggedOnly: report.folded.locks } : {}),
    tables: report.tables.length,
    failedTables: report.tables
      .filter((t) => t.error !== undefined)
      .map(({ region, name, error }) => ({ region, name, error })),
    unparseable: report.unparseable.length,
    resolved: report.resolved.length,
    warnings: report.warnings,
    // Every failure in full: an audit record that could not be written is kept here with the lock's whole Info.
    failures: report.failures,
    notification: report.notification,
  };
}

/**
 * The Lambda entry point. `{"release": {table, lockId, id, region?}}` releases one lock; `{"testAlert": {}}`
 * publishes one test notification; any other event
 * (the EventBridge Scheduler invocation) runs one sweep. Configuration is validated at the first invocation
 * of a sandbox; a bad configuration fails every invocation with the same clear message, logged and thrown.
 * A plain async function: a middleware framework would load Node's web streams at every cold start.
 */
export async function handler(event: unknown, context: Context): Promise<HandlerResult> {
  setRequestId(context.awsRequestId);
  try {
    shell ??= coldStart();
    const parsed = parseEvent(event);
    if (parsed.kind === 'release') return await releaseOnce(shell, parsed.payload, context);
    if (parsed.kind === 'test-alert') return await testAlertOnce(shell, parsed.payload, context);
    return await sweepOnce(shell, parsed.event, context);
  } catch (error) {
    (shell?.logger ?? createLogger()).error({ err: error }, 'invocation failed');
    throw error;
  }
}
