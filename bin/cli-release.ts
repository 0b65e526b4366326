// CLI: `release ID`: finds the lock holding the ID (or takes the place named), shows it, asks, and releases it safely.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { formatAge } from '../lambda/core/duration';
import { UsageError } from '../lambda/core/errors';
import { plural, printable } from '../lambda/core/message/format';
import { type Policy, parsePolicy } from '../lambda/core/policy';
import type { LockReport, RunReport } from '../lambda/core/report';
import { type ReleaseResult, type ReleaseTarget, release } from '../lambda/run/release';
import { sweep } from '../lambda/run/sweep';
import { usageError } from './args';
import { AuditFileStateStore } from './cli-audit';
import {
  type AwsFlags,
  dynamoClientFactory,
  lockfileStoreFactory,
  lockStoreFactory,
  resolveRegions,
} from './cli-context';
import { checkStateTable } from './cli-preflight';
import { awsFlags, type Io, loadPolicy, type Signals } from './cli-run';
import { notifierFor, stateStoreFor } from './cli-state';
import type { Flags } from './commands';
import { couldNotReadLines, fitLine, shortOperation } from './format';
import { withProgress } from './progress';

/** A lock ID as Terraform makes it (a UUID): what `--state-path` (formerly `--lock-id`) is mistaken for. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs `release`: exit 0 when released, 1 when not (with the reason), 2 on bad usage or a refusal to ask. */
export async function runRelease(
  flags: Flags,
  args: readonly string[],
  io: Io,
  signals: Signals,
): Promise<number> {
  const id = lockIdOf(flags, args);
  if (flags.output === 'tsv')
    throw usageError('release prints one result, not a table: --output takes table or json here', 'release');
  const aws = awsFlags(flags, 'release');
  const { table, key } = flags;
  const bucket = bucketOf(flags);
  const statePath = flags['state-path'];
  if (statePath !== undefined && table === undefined)
    throw usageError('--state-path needs --table (the lock table holding it)', 'release');
  if (key !== undefined && bucket === undefined)
    throw usageError('--key needs --bucket (the state bucket holding it)', 'release');
  const policy = releasePolicy(flags);
  const regions = await resolveRegions(aws, policy.regions);
  // Refused before any place is read: a state table that is missing or is not one.
  const stateTable = flags['state-table'];
  if (stateTable !== undefined)
    for (const region of regions) await checkStateTable(dynamoClientFactory(aws)(region), region, stateTable);
  const named =
    (table !== undefined && statePath !== undefined) || (bucket !== undefined && key !== undefined);
  let target: ReleaseTarget;
  if (named) {
    if (regions.length > 1)
      throw usageError(
        `the lock is in one region: pass --region once (got ${regions.join(', ')})`,
        'release',
      );
    target = { region: regions[0], id, table, lockId: statePath, bucket, key };
    if (!flags.yes)
      for (const line of fitLine(`Lock ID ${printable(id)} at ${placeOf(target)}.`, io.columns)) io.err(line);
  } else {
    const found = await search(id, policy, regions, aws, flags, io, signals);
    if (typeof found === 'number') return found;
    target = found;
  }
  if (signals.signal.aborted) return 1;
  if (!flags.yes) {
    if (!io.ask)
      throw usageError(
        'not released: release asks before it deletes, and stdin is not a terminal; pass --yes to release without asking',
        'release',
      );
    const answer = await io.ask("Release it? Only 'yes' is accepted: ");
    if (answer.trim() !== 'yes') {
      io.err('Not released.');
      return 1;
    }
  }
  return releaseTarget(target, policy, aws, flags, io, signals);
}

/** The lock ID: the argument, or `--id` (its old name); both must agree. */
function lockIdOf(flags: Flags, args: readonly string[]): string {
  const [arg, extra] = args;
  if (extra !== undefined)
    throw usageError(`release takes one lock ID, but got ${JSON.stringify(extra)} too`, 'release');
  if (arg !== undefined && flags.id !== undefined && arg !== flags.id)
    throw usageError(
      `the argument ${JSON.stringify(arg)} and --id ${JSON.stringify(flags.id)} differ: give the ID once`,
      'release',
    );
  const id = arg ?? flags.id;
  if (!id)
    throw usageError(
      'release needs the lock ID: tf-lock-janitor release ID (the LOCK ID column of list)',
      'release',
    );
  return id;
}

