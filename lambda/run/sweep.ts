// Run: one janitor run over every region's tables and the policy's buckets, ending in one report built from what it found and did.
import { carryingSignal } from '../adapters/call-signal';
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { bucketPlace } from '../core/lock-half';
import { isAlertDue } from '../core/plan';
import type { LockKey, TableRef } from '../core/ports';
import {
  afterDelivery,
  type BucketReport,
  buildReport,
  emptyTable,
  type ResolvedReport,
  type RunReport,
  type TableReport,
} from '../core/report';
import { PlaceAbsence } from './absence';
import { mapBounded } from './bounded';
import { DeletionBudget } from './budget';
import { type Discovery, describeLockTable, tableNames } from './discovery';
import { holdersOf } from './evidence';
import { handleLock, type LockContext } from './handle-lock';
import { resolveIntents } from './intents';
import { LockfileIndex } from './lockfile-index';
import { publishNews, rememberAlerts } from './notify';
import type { SweepOptions } from './options';
import { DEFAULT_CONCURRENCY, RegionPools } from './region-pools';
import { type BucketSweep, discoverBuckets, emptyBucket, readBucket } from './sweep-bucket';
import { outOfTime, sweepTable, type TableSweep } from './sweep-table';
import { UnreadPlaces } from './unread-places';

export type { SweepOptions } from './options';

const NOT_REACHED = 'not reached: the time limit came first; it will be read next run';

/**
 * One janitor run: every region's lock tables and the policy's buckets are read as soon as they are found,
 * several at once in each region (streaming, no phase waits for another); every lock is judged and planned, the
 * plans carried out within the deletion budget; then the run remembers, tells people, and returns the report.
 * Never throws for a table's, a region's or the notifier's failure: each is reported and the run goes on.
 */
export function sweep(opts: SweepOptions): Promise<RunReport> {
  return carryingSignal(opts.callSignal, () => sweepAll(opts));
}

