// Run: reads one lock table page by page and handles each lock.
import { judge, type Sighting } from '../core/judge';
import { classifyItem, type LockItem } from '../core/lock-item';
import type { LockKey } from '../core/ports';
import type { LockReport, TableReport, UnparseableReport } from '../core/report';
import { act } from './act';
import { mapBounded } from './bounded';
import type { LockTable } from './discovery';
import { describeError } from './discovery';
import type { SweepOptions } from './options';

/** State shared by every table of one run: the deletion cap is counted across tables. */
export type RunState = {
  deletions: number;
  readonly locks: LockReport[];
  readonly unparseable: UnparseableReport[];
  readonly seen: LockKey[];
  readonly failures: string[];
};

/** Locks of one page handled at once: their state-table writes and deletes overlap. */
const LOCKS_AT_ONCE = 8;

/** True when the caller's time budget is spent. */
export function outOfTime(opts: SweepOptions): boolean {
  return opts.remainingMs !== undefined && opts.remainingMs() <= 0;
}

/** Reads one table page by page and acts on each lock; a failure ends this table only. */
export async function sweepTable(
  opts: SweepOptions,
  table: LockTable,
  run: RunState,
): Promise<TableReport & { complete: boolean }> {
  const report = { region: table.region, name: table.name, items: 0, locks: 0, digests: 0, unparseable: 0 };
  const store = opts.lockStores(table.region);
  try {
    for await (const page of store.scan(table.name)) {
      const locks: LockItem[] = [];
      for (const raw of page) {
        report.items++;
        const item = classifyItem(raw);
        if (item.kind === 'digest') report.digests++;
        else if (item.kind === 'unparseable') {
          report.unparseable++;
          run.unparseable.push({
            region: table.region,
            table: table.name,
            lockId: item.lockId,
            problem: item.problem,
          });
          opts.logger?.warn(
            { region: table.region, table: table.name, lockId: item.lockId, problem: item.problem },
            'unparseable item',
          );
        } else locks.push(item);
      }
      // A page's locks are judged and acted on a few at a time (state-table writes, deletes); the report keeps
      // the scan order. The deletion cap is reserved synchronously in act(), so it holds across them.
      report.locks += locks.length;
      run.locks.push(
        ...(await mapBounded(locks, LOCKS_AT_ONCE, (item) => handleLock(opts, table, item, run))),
      );
      if (outOfTime(opts)) {
        const error = `stopped before the time limit after ${report.items} items; the rest of the table was not read this run`;
        return { ...report, error, complete: false };
      }
    }
    return { ...report, complete: true };
  } catch (e) {
    const error = `failed after ${report.items} items: ${describeError(e)}`;
    opts.logger?.error({ region: table.region, table: table.name, error }, 'table failed');
    return { ...report, error, complete: false };
  }
}

async function handleLock(
  opts: SweepOptions,
  table: LockTable,
  item: LockItem,
  run: RunState,
): Promise<LockReport> {
  const nowMs = opts.now.getTime();
  const key: LockKey = { region: table.region, table: table.name, lockId: item.lockId, id: item.info.ID };
  run.seen.push(key);
  let sighting: Sighting;
  try {
    sighting = await opts.state.observe(key, item.rawInfo, nowMs);
  } catch (e) {
    // Without a memory of earlier runs the lock cannot meet minSightings, so it is never deleted.
    sighting = { count: 0, firstSeenMs: nowMs };
    run.failures.push(`could not record the sighting of ${table.name} ${item.lockId}: ${describeError(e)}`);
  }
  const judgement = judge(opts.policy, { table: table.name, item }, nowMs, sighting);
  const { outcome, reason, notify } = await act(opts, table, item, judgement, sighting, run);
  const lock: LockReport = {
    region: table.region,
    table: table.name,
    lockId: item.lockId,
    id: item.info.ID,
    operation: item.info.Operation,
    who: item.info.Who,
    version: item.info.Version,
    created: item.info.Created,
    ageSeconds: judgement.ageSeconds,
    rule: judgement.rule,
    decision: judgement.decision,
    outcome,
    reason,
    sightings: sighting.count,
    notify,
  };
  opts.logger?.info(lock, 'lock judged');
  return lock;
}