/**
 * The policy a release stays inside: the `--policy` file; without one, a policy that names exactly the places
 * given (`--table`, `--bucket`), else every table of the regions and no bucket.
 */
function releasePolicy(flags: Flags): Policy {
  if (flags.policy) return loadPolicy(flags.policy, false);
  const bucket = bucketOf(flags);
  return parsePolicy({
    tables: { include: [flags.table ?? '*'] },
    buckets: { include: bucket ? [bucket] : [] },
  });
}

/** The one state bucket `--bucket` names for a release. */
function bucketOf(flags: Flags): string | undefined {
  if ((flags.bucket?.length ?? 0) > 1)
    throw usageError('the lockfile is in one bucket: pass --bucket once', 'release');
  return flags.bucket?.[0];
}

/** The policy a search reads: the release policy narrowed to `--table` / `--bucket` when given. */
function searchPolicy(policy: Policy, flags: Flags): Policy {
  const bucket = bucketOf(flags);
  const narrowed = parsePolicy({
    tables: { include: [flags.table ?? '*'] },
    buckets: { include: bucket ? [bucket] : [] },
  });
  return {
    ...policy,
    mode: 'report',
    tables: flags.table
      ? { ...policy.tables, include: narrowed.tables.include }
      : bucket
        ? { ...policy.tables, include: [] }
        : policy.tables,
    buckets: bucket
      ? { ...policy.buckets, include: narrowed.buckets.include }
      : flags.table
        ? { ...policy.buckets, include: [] }
        : policy.buckets,
  };
}

/** Reads the places (read-only, as list does) for the lock holding `id`; the target, or an exit code. */
async function search(
  id: string,
  policy: Policy,
  regions: readonly string[],
  aws: AwsFlags,
  flags: Flags,
  io: Io,
  signals: Signals,
): Promise<ReleaseTarget | number> {
  const { options, done } = withProgress(
    {
      policy: searchPolicy(policy, flags),
      regions,
      lockStores: lockStoreFactory(dynamoClientFactory(aws)),
      lockfileStores: lockfileStoreFactory(aws),
      state: new MemoryStateStore({ singleRun: true }),
      now: new Date(),
      runId: randomUUID(),
      ...signals,
    },
    flags.quiet ? undefined : io.progress,
  );
  const report = await sweep(options).finally(done);
  const groups = groupByLock(report.locks.filter((l) => l.id === id));
  if (groups.length === 1) {
    for (const line of describeLock(groups[0])) for (const part of fitLine(line, io.columns)) io.err(part);
    return targetOf(groups[0]);
  }
  if (groups.length > 1) {
    const places = groups.map((g) => `  ${placeOfHalves(g)}`);
    io.err(
      [
        `tf-lock-janitor: not released: lock ID ${printable(id)} is held in ${groups.length} places:`,
        ...places,
      ].join('\n'),
    );
    io.err('Name one with --table TABLE --state-path PATH or --bucket BUCKET --key KEY, and --region.');
    return 1;
  }
  const lines = [...couldNotReadLines(report), '', `tf-lock-janitor: not released: ${notFound(id, report)}`];
  for (const line of lines.slice(lines[0] === '' ? 1 : 0))
    for (const part of fitLine(line, io.columns)) io.err(part);
  return 1;
}

/** The halves of each lock holding the ID: a double lock's item and lockfile share a region and state path. */
function groupByLock(matches: readonly LockReport[]): LockReport[][] {
  const groups = new Map<string, LockReport[]>();
  for (const l of matches) {
    const key = l.double ? `${l.region}\u0000${l.lockId}` : `${l.region}\u0000${l.table}\u0000${l.lockId}`;
    groups.set(key, [...(groups.get(key) ?? []), l]);
  }
  return [...groups.values()];
}

function targetOf(halves: readonly LockReport[]): ReleaseTarget {
  const item = halves.find((h) => h.store !== 's3');
  const lockfile = halves.find((h) => h.store === 's3');
  return {
    region: halves[0].region,
    id: halves[0].id,
    ...(item ? { table: item.table, lockId: item.lockId } : {}),
    ...(lockfile ? { bucket: lockfile.bucket, key: lockfile.key } : {}),
  };
}

