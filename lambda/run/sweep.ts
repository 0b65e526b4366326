// Run: one janitor run over every region's tables and the policy's buckets, ending in one report built from what it found and did.
import { carryingSignal } from '../adapters/call-signal';
import { mapBounded } from '../core/bounded';
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import type { LockHalf } from '../core/lock-half';
import type { LockSource, PlaceReport } from '../core/lock-source';
import { memoryName, type Place, placeKind, type StoreKind } from '../core/place';
import { isAlertDue } from '../core/plan';
import type { LockKey, TableRef } from '../core/ports';
import {
  afterDelivery,
  type BucketReport,
  buildReport,
  type LockReport,
  type ResolvedReport,
  type RunReport,
  type RunResults,
  type TableReport,
  type UnparseableReport,
} from '../core/report';
import { PlaceAbsence } from './absence';
import { DeletionBudget } from './budget';
import { holdersOf, withEvidence } from './evidence';
import { handleLock, type LockContext } from './handle-lock';
import { resolveIntents } from './intents';
import { KeptLines } from './kept-lines';
import { LockfileIndex } from './lockfile-index';
import { publishNews, rememberAlerts } from './notify';
import type { SweepOptions } from './options';
import { outOfTime, type PageSink, readPlace } from './read-place';
import { DEFAULT_CONCURRENCY, RegionPools } from './region-pools';
import { sourcesOf } from './sources';
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
  const sources = sourcesOf(opts);
  const parked = new LockfileIndex();
  const unread = new UnreadPlaces(sources, parked);
  const context: LockContext & { readonly unread: UnreadPlaces } = {
    sources,
    absence: new PlaceAbsence(opts),
    unread,
  };
  const pools = new RegionPools(opts.concurrency ?? opts.policy.concurrency ?? DEFAULT_CONCURRENCY);
  // Intents left by an earlier run are resolved before this run reads any page; discovery goes on meanwhile.
  const recovering = resolveIntents(opts, sources);
  // Whether a message goes out once every lock is decided: until then, a news lock's lines are not final.
  const delivers = opts.notifier !== undefined && opts.policy.mode !== 'report';
  const lines = new KeptLines(opts.lines ?? 'all', delivers);
  const reads: Promise<PlaceDone>[] = [];
  let found = 0;
  const discovered = await Promise.all(
    sources.all.map(async (source, s) => {
      const parks = source.pairing === 'parks';
      const discovering = source.discover((place) => {
        // A lock item of the place's locks waits for its read (the pairing index waits on it).
        if (parks) parked.reads(place.name);
        const order = [s, opts.regions.indexOf(place.region), found++];
        reads.push(
          pools
            .run(`${source.store} ${place.region}`, () =>
              readOne(opts, source, place, { budget, parked, lines, recovering }, context),
            )
            .then((done) => ({ ...done, order })),
        );
      });
      // The places not read are known before a lock item may wait on one (the index waits on discovery).
      if (parks) parked.discovering(discovering);
      const d = await discovering;
      for (const { place, why } of d.skipped) unread.add(place, why);
      for (const f of d.failures)
        unread.add({ store: source.store, region: f.region, name: f.name }, f.error ?? 'failed');
      return { source, d };
    }),
  );
  const [recovered, done] = await Promise.all([recovering, Promise.all(reads)]);
  done.sort((a, b) => compareOrder(a.order, b.order));
  const swept = done.filter((r): r is PlaceDone & { read: SweptPlace } => r.read !== undefined);
  // Halves no other half took are single locks (a fleet on use_lockfile alone).
  const rest = parked.rest().map((half) => [half]);
  const unreadEvidence: RunFailure[] = [];
  const [holders, withState] = await Promise.all([
    holdersOf(opts, rest, unreadEvidence),
    withEvidence(sources, rest, unreadEvidence),
  ]);
  const judged = withState.map((halves, i) => ({ halves, holder: holders[i] }));
  const singles = await mapBounded(judged, 8, ({ halves, holder }) =>
    handleLock(opts, halves, budget, holder, context),
  );

  const failures = onceEach(
    [
      ...recovered.failures,
      ...swept.flatMap((s) => s.read.failures),
      ...singles.flatMap((h) => h.failures),
      ...context.absence!.failures,
      ...unreadEvidence,
    ],
    swept.filter((s) => s.read.report.error !== undefined).map((s) => s.read.report),
  );
  const places: ReadPlace[] = swept.map(({ read }) => ({
    region: read.report.region,
    table: memoryName({ store: read.store, name: read.report.name }),
    complete: read.complete,
  }));
  const seen = [
    ...swept.flatMap((s) => s.read.seen),
    ...(opts.state.singleRun ? [] : singles.flatMap((h) => h.keys)),
  ];
  const resolved = await forgetGone(opts, places, seen, failures);
  await noteComplete(opts, places, opts.now.getTime() + Date.now() - startMs, failures);
  const reports = [
    ...discovered.flatMap(({ source, d }) => d.failures.map((report) => ({ store: source.store, report }))),
    ...swept.map(({ read }) => ({ store: read.store, report: read.report })),
  ];
  const withNews = await placesWithNews(opts, reports, places, failures);
  const listed = (list: 'tables' | 'buckets') =>
    withNews.filter((r) => placeKind(r.store).list === list).map((r) => r.report);
  const tables = listed('tables') as TableReport[];
  const buckets = listed('buckets') as BucketReport[];

  // The singles' lines are handed over last, as the report lists them; then the lines kept apart (`news`).
  const singleLines = await lines.keep(singles.map((h) => h.locks));
  const { whole, ...held } = lines.held();
  const results: RunResults = {
    runId: opts.runId,
    startedAt,
    // On the run's clock, which a demo or a test may have set apart from the wall clock.
    finishedAt: new Date(opts.now.getTime() + Date.now() - startMs).toISOString(),
    mode: opts.policy.mode,
    regions: [...opts.regions],
    tables,
    buckets,
    locks: [...swept.flatMap((s) => s.read.locks), ...singleLines, ...whole],
    ...held,
    unparseable: swept.flatMap((s) => s.read.unparseable),
    resolved,
    warnings: [...recovered.notes, ...discovered.flatMap(({ d }) => d.warnings)],
    failures,
  };
  if (!delivers || !opts.notifier) return buildReport(results);
  const told = await publishNews(opts.notifier, buildReport(results), opts);
  const { sent, error } = told.notification;
  lines.delivered(sent);
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

