// Run: one janitor run over every region and table, ending in one report built from what it found and did.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { isAlertDue } from '../core/plan';
import type { TableRef } from '../core/ports';
import {
  buildReport,
  emptyTable,
  type ResolvedReport,
  type RunReport,
  type TableReport,
} from '../core/report';
import { mapBounded } from './bounded';
import { DeletionBudget } from './budget';
import { type Discovery, discoverTables } from './discovery';
import { resolveIntents } from './intents';
import { publishNews, rememberAlerts } from './notify';
import type { SweepOptions } from './options';
import { outOfTime, sweepTable, type TableSweep } from './sweep-table';

export type { SweepOptions } from './options';

const NOT_REACHED = 'not reached: the time limit came first; it will be read next run';

/**
 * One janitor run: discover the lock tables of every region, read them (several at once, streaming), judge and
 * plan every lock, carry the plans out within the deletion budget, remember, tell people, and return the
 * report. Never throws for a table's, a region's or the notifier's failure: each is reported and the run goes on.
 */
export async function sweep(opts: SweepOptions): Promise<RunReport> {
  const startedAt = opts.now.toISOString();
  const startMs = Date.now();
  const discoveries: Discovery[] = await Promise.all(
    opts.regions.map((region) => discoverTables(opts.lockStores(region), opts.policy, opts.logger)),
  );
  const recovered = await resolveIntents(opts);
  const budget = new DeletionBudget(opts.policy.maxDeletionsPerRun);
  const swept = await mapBounded(
    discoveries.flatMap((d) => d.tables),
    opts.concurrency ?? 4,
    (table) => (outOfTime(opts) ? notReached(table.region, table.name) : sweepTable(opts, table, budget)),
  );
  const failures = [...recovered.failures, ...swept.flatMap((s) => s.failures)];
  const resolved = await forgetGone(opts, swept, failures);
  const tables = await tablesWithNews(
    opts,
    [...discoveries.flatMap((d) => d.failures), ...swept.map((s) => s.table)],
    swept,
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
    locks: swept.flatMap((s) => s.locks),
    unparseable: swept.flatMap((s) => s.unparseable),
    resolved,
    warnings: [...recovered.notes, ...discoveries.flatMap((d) => d.warnings)],
    failures,
  };
  if (!opts.notifier || opts.policy.mode === 'report') return buildReport(results);
  const told = await publishNews(opts.notifier, buildReport(results), opts);
  const remembered = told.notification.sent
    ? await rememberAlerts(opts.state, buildReport(results), opts.now.getTime())
    : [];
  return buildReport({
    ...results,
    failures: [...failures, ...told.failures, ...remembered],
    notification: told.notification,
  });
}

function notReached(region: string, name: string): Promise<TableSweep> {
  const table = emptyTable(region, name, NOT_REACHED);
  return Promise.resolve({ table, complete: false, locks: [], unparseable: [], seen: [], failures: [] });
}

/** Forgets the locks of fully read tables that this run did not see; those that had been alerted are resolved. */
async function forgetGone(
  opts: SweepOptions,
  swept: readonly TableSweep[],
  failures: RunFailure[],
): Promise<ResolvedReport[]> {
  const scanned = swept
    .filter((s) => s.complete)
    .map((s) => ({ region: s.table.region, table: s.table.name }));
  try {
    return await opts.state.forgetGone(
      scanned,
      swept.flatMap((s) => s.seen),
      opts.now.getTime(),
    );
  } catch (e) {
    failures.push({
      kind: 'forget',
      message: `could not forget the locks that are gone: ${describeError(e)}`,
    });
    return [];
  }
}

/**
 * The table reports, each failed one marked `notify` when its failure is new or due again (`realertAfter`);
 * remembers the failed tables and forgets recovered ones (read in full, or a region listed again: `*`).
 */
async function tablesWithNews(
  opts: SweepOptions,
  tables: readonly TableReport[],
  swept: readonly TableSweep[],
  failures: RunFailure[],
): Promise<TableReport[]> {
  const nowMs = opts.now.getTime();
  const failed = tables.filter((t) => t.error !== undefined);
  const listed = opts.regions.filter((region) => !failed.some((t) => t.region === region && t.name === '*'));
  const recovered: TableRef[] = [
    ...swept.filter((s) => s.complete).map((s) => ({ region: s.table.region, table: s.table.name })),
    ...listed.map((region) => ({ region, table: '*' })),
  ];
  let lastAlerted: (number | undefined)[] = [];
  try {
    const refs = failed.map((t) => ({ region: t.region, table: t.name }));
    lastAlerted = await opts.state.noteTableFailures(refs, recovered, nowMs);
  } catch (e) {
    failures.push({
      kind: 'table-memory',
      message: `could not remember the failing tables: ${describeError(e)}`,
    });
  }
  return tables.map((t) => {
    const i = failed.indexOf(t);
    return i < 0 ? t : { ...t, notify: isAlertDue(lastAlerted[i], nowMs, opts.policy) };
  });
}