async function sweepAll(opts: SweepOptions): Promise<RunReport> {
  const startedAt = opts.now.toISOString();
  const startMs = Date.now();
  const budget = new DeletionBudget(opts.policy.maxDeletionsPerRun);
  const absence = new PlaceAbsence(opts);
  const lockfiles = new LockfileIndex();
  const unseen = new UnreadPlaces(opts, lockfiles);
  const context = { absence, unread: unseen };
  const pools = new RegionPools(opts.concurrency ?? opts.policy.concurrency ?? DEFAULT_CONCURRENCY);
  // Intents left by an earlier run are resolved before this run handles any lock; discovery goes on meanwhile.
  const recovering = resolveIntents(opts);
  // The buckets not read are known before a lock item may wait on its bucket (the index waits on this).
  const bucketsFinding = discoverBuckets(opts).then((found) => {
    for (const b of found.skipped) unseen.bucket(b.name, b.why);
    for (const b of found.failures) unseen.bucket(b.name, b.error ?? 'failed');
    // And those read: a lock item of one of them waits for its read.
    for (const bucket of found.buckets) lockfiles.reads(bucket.name);
    return found;
  });
  lockfiles.discovering(bucketsFinding);
  const reading = bucketsFinding.then(async (found) => {
    await recovering;
    return Promise.all(
      found.buckets.map((bucket) =>
        pools.run(`s3 ${bucket.region}`, async () => {
          const r = outOfTime(opts)
            ? bucketNotReached(bucket.region, bucket.name)
            : await readBucket(opts, bucket);
          if (!r.complete) unseen.bucket(bucket.name, r.bucket.error ?? 'read in part');
          lockfiles.read(bucket.name, r.halves);
          return r;
        }),
      ),
    );
  });
  const regions = await Promise.all(
    opts.regions.map((region) => sweepRegion(opts, region, pools, budget, lockfiles, recovering, context)),
  );
  const [recovered, bucketsFound, read] = await Promise.all([recovering, bucketsFinding, reading]);
  const swept = regions.flatMap((r) => r.swept);
  // Lockfiles no lock item took are single locks (a fleet on use_lockfile alone).
  const rest = lockfiles.rest().map((half) => [half]);
  const unread: RunFailure[] = [];
  const holders = await holdersOf(opts, rest, unread);
  const judged = rest.map((halves, i) => ({ halves, holder: holders[i] }));
  const singles = await mapBounded(judged, 8, ({ halves, holder }) =>
    handleLock(opts, halves, budget, holder, context),
  );
  const discoveries = regions.map((r) => r.discovery);

  const failures = onceEach(
    [
      ...recovered.failures,
      ...swept.flatMap((s) => s.failures),
      ...singles.flatMap((h) => h.failures),
      ...absence.failures,
      ...unread,
    ],
    swept.filter((s) => s.table.error !== undefined).map((s) => s.table),
  );
  const places: Place[] = [
    ...swept.map((s) => ({ region: s.table.region, table: s.table.name, complete: s.complete })),
    ...read.map((r) => ({
      region: r.bucket.region,
      table: bucketPlace(r.bucket.name),
      complete: r.complete,
    })),
  ];
  const seen = [...swept.flatMap((s) => s.seen), ...singles.flatMap((h) => h.keys)];
  const resolved = await forgetGone(opts, places, seen, failures);
  await noteComplete(opts, places, opts.now.getTime() + Date.now() - startMs, failures);
  const [tables, buckets] = await placesWithNews(
    opts,
    [...discoveries.flatMap((d) => d.failures), ...swept.map((s) => s.table)],
    [...bucketsFound.failures, ...read.map((r) => r.bucket)],
    places,
    failures,
  );

  const results = {
    runId: opts.runId,
    startedAt,
    // On the run's clock, which a demo or a test may have set apart from the wall clock.
    finishedAt: new Date(opts.now.getTime() + Date.now() - startMs).toISOString(),
    mode: opts.policy.mode,
    regions: [...opts.regions],
    tables,
    buckets,
    locks: [...swept.flatMap((s) => s.locks), ...singles.flatMap((h) => h.locks)],
    unparseable: [...swept.flatMap((s) => s.unparseable), ...read.flatMap((r) => r.unparseable)],
    resolved,
    warnings: [...recovered.notes, ...discoveries.flatMap((d) => d.warnings), ...bucketsFound.warnings],
    failures,
  };
  if (!opts.notifier || opts.policy.mode === 'report') return buildReport(results);
  const told = await publishNews(opts.notifier, buildReport(results), opts);
  const { sent, error } = told.notification;
  const delivered = {
    ...results,
    locks: afterDelivery(results.locks, {
      sent,
      why: `the notification failed (${error ?? 'not published'})`,
    }),
  };
  // Only a delivered message is remembered: an alert nobody received is due again next run.
  const remembered = sent ? await rememberAlerts(opts.state, buildReport(delivered), opts.now.getTime()) : [];
  return buildReport({
    ...delivered,
    failures: [...failures, ...told.failures, ...remembered],
    notification: told.notification,
  });
}

/** One region's tables: each described and read as soon as it is listed, `pools` bounding how many at once. */
async function sweepRegion(
  opts: SweepOptions,
  region: string,
  pools: RegionPools,
  budget: DeletionBudget,
  lockfiles: LockfileIndex,
  recovering: Promise<unknown>,
  context: LockContext & { readonly unread: UnreadPlaces },
): Promise<{ discovery: Discovery; swept: TableSweep[] }> {
  const store = opts.lockStores(region);
  const failures: TableReport[] = [];
  const reads: Promise<TableSweep | undefined>[] = [];
  const listFailure = await tableNames(
    store,
    opts.policy,
    (name) => {
      reads.push(
        pools.run(`dynamodb ${region}`, async () => {
          if (outOfTime(opts)) return notReached(region, name);
          const table = await describeLockTable(store, name);
          if (!table) return undefined;
          if (!('arn' in table)) {
            failures.push(table);
            return undefined;
          }
          await recovering;
          const sweep = outOfTime(opts)
            ? notReached(region, name)
            : await sweepTable(opts, table, budget, lockfiles, context);
          if (sweep === undefined) context.unread.table(region, name, 'opted out');
          else if (!sweep.complete) context.unread.table(region, name, sweep.table.error ?? 'read in part');
          return sweep;
        }),
      );
    },
    opts.logger,
  );
  const swept = (await Promise.all(reads)).filter((s): s is TableSweep => s !== undefined);
  if (listFailure) failures.push(listFailure);
  for (const f of failures) context.unread.table(region, f.name, f.error ?? 'failed');
  return { discovery: { tables: [], failures, warnings: [] }, swept };
}

