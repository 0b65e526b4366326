// CDK: reads and validates the janitor settings from CDK context.
import { TimeZone } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as z from 'zod';
import { UsageError } from '../lambda/core/errors';
import { duplicateKeyPath } from '../lambda/core/json-keys';
import type { PolicyInput } from '../lambda/core/policy';
import type { LockJanitorProps } from './lock-janitor';
import { scheduleProblem } from './schedule-expression';

/**
 * The janitor settings the app reads from CDK context (cdk.json `context`, or `-c key=value`). The raw
 * policy is validated by LockJanitor with the engine's schema, which names any bad field.
 */
export type JanitorContext = Pick<
  LockJanitorProps,
  | 'policy'
  | 'schedule'
  | 'enabled'
  | 'reserveConcurrency'
  | 'allowRelease'
  | 'acknowledgeUnsafeShortDurations'
  | 'alertEmails'
  | 'slack'
  | 'teams'
  | 'detailedMonitoring'
  | 'encryptAlertTopic'
  | 'functionName'
>;

// The patterns CloudFormation enforces for AWS::Chatbot::SlackChannelConfiguration and
// AWS::Chatbot::MicrosoftTeamsChannelConfiguration.
const GUID = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
const slackSchema = z.strictObject({
  workspaceId: z.string().regex(/^[0-9A-Z]{1,255}$/, 'must be the Slack workspace id, such as "T0123ABCD"'),
  channelId: z.string().regex(/^[A-Za-z0-9]+$/, 'must be the Slack channel id, such as "C0123ABCD"'),
});
const teamsSchema = z.strictObject({
  teamId: z.string().regex(GUID, 'must be the Teams team id, a GUID (the groupId in the channel link)'),
  channelId: z
    .string()
    .regex(
      /^19(:|%3[aA])\S+(@|%40)thread\.\S+$/,
      'must be the Teams channel id, such as "19:abc...@thread.tacv2"',
    ),
  tenantId: z
    .string()
    .regex(GUID, 'must be the Microsoft Entra tenant id, a GUID (tenantId in the channel link)'),
});

/**
 * Reads the janitor's context keys: `policy` (object), `schedule` ("rate(15 minutes)" or "cron(...)"),
 * `scheduleTimeZone` (IANA name, cron only), `enabled`, `reserveConcurrency`, `allowRelease`, `acknowledgeUnsafeShortDurations`, `alertEmails` (string[]), `slack`
 * ({workspaceId, channelId}), `teams` ({teamId, channelId, tenantId}), `detailedMonitoring`, `encryptAlertTopic` and `functionName`. Values given with `-c` arrive as
 * strings, so JSON text, comma-separated lists and "true"/"false" are accepted too.
 */
export function readJanitorContext(get: (key: string) => unknown): JanitorContext {
  return {
    policy: structured(get('policy'), 'policy') as PolicyInput | undefined,
    schedule: readSchedule(get('schedule'), get('scheduleTimeZone')),
    enabled: readBoolean(get('enabled'), 'enabled'),
    reserveConcurrency: readBoolean(get('reserveConcurrency'), 'reserveConcurrency'),
    allowRelease: readBoolean(get('allowRelease'), 'allowRelease'),
    acknowledgeUnsafeShortDurations: readBoolean(
      get('acknowledgeUnsafeShortDurations'),
      'acknowledgeUnsafeShortDurations',
    ),
    alertEmails: readList(get('alertEmails'), 'alertEmails'),
    slack: validated(slackSchema, structured(get('slack'), 'slack'), 'slack'),
    teams: validated(teamsSchema, structured(get('teams'), 'teams'), 'teams'),
    detailedMonitoring: readBoolean(get('detailedMonitoring'), 'detailedMonitoring'),
    encryptAlertTopic: readBoolean(get('encryptAlertTopic'), 'encryptAlertTopic'),
    functionName: readString(get('functionName'), 'functionName'),
  };
}

function readSchedule(expression: unknown, timeZone: unknown): ScheduleExpression | undefined {
  if (expression === undefined) {
    if (timeZone !== undefined) throw new UsageError('context "scheduleTimeZone": needs a cron "schedule"');
    return undefined;
  }
  if (typeof expression !== 'string') {
    throw new UsageError(
      `context "schedule": ${JSON.stringify(expression)} is not a schedule; write "rate(15 minutes)" or "cron(0 8 ? * MON-FRI *)"`,
    );
  }
  const problem = scheduleProblem(expression);
  if (problem) throw new UsageError(`context "schedule": ${problem}`);
  if (timeZone === undefined) return ScheduleExpression.expression(expression.trim());
  if (!expression.trim().startsWith('cron(')) {
    throw new UsageError(
      'context "scheduleTimeZone": applies only to a cron(...) schedule; rates have no time zone',
    );
  }
  if (typeof timeZone !== 'string' || !isTimeZone(timeZone)) {
    throw new UsageError(
      `context "scheduleTimeZone": ${JSON.stringify(timeZone)} is not an IANA time zone such as "Europe/Berlin"`,
    );
  }
  return ScheduleExpression.expression(expression.trim(), TimeZone.of(timeZone));
}

function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

function readBoolean(value: unknown, key: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new UsageError(`context "${key}": ${JSON.stringify(value)} must be true or false`);
}

/** A string value; LockJanitor checks what it says. */
function readString(value: unknown, key: string): string | undefined {
  if (value === undefined || typeof value === 'string') return value;
  throw new UsageError(`context "${key}": ${JSON.stringify(value)} must be a string`);
}

function readList(value: unknown, key: string): string[] | undefined {
  if (value === undefined) return undefined;
  const list =
    typeof value === 'string' && !value.trim().startsWith('[') ? value.split(',') : structured(value, key);
  if (!Array.isArray(list) || !list.every((v) => typeof v === 'string')) {
    throw new UsageError(`context "${key}": must be a list of strings, e.g. ["ops@example.com"]`);
  }
  return list.map((v) => v.trim()).filter(Boolean);
}

/** A context value that should be an object or array: JSON text from `-c` is parsed. */
function structured(value: unknown, key: string): unknown {
  if (typeof value !== 'string') return value;
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (e) {
    throw new UsageError(`context "${key}": is not valid JSON (${(e as Error).message})`);
  }
  const duplicate = duplicateKeyPath(value);
  if (duplicate !== undefined)
    throw new UsageError(
      `context "${key}": ${duplicate} is given twice in one object (JSON would keep only the last); remove one`,
    );
  return parsed;
}

function validated<T>(schema: z.ZodType<T>, value: unknown, key: string): T | undefined {
  if (value === undefined || value === null) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${[key, ...i.path].join('.')}: ${i.message}`);
  throw new UsageError(`context "${key}" is not valid:\n  - ${problems.join('\n  - ')}`);
}
