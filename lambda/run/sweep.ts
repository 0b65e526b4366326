// Run: one janitor run over every region and table, ending in one report.
import type { LockKey, TableRef } from '../core/ports';
import { countRun, type ResolvedReport, type RunReport, type TableReport } from '../core/report';
import { mapBounded } from './bounded';
import { type Discovery, describeError, discoverTables, emptyTable } from './discovery';
import type { SweepOptions } from './options';
import { outOfTime, type RunState, sweepTable } from './sweep-table';

export type { SweepOptions } from './options';

/**
 * One janitor run: discover the lock tables of every region, read them (several at once, streaming), judge
 * every lock, act within the mode and the caps, remember, tell people, and return the run report.
 * Never throws for a table's, a region's or the notifier's failure: each is reported and the run goes on.
 */
export async function sweep(opts: SweepOptions): Promise<RunReport> {
  const startedAt = opts.now.toISOString();
  const startMs = Date.now();
  const discoveries: Discovery[] = await Promise.all(
    opts.regions.map((region) => discoverTables(opts.lockStores(region), opts.policy, opts.logger)),
  );
  const run: RunState = { deletions: 0, locks: [], unparseable: [], seen: [], failures: [] };
  const candidates = discoveries.flatMap((d) => d.tables);
  const swept = await mapBounded(candidates, opts.concurrency ?? 4, async (table) =>
    outOfTime(opts)
      ? {
          ...emptyTable(
            table.region,
            table.name,
            'not reached: the time limit came first; it will be read next run',
          ),
          complete: false,
        }
      : sweepTable(opts, table, run),
  );

  const nowMs = opts.now.getTime();
  let resolved: ResolvedReport[] = [];
  const scanned = swept.filter((t) => t.complete).map((t) => ({ region: t.region, table: t.name }));
  try {
    resolved = await opts.state.forgetGone(scanned, run.seen, nowMs);
  } catch (e) {
    run.failures.push(`could not forget the locks that are gone: ${describeError(e)}`);
  }

  const tables: TableReport[] = [
    ...discoveries.flatMap((d) => d.failures),
    ...swept.map(({ complete: _, ...t }) => t),
  ];
  // A region whose tables could be listed has recovered from any listing failure (`*`).
  const listed = opts.regions.filter((region) => !tables.some((t) => t.region === region && t.name === '*'));
  await noteTableFailures(
    opts,
    tables,
    [...scanned, ...listed.map((region) => ({ region, table: '*' }))],
    run.failures,
  );
  const report: RunReport = {
    runId: opts.runId,
    startedAt,
    // On the run's clock, which a demo or a test may have set apart from the wall clock.
    finishedAt: new Date(opts.now.getTime() + Date.now() - startMs).toISOString(),
    mode: opts.policy.mode,
    regions: [...opts.regions],
    tables,
    locks: run.locks,
    unparseable: run.unparseable,
    resolved,
    warnings: discoveries.flatMap((d) => d.warnings),
    failures: run.failures,
    counts: countRun(tables, run.locks, run.failures),
  };
  if (opts.notifier && opts.policy.mode !== 'report') await notify(opts, report);
  return report;
}

/**
 * Remembers the failed tables and marks each one `notify` when its failure is new or due again
 * (`realertAfter`), so a table that keeps failing is not news on every run; forgets recovered tables.
 */
async function noteTableFailures(
  opts: SweepOptions,
  tables: TableReport[],
  recovered: readonly TableRef[],
  failures: string[],
): Promise<void> {
  const nowMs = opts.now.getTime();
  const failed = tables.filter((t) => t.error !== undefined);
  let lastAlerted: (number | undefined)[] = [];
  try {
    lastAlerted = await opts.state.noteTableFailures(
      failed.map((t) => ({ region: t.region, table: t.name })),
      recovered,
      nowMs,
    );
  } catch (e) {
    failures.push(`could not remember the failing tables: ${describeError(e)}`);
  }
  failed.forEach((t, i) => {
    const last = lastAlerted[i];
    t.notify = last === undefined || nowMs - last >= opts.policy.realertAfter.seconds * 1000;
  });
}

/** Publishes the run's news; on success remembers what was alerted, on failure marks the run failed. */
async function notify(opts: SweepOptions, report: RunReport): Promise<void> {
  try {
    const sent = await opts.notifier!.notify(report);
    report.notification = { sent };
    if (!sent) return;
    const alerted: LockKey[] = report.locks.filter((l) => l.notify && l.outcome !== 'deleted');
    await opts.state.markAlerted(
      alerted.map(({ region, table, lockId, id }) => ({ region, table, lockId, id })),
      opts.now.getTime(),
    );
    const failedTables = report.tables.filter((t) => t.error !== undefined && t.notify);
    await opts.state.markTableFailuresAlerted(
      failedTables.map((t) => ({ region: t.region, table: t.name })),
      opts.now.getTime(),
    );
  } catch (e) {
    const error = describeError(e);
    report.notification ??= { sent: false, error };
    report.failures.push(`notification failed: ${error}`);
    report.counts = countRun(report.tables, report.locks, report.failures);
    opts.logger?.error({ error }, 'notification failed');
  }
}
