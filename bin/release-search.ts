// CLI: release's search: reads the places as list does for the lock holding an ID, and tells what it found.
import { randomUUID } from 'node:crypto';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { formatAge } from '../lambda/core/duration';
import { plural, printable } from '../lambda/core/message/format';
import { isObjectStore } from '../lambda/core/place';
import { type Policy, parsePolicy } from '../lambda/core/policy';
import type { LockReport, RunReport } from '../lambda/core/report';
import type { ReleaseTarget } from '../lambda/run/release';
import { sweep } from '../lambda/run/sweep';
import { usageError } from './args';
import { type AwsFlags, dynamoClientFactory, lockfileStoreFactory, lockStoreFactory } from './cli-context';
import type { Io, Signals } from './cli-run';
import type { Flags } from './commands';
import { couldNotReadLines, fitLine, shortOperation } from './format';
import { withProgress } from './progress';

/** The one state bucket `--bucket` names for a release (the flag is repeatable for list and sweep). */
export function bucketOf(flags: Flags): string | undefined {
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
export async function search(
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
  const item = halves.find((h) => !isObjectStore(h.store));
  const lockfile = halves.find((h) => isObjectStore(h.store));
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
  // The halves of a double lock can hold different Info: then each half's value is shown, named, not the first's.
  const field = (value: (h: LockReport) => string): string => {
    const values = halves.map(value);
    if (values.every((v) => v === values[0])) return values[0];
    return halves
      .map((h, i) => `${values[i]} (${isObjectStore(h.store) ? 'lockfile' : 'table item'})`)
      .join('; ');
  };
  return [
    `Found the lock with ID ${printable(l.id)}:`,
    `  where:       ${placeOfHalves(halves)}`,
    `  state path:  ${printable(l.lockId)}`,
    `  held by:     ${field((h) => printable(h.who))}`,
    `  operation:   ${field((h) => printable(shortOperation(h.operation)))}`,
    `  age:         ${field((h) => formatAge(h.ageSeconds))}`,
  ];
}

function placeOfHalves(halves: readonly LockReport[]): string {
  return halves
    .map((h) =>
      isObjectStore(h.store)
        ? `s3://${printable(h.bucket ?? '')}/${printable(h.key ?? '')} (${printable(h.region)})`
        : `table ${printable(h.table)} (${printable(h.region)}) item ${printable(h.lockId)}`,
    )
    .join(' and ');
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
