// CLI: checks made before any place is read: the state table and the alert topic exist and are what they claim.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetTopicAttributesCommand, type SNSClient } from '@aws-sdk/client-sns';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { SnsNotifier } from '../lambda/adapters/sns-notifier';
import { describeError, JanitorError, PolicyError, UsageError } from '../lambda/core/errors';
import { type Policy, parsePolicy } from '../lambda/core/policy';
import type { Notifier, StateStore } from '../lambda/core/ports';
import { AuditFileStateStore } from './cli-audit';
import { type AwsFlags, snsClientFor } from './cli-context';
import { stateStoreFor } from './cli-state';

/**
 * The state table `--state-table` names must exist in the region and have the janitor's key schema (`pk`, `sk`):
 * otherwise the run is refused (exit 2) before it reads any place, rather than failing at every sighting.
 */
export async function checkStateTable(client: DynamoDBClient, region: string, name: string): Promise<void> {
  let table: Awaited<ReturnType<DynamoLockStore['describeTable']>>;
  try {
    table = await new DynamoLockStore(client, region).describeTable(name);
  } catch (e) {
    throw new JanitorError(
      `could not check the state table "${name}" in ${region} before the run: ${describeError(e)}; nothing was read`,
    );
  }
  if (!table)
    throw new UsageError(
      `--state-table "${name}": there is no such table in ${region}; pass the state table the stack created (its output StateTableName), or leave --state-table out (a CLI run then remembers nothing)`,
    );
  const keys = table.keySchema.map((k) => `${k.name}:${k.keyType}`).join(',');
  if (keys !== 'pk:HASH,sk:RANGE')
    throw new UsageError(
      `--state-table "${name}" is not a tf-lock-janitor state table (its key must be pk and sk, not ${keys || 'none'}); is it a lock table? Pass the state table the stack created`,
    );
}

/**
 * The topic `--topic-arn` names must exist: a missing one is refused (exit 2) before the run. A topic this caller
 * may not describe (no sns:GetTopicAttributes) is left to the publish, whose failure the report states.
 */
export async function checkTopic(client: SNSClient, topicArn: string): Promise<void> {
  try {
    await client.send(new GetTopicAttributesCommand({ TopicArn: topicArn }));
  } catch (e) {
    const name = (e as Error).name;
    if (name === 'NotFoundException' || name === 'NotFound')
      throw new UsageError(
        `--topic-arn "${topicArn}": no such SNS topic; pass the janitor's alert topic ARN`,
      );
    if (name === 'AuthorizationErrorException' || name === 'AuthorizationError') return;
    throw new JanitorError(
      `could not check the topic "${topicArn}" before the run: ${describeError(e)}; nothing was read`,
    );
  }
}

/** What `sweep` runs with, checked before any place is read. */
export type SweepSetup = {
  readonly state: StateStore;
  readonly notifier?: Notifier;
  /** The local audit file, when the run records its deletions there. */
  readonly auditFile?: AuditFileStateStore;
  /** Said once with the report: why nothing can be deleted without remembered sightings. */
  readonly warnings: string[];
};

/** The sweep flags the setup reads. */
type SweepFlags = {
  readonly 'state-table'?: string;
  readonly 'topic-arn'?: string;
  readonly 'audit-file'?: string;
};

/**
 * The state store and notifier of a `sweep`, or a refusal before any place is read: a missing or wrong state
 * table or topic (exit 2), and mode `delete` with no durable record of its deletions (neither `--state-table`
 * nor `--audit-file`): no deletion from the CLI is ever unrecorded.
 */
export async function prepareSweep(
  flags: SweepFlags,
  policy: Pick<Policy, 'mode' | 'minSightings'>,
  region: string,
  dynamo: DynamoDBClient,
  aws: AwsFlags = {},
): Promise<SweepSetup> {
  const stateTable = flags['state-table'];
  const auditPath = flags['audit-file'];
  if (stateTable !== undefined && auditPath !== undefined)
    throw new UsageError(
      'pass --state-table or --audit-file, not both: with a state table every deletion is audited there',
    );
  if (policy.mode === 'delete' && stateTable === undefined && auditPath === undefined)
    throw new UsageError(
      'sweep in mode "delete" records every deletion, and this run has nowhere to record it: pass --state-table NAME ' +
        "(the janitor's state table: the audit trail, and the sightings across runs that minSightings counts), or " +
        '--audit-file FILE to append each deletion with its full Info to a local file; --dry-run looks without deleting',
    );
  if (stateTable !== undefined) await checkStateTable(dynamo, region, stateTable);
  const notifier = flags['topic-arn'] ? await checkedNotifier(flags['topic-arn'], aws) : undefined;
  const auditFile = auditPath === undefined ? undefined : new AuditFileStateStore(auditPath);
  const warnings =
    policy.mode === 'delete' && stateTable === undefined && policy.minSightings > 1
      ? [
          `nothing can be deleted by this run: the policy's minSightings is ${policy.minSightings}, and without --state-table a CLI run remembers no earlier sightings (each run is the first); pass --state-table NAME (the janitor's state table) to remember them`,
        ]
      : [];
  return {
    state:
      stateTable !== undefined
        ? stateStoreFor(dynamo, stateTable)
        : (auditFile ?? new MemoryStateStore({ singleRun: true })),
    notifier,
    auditFile,
    warnings,
  };
}

async function checkedNotifier(topicArn: string, aws: AwsFlags): Promise<Notifier> {
  const client = snsClientFor(topicArn, aws);
  await checkTopic(client, topicArn);
  return new SnsNotifier(client, topicArn);
}

/**
 * The policy with `--bucket` globs (repeatable, like `--region`) in place of its `buckets.include`, validated as
 * the policy's own; and the note said once when no state bucket is searched at all.
 */
export function withBuckets(
  policy: Policy,
  globs: readonly string[] | undefined,
): { readonly policy: Policy; readonly warnings: string[] } {
  let buckets = policy.buckets;
  if (globs?.length) {
    try {
      buckets = { ...buckets, include: parsePolicy({ buckets: { include: [...globs] } }).buckets.include };
    } catch (e) {
      const issues = e instanceof PolicyError ? e.issues : [describeError(e)];
      throw new UsageError(issues.map((i) => i.replace(/^buckets\.include\[(\d+)\]/, '--bucket')).join('\n'));
    }
  }
  const warnings = buckets.include.length
    ? []
    : [
        'S3 lockfiles (use_lockfile) were not searched: no --bucket and no buckets in the policy; pass --bucket GLOB (repeatable) to include state buckets',
      ];
  return { policy: { ...policy, buckets }, warnings };
}