/** What one place's read found and did. */
type SweptPlace = {
  readonly store: StoreKind;
  readonly report: PlaceReport;
  readonly complete: boolean;
  readonly locks: LockReport[];
  readonly unparseable: UnparseableReport[];
  /** Every lock instance seen, for forgetting the ones that are gone. */
  readonly seen: LockKey[];
  readonly failures: RunFailure[];
};

/** A place's read (undefined when it was left alone: opted out, absent, not a lock place), in report order. */
type PlaceDone = { readonly read?: SweptPlace; readonly order?: readonly number[] };

function compareOrder(a: readonly number[] = [], b: readonly number[] = []): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) - (b[i] ?? 0);
  return 0;
}

/** Locks of one page handled at once: their state-table writes and deletes overlap. */
const LOCKS_AT_ONCE = 8;

/**
 * Reads one place through its source: a taking store's locks are each paired with their other half (waiting,
 * within the place's time, while the place that would hold it is still read), given their evidence and handled
 * page by page; a parking store's halves are left in the pairing index for the takers, whatever became of the read.
 */
async function readOne(
  opts: SweepOptions,
  source: LockSource,
  place: Place,
  run: {
    readonly budget: DeletionBudget;
    readonly parked: LockfileIndex;
    readonly lines: KeptLines;
    readonly recovering: Promise<unknown>;
  },
  context: LockContext & { readonly unread: UnreadPlaces },
): Promise<PlaceDone> {
  const { budget, parked, lines, recovering } = run;
  const found: Pick<SweptPlace, 'locks' | 'seen' | 'failures'> = { locks: [], seen: [], failures: [] };
  const left: LockHalf[] = [];
  const sink: PageSink =
    source.pairing === 'parks'
      ? async (halves) => {
          left.push(...halves);
        }
      : async (halves, deadline) => {
          // The half parked for the same lock (LockID and ID) is its other half: a double lock, judged as one.
          const paired = await parked.pair(halves, deadline);
          // The page's evidence at once: one host check (per region one batched DescribeInstances for the new
          // hosts) while the evidence its stores offer (state digests) is read in one call per 100 locks.
          const [holders, withState] = await Promise.all([
            holdersOf(opts, paired, found.failures),
            withEvidence(context.sources, paired, found.failures),
          ]);
          // The report keeps the read order; the budget is reserved synchronously, so the cap holds across locks.
          const judged = withState.map((each, i) => ({ halves: each, holder: holders[i] }));
          const handled = await mapBounded(judged, LOCKS_AT_ONCE, ({ halves: each, holder }) =>
            handleLock(opts, each, budget, holder, context),
          );
          found.locks.push(...(await lines.keep(handled.map((h) => h.locks))));
          for (const h of handled) {
            // A memory dropped after this run forgets nothing later: no keys are kept for it.
            if (!opts.state.singleRun) found.seen.push(...h.keys);
            found.failures.push(...h.failures);
          }
        };
  try {
    const outcome = outOfTime(opts)
      ? { kind: 'read' as const, report: source.report(place, NOT_REACHED), complete: false, unparseable: [] }
      : await readPlace(opts, source, place, sink, recovering);
    if (outcome.kind === 'elsewhere') return {};
    if (outcome.kind === 'opted-out') {
      context.unread.add(place, outcome.why);
      return {};
    }
    if (!outcome.complete) context.unread.add(place, outcome.report.error ?? 'read in part');
    return { read: { store: place.store, ...outcome, ...found } };
  } finally {
    if (source.pairing === 'parks') parked.read(place.name, left);
  }
}

/**
 * The failures with each unread evidence source once (every page of every table may meet the same failure), and
 * none for a table that failed itself (its digests fail with it: one problem, counted once).
 */
function onceEach(
  failures: readonly RunFailure[],
  failed: readonly { readonly region: string; readonly name: string }[],
): RunFailure[] {
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
type ReadPlace = TableRef & { readonly complete: boolean };

/** Forgets the locks of fully read places that this run did not see; those that had been alerted are resolved. */
async function forgetGone(
  opts: SweepOptions,
  places: readonly ReadPlace[],
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
  places: readonly ReadPlace[],
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
  reports: readonly { readonly store: StoreKind; readonly report: PlaceReport }[],
  places: readonly ReadPlace[],
  failures: RunFailure[],
): Promise<{ readonly store: StoreKind; readonly report: PlaceReport }[]> {
  const nowMs = opts.now.getTime();
  const failed = reports
    .filter((r) => r.report.error !== undefined)
    .map((r) => ({ report: r.report, table: memoryName({ store: r.store, name: r.report.name }) }));
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
  return reports.map((r) => {
    const i = failed.findIndex((f) => f.report === r.report);
    return i < 0
      ? r
      : { ...r, report: { ...r.report, notify: isAlertDue(lastAlerted[i], nowMs, opts.policy) } };
  });
}
