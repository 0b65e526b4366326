// Doctor run: reads a deployed janitor through the adapters and judges each check (the clients are passed in).
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { mayDelete } from '../../lambda/core/contract';
import type { Policy } from '../../lambda/core/policy';
import { releaseCommand } from '../../lib/release-command';
import { accessRequests, homeOf } from './access-requests';
import { type ChatbotAuth, chatbotRegion } from './chatbot-api';
import type { Check, DoctorTarget } from './checklist';
import type { FunctionFacts, ScheduleFacts, SubscriptionFacts } from './facts';
import {
  type ButtonWanted,
  CHATBOT_ENDPOINT,
  judgeAccess,
  judgeChat,
  judgeDeadLetters,
  judgeFunction,
  judgeRuns,
  judgeSchedule,
  judgeSubscriptions,
  notReached,
  unknownCheck,
} from './judge';
import { readChatChannels } from './read-chat';
import { readFunction, stackFunction } from './read-function';
import { runLines } from './read-runs';
import { queueDepth, schedulesOf } from './read-schedule';
import { subscriptionsOf } from './read-topic';
import { simulateAccess } from './simulate-access';

/** The SDK clients the doctor reads with, all in the janitor's region except SNS (the topic's, from its ARN). */
export type DoctorClients = {
  readonly lambda: LambdaClient;
  readonly scheduler: SchedulerClient;
  readonly sqs: SQSClient;
  readonly sns: (region: string) => SNSClient;
  readonly logs: CloudWatchLogsClient;
  readonly iam: IAMClient;
  readonly cloudformation: () => CloudFormationClient;
  /** How Chatbot calls are signed (no SDK client has its custom-action API). */
  readonly chatbot: ChatbotAuth;
};

/** How far back the doctor reads the function's result lines. */
export const RUNS_WINDOW_MS = 24 * 3_600_000;

type Attempt<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