/**
 * The failures with each unread evidence source once (every page of every table may meet the same failure), and
 * none for a table that failed itself (its digests fail with it: one problem, counted once).
 */
function onceEach(failures: readonly RunFailure[], failed: readonly TableReport[]): RunFailure[] {
  const seen = new Set(failed.map((t) => JSON.stringify([t.region, t.name])));
  return failures.filter((f) => {
    if (f.kind !== 'evidence') return true;
    if (seen.has(JSON.stringify([f.region, f.table]))) return false;
    const key = JSON.stringify([f.region, f.table, f.message]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** A place read this run, by the name the janitor's memory uses (a table, or `s3://<bucket>`). */
type Place = TableRef & { readonly complete: boolean };

function bucketNotReached(region: string, name: string): BucketSweep {
  return { bucket: emptyBucket(region, name, NOT_REACHED), complete: false, halves: [], unparseable: [] };
}

function notReached(region: string, name: string): TableSweep {
  const table = emptyTable(region, name, NOT_REACHED);
  return { table, complete: false, locks: [], unparseable: [], seen: [], failures: [] };
}

/** Forgets the locks of fully read places that this run did not see; those that had been alerted are resolved. */
async function forgetGone(
  opts: SweepOptions,
  places: readonly Place[],
  seen: readonly LockKey[],
  failures: RunFailure[],
): Promise<ResolvedReport[]> {
  const scanned = places.filter((p) => p.complete).map(({ region, table }) => ({ region, table }));
  try {
    return await opts.state.forgetGone(scanned, seen, opts.now.getTime());
  } catch (e) {
    failures.push({
      kind: 'forget',
      message: `could not forget the locks that are gone: ${describeError(e)}`,
    });
    return [];
  }
}

/**
 * Remembers the end of each place's complete read, so a lock first seen later is known to be younger than it.
 * `atMs` is the run's clock after every place's read ended: later than any moment a place was read.
 */
async function noteComplete(
  opts: SweepOptions,
  places: readonly Place[],
  atMs: number,
  failures: RunFailure[],
): Promise<void> {
  const complete = places.filter((p) => p.complete).map(({ region, table }) => ({ region, table }));
  if (complete.length === 0) return;
  try {
    await opts.state.noteCompleteSweeps(complete, atMs);
  } catch (e) {
    failures.push({
      kind: 'sweep-memory',
      message: `could not remember which places were read in full: ${describeError(e)}`,
    });
  }
}

/**
 * The table and bucket reports, each failed one marked `notify` when its failure is new or due again
 * (`realertAfter`); remembers the failed places and forgets recovered ones (read in full, or a region listed
 * again: `*`).
 */
async function placesWithNews(
  opts: SweepOptions,
  tables: readonly TableReport[],
  buckets: readonly BucketReport[],
  places: readonly Place[],
  failures: RunFailure[],
): Promise<[TableReport[], BucketReport[]]> {
  const nowMs = opts.now.getTime();
  const named = [
    ...tables.map((t) => ({ report: t, table: t.name })),
    ...buckets.map((b) => ({ report: b, table: bucketPlace(b.name) })),
  ];
  const failed = named.filter((p) => p.report.error !== undefined);
  const listed = opts.regions.filter(
    (region) => !failed.some((f) => f.report.region === region && f.table === '*'),
  );
  const recovered: TableRef[] = [
    ...places.filter((p) => p.complete).map(({ region, table }) => ({ region, table })),
    ...listed.map((region) => ({ region, table: '*' })),
  ];
  let lastAlerted: (number | undefined)[] = [];
  try {
    const refs = failed.map((f) => ({ region: f.report.region, table: f.table }));
    lastAlerted = await opts.state.noteTableFailures(refs, recovered, nowMs);
  } catch (e) {
    failures.push({
      kind: 'table-memory',
      message: `could not remember the failing tables: ${describeError(e)}`,
    });
  }
  const withNews = <R extends TableReport | BucketReport>(report: R): R => {
    const i = failed.findIndex((f) => f.report === report);
    return i < 0 ? report : { ...report, notify: isAlertDue(lastAlerted[i], nowMs, opts.policy) };
  };
  return [tables.map(withNews), buckets.map(withNews)];
}