/** What was found, for the person to check before saying yes. */
function describeLock(halves: readonly LockReport[]): string[] {
  const l = halves[0];
  return [
    `Found the lock with ID ${printable(l.id)}:`,
    `  where:       ${placeOfHalves(halves)}`,
    `  state path:  ${printable(l.lockId)}`,
    `  held by:     ${printable(l.who)}`,
    `  operation:   ${printable(shortOperation(l.operation))}`,
    `  age:         ${formatAge(l.ageSeconds)}`,
  ];
}

function placeOfHalves(halves: readonly LockReport[]): string {
  return halves
    .map((h) =>
      h.store === 's3'
        ? `s3://${printable(h.bucket ?? '')}/${printable(h.key ?? '')} (${printable(h.region)})`
        : `table ${printable(h.table)} (${printable(h.region)}) item ${printable(h.lockId)}`,
    )
    .join(' and ');
}

function placeOf(t: ReleaseTarget): string {
  const item =
    t.table !== undefined ? `table ${printable(t.table)} item ${printable(t.lockId ?? '')}` : undefined;
  const file = t.bucket !== undefined ? `s3://${printable(t.bucket)}/${printable(t.key ?? '')}` : undefined;
  return `${[item, file].filter(Boolean).join(' and ')} (${printable(t.region)})`;
}

/** Why nothing was found, with the way forward. */
function notFound(id: string, report: RunReport): string {
  const tables = report.tables.filter((t) => t.name !== '*' && !t.error).length;
  const buckets = report.buckets.filter((b) => b.name !== '*' && !b.error).length;
  const failed = report.couldNotRead.length;
  const read = `${plural(tables, 'lock table')}${buckets ? ` and ${plural(buckets, 'state bucket')}` : ''}`;
  const unread = failed ? `; ${plural(failed, 'place')} could not be read (listed above)` : '';
  return (
    `no lock holds ID ${printable(id)} in the ${read} read in ${report.regions.join(', ')}${unread}. ` +
    "Check the ID with 'tf-lock-janitor list' (the LOCK ID column), or name the place with --table/--bucket " +
    'and --region (for lockfiles, --policy with its buckets)'
  );
}

/** Releases the target the safe way (fresh read, ID match, conditional delete, audit) and prints the result. */
async function releaseTarget(
  target: ReleaseTarget,
  policy: Policy,
  aws: AwsFlags,
  flags: Flags,
  io: Io,
  { callSignal }: Signals,
): Promise<number> {
  const clients = dynamoClientFactory(aws);
  const { region } = target;
  const stateTable = flags['state-table'];
  const auditFile = flags['audit-file'];
  const result = await release(target, {
    policy,
    regions: policy.regions ?? [region],
    store: lockStoreFactory(clients)(region),
    lockfiles: target.bucket !== undefined ? lockfileStoreFactory(aws)(region) : undefined,
    state:
      stateTable !== undefined
        ? stateStoreFor(clients(region), stateTable)
        : auditFile === undefined
          ? undefined
          : new AuditFileStateStore(auditFile),
    notifier: flags['topic-arn'] ? notifierFor(flags['topic-arn'], aws) : undefined,
    now: new Date(),
    runId: randomUUID(),
    requestedBy: `OS user ${JSON.stringify(userInfo().username)} with the CLI`,
    callSignal,
  });
  // A table that is missing or not a lock table is a usage mistake (exit 2), told plainly, not a stack trace.
  if (result.outcome === 'no-lock-table') throw new UsageError(withHint(result, target).message);
  const shown = withHint(result, target);
  if (flags.output === 'json') io.out(JSON.stringify(shown, null, 2));
  else for (const line of fitLine(printable(shown.message), io.columns)) io.out(line);
  for (const failure of result.failures)
    for (const line of fitLine(`tf-lock-janitor: ${printable(failure.message)}`, io.columns)) io.err(line);
  return result.outcome === 'released' && result.failures.length === 0 ? 0 : 1;
}

/** A refusal with the CLI's way out added where the flags were likely mixed up (a lock ID as the state path). */
function withHint(result: ReleaseResult, target: ReleaseTarget): ReleaseResult {
  if (
    (result.outcome === 'not-found' || result.outcome === 'no-lock-table') &&
    UUID.test(target.lockId ?? '')
  )
    return {
      ...result,
      message:
        `${result.message}. "${target.lockId}" looks like a lock ID, but --state-path (formerly --lock-id) takes ` +
        'the STATE PATH; give the lock ID as the argument: tf-lock-janitor release ID',
    };
  return result;
}