async function attempt<T>(read: () => Promise<T>): Promise<Attempt<T>> {
  try {
    return { ok: true, value: await read() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Finds the janitor (by name, or as the janitor function of `stack`) and runs every check, read-only. */
export async function runDoctor(
  want: { readonly functionName?: string; readonly stack?: string; readonly region: string },
  clients: DoctorClients,
  nowMs: number,
): Promise<{ target: DoctorTarget; checks: Check[] }> {
  const functionName =
    want.functionName ?? (await stackFunction(clients.cloudformation(), clients.lambda, want.stack ?? ''));
  const target: DoctorTarget = {
    functionName,
    region: want.region,
    ...(want.stack ? { stack: want.stack } : {}),
  };
  const fn = await attempt(() => readFunction(clients.lambda, functionName));
  const rest = ['schedule', 'runs', 'subscriptions', 'chat', 'access', 'dead-letters'] as const;
  if (!fn.ok)
    return {
      target,
      checks: [
        unknownCheck(
          'function',
          `read the function ${functionName}`,
          fn.error,
          'use credentials allowed lambda:GetFunction on it',
        ),
        ...rest.map((id) => notReached(id, 'the function could not be read')),
      ],
    };
  if (!fn.value)
    return {
      target,
      checks: [
        {
          id: 'function',
          verdict: 'FAIL',
          detail: `no function named ${functionName} in ${want.region}`,
          fix: 'check --function and --region (the stack output FunctionName), or deploy the janitor',
        },
        ...rest.map((id) => notReached(id, 'there is no function')),
      ],
    };
  return { target, checks: await checkFunction(fn.value, want.region, clients, nowMs) };
}

/** The checks after the function's own, read side by side: a slow service delays the checklist once, not per check. */
async function checkFunction(
  fn: FunctionFacts,
  region: string,
  clients: DoctorClients,
  nowMs: number,
): Promise<Check[]> {
  const { check, config } = judgeFunction(fn, region);
  const canDelete = config !== undefined && mayDelete(config.policy.mode, config.releaseAllowed);
  const button = { canRelease: canDelete, command: releaseCommand(fn.name, region) };
  const [schedules, lines, topic, access] = await Promise.all([
    attempt(() => schedulesOf(clients.scheduler, fn.arn)),
    attempt(() => runLines(clients.logs, fn.logGroup, nowMs - RUNS_WINDOW_MS)),
    checkTopic(fn.env.TOPIC_ARN, button, region, clients),
    config
      ? checkAccess(fn, config.policy, config.regions, canDelete, clients)
      : notReached('access', 'the policy does not load'),
  ]);
  const known: readonly ScheduleFacts[] = schedules.ok ? schedules.value : [];
  return [
    check,
    schedules.ok
      ? judgeSchedule(schedules.value)
      : unknownCheck(
          'schedule',
          'list the schedules',
          schedules.error,
          'use credentials allowed scheduler:ListSchedules and scheduler:GetSchedule',
        ),
    lines.ok
      ? judgeRuns(lines.value, { ms: RUNS_WINDOW_MS, logGroup: fn.logGroup, region }, known, nowMs)
      : unknownCheck(
          'runs',
          `read the log group ${fn.logGroup}`,
          lines.error,
          'use credentials allowed logs:FilterLogEvents on it',
        ),
    ...topic,
    access,
    await checkDeadLetters(schedules.ok ? schedules.value : undefined, clients),
  ];
}

async function checkAccess(
  fn: FunctionFacts,
  policy: Policy,
  regions: readonly string[],
  canDelete: boolean,
  clients: DoctorClients,
): Promise<Check> {
  const requests = accessRequests(policy, regions, homeOf(fn.arn), canDelete);
  const access = await attempt(() => simulateAccess(clients.iam, fn.roleArn, requests));
  return access.ok
    ? judgeAccess(access.value)
    : unknownCheck(
        'access',
        `simulate the role ${fn.roleArn}`,
        access.error,
        'use credentials allowed iam:SimulatePrincipalPolicy on the role',
      );
}

async function checkTopic(
  topicArn: string | undefined,
  button: ButtonWanted,
  region: string,
  clients: DoctorClients,
): Promise<Check[]> {
  if (!topicArn)
    return [
      notReached('subscriptions', 'the function has no TOPIC_ARN'),
      notReached('chat', 'the function has no TOPIC_ARN'),
    ];
  const subs = await attempt(() => subscriptionsOf(clients.sns(topicArn.split(':')[3] ?? ''), topicArn));
  if (!subs.ok)
    return [
      unknownCheck(
        'subscriptions',
        `list the subscriptions of ${topicArn}`,
        subs.error,
        'use credentials allowed sns:ListSubscriptionsByTopic on it',
      ),
      notReached('chat', 'the topic could not be read'),
    ];
  return [
    judgeSubscriptions(topicArn, subs.value),
    await checkChat(topicArn, subs.value, button, region, clients),
  ];
}

/** Chatbot is asked only when a chat channel is subscribed: an e-mail-only janitor needs no chatbot permission. */
async function checkChat(
  topicArn: string,
  subs: readonly SubscriptionFacts[],
  button: ButtonWanted,
  region: string,
  clients: DoctorClients,
): Promise<Check> {
  const chatbot = chatbotRegion(region);
  if (!subs.some((s) => CHATBOT_ENDPOINT.test(s.endpoint))) return judgeChat(subs, [], button, chatbot);
  const channels = await attempt(() => readChatChannels(clients.chatbot, chatbot, topicArn));
  if (!channels.ok)
    return unknownCheck(
      'chat',
      `read the chat channel configurations in ${chatbot}`,
      channels.error,
      'use credentials allowed chatbot:DescribeSlackChannelConfigurations, chatbot:ListMicrosoftTeamsChannelConfigurations, chatbot:ListAssociations and chatbot:GetCustomAction',
    );
  return judgeChat(subs, channels.value, button, chatbot);
}

async function checkDeadLetters(
  schedules: readonly ScheduleFacts[] | undefined,
  clients: DoctorClients,
): Promise<Check> {
  if (!schedules) return notReached('dead-letters', 'the schedules could not be read');
  if (schedules.length === 0) return notReached('dead-letters', 'there is no schedule');
  const arns = [...new Set(schedules.flatMap((s) => (s.deadLetterArn ? [s.deadLetterArn] : [])))];
  const queues = [];
  for (const arn of arns) {
    const depth = await attempt(() => queueDepth(clients.sqs, arn));
    if (!depth.ok)
      return unknownCheck(
        'dead-letters',
        `read the queue ${arn}`,
        depth.error,
        'use credentials allowed sqs:GetQueueUrl and sqs:GetQueueAttributes on it',
      );
    queues.push(depth.value);
  }
  return judgeDeadLetters(queues);
}
