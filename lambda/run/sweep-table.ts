// Run: reads one lock table page by page and carries out each lock's plan.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import type { LockHalf } from '../core/lock-half';
import { classifyItem, type LockItem } from '../core/lock-item';
import { plural } from '../core/message/format';
import type { LockKey } from '../core/ports';
import type { LockReport, TableReport, UnparseableReport } from '../core/report';
import { mapBounded } from './bounded';
import type { DeletionBudget } from './budget';
import { Stopped, within } from './deadline';
import { type Admission, admission, type LockTable } from './discovery';
import { holdersOf, withDigests } from './evidence';
import { handleLock, type LockContext } from './handle-lock';
import type { LockfileIndex } from './lockfile-index';
import type { SweepOptions } from './options';

/** What one table's sweep found and did. `complete` is false when the table was not read to its end. */
export type TableSweep = {
  readonly table: TableReport;
  readonly complete: boolean;
  readonly locks: LockReport[];
  readonly unparseable: UnparseableReport[];
  /** Every lock instance seen, for forgetting the ones that are gone. */
  readonly seen: LockKey[];
  readonly failures: RunFailure[];
};

/** Locks of one page handled at once: their state-table writes and deletes overlap. */
const LOCKS_AT_ONCE = 8;

/** @see SweepOptions.placeBudgetMs */
export const PLACE_BUDGET_MS = 120_000;

/** Milliseconds one place may be read: its budget, or less when the run has less time left. */
export function placeTime(opts: SweepOptions): number {
  return Math.min(opts.placeBudgetMs ?? PLACE_BUDGET_MS, opts.remainingMs?.() ?? Number.POSITIVE_INFINITY);
}

/** True when the caller's time budget is spent or the run was told to stop. */
export function outOfTime(opts: SweepOptions): boolean {
  return opts.signal?.aborted === true || (opts.remainingMs !== undefined && opts.remainingMs() <= 0);
}

/**
 * Reads one table page by page and handles each lock (with its lockfile half, when `lockfiles` holds one);
 * a failure ends this table only. The opt-out tag is read while the first page is: nothing on a page is
 * counted, logged or acted on before the table is admitted. Undefined: the table opted out.
 */
export async function sweepTable(
  opts: SweepOptions,
  table: LockTable,
  budget: DeletionBudget,
  lockfiles?: LockfileIndex,
  context?: LockContext,
): Promise<TableSweep | undefined> {
  const gate = new AdmissionGate(admission(opts.lockStores(table.region), table, opts.policy, opts.logger));
  const counts = { region: table.region, name: table.name, items: 0, locks: 0, digests: 0, unparseable: 0 };
  const found: Omit<TableSweep, 'table' | 'complete'> = {
    locks: [],
    unparseable: [],
    seen: [],
    failures: [],
  };
  const end = (complete: boolean, error?: string): TableSweep => ({
    ...found,
    table: error === undefined ? counts : { ...counts, error },
    complete,
  });
  try {
    const deadline = { untilMs: Date.now() + placeTime(opts), signal: opts.signal };
    for await (const page of within(opts.lockStores(table.region).scan(table.name), deadline)) {
      const refused = await gate.refusal();
      if (refused) return refused.sweep;
      const locks: LockItem[] = [];
      counts.items += page.skippedDigests;
      counts.digests += page.skippedDigests;
      for (const raw of page.items) {
        counts.items++;
        const item = classifyItem(raw);
        if (item.kind === 'digest') counts.digests++;
        else if (item.kind === 'lock') locks.push(item);
        else {
          counts.unparseable++;
          const entry = {
            region: table.region,
            table: table.name,
            lockId: item.lockId,
            problem: item.problem,
          };
          found.unparseable.push(entry);
          opts.logger?.warn(entry, 'unparseable item');
        }
      }
      counts.locks += locks.length;
      const paired = await Promise.all(
        locks.map(async (item): Promise<LockHalf[]> => {
          const half: LockHalf = { store: 'dynamodb', region: table.region, table: table.name, item };
          // The lockfile holding the same lock (LockID and ID) is its other half: a double lock, judged as one.
          // It waits while the bucket that would hold it is still being read, within this table's time.
          const other = await lockfiles?.take(item.lockId, item.info.ID, deadline);
          return other ? [half, other] : [half];
        }),
      );
      // The page's evidence at once: one host check (per region one batched DescribeInstances for the new
      // hosts) while the page's state digests are read in one BatchGetItem per 100 locks.
      const [holders, withState] = await Promise.all([
        holdersOf(opts, paired, found.failures),
        withDigests(opts, paired, found.failures),
      ]);
      // The report keeps the scan order; the budget is reserved synchronously, so the cap holds across locks.
      const judged = withState.map((halves, i) => ({ halves, holder: holders[i] }));
      const handled = await mapBounded(judged, LOCKS_AT_ONCE, ({ halves, holder }) =>
        handleLock(opts, halves, budget, holder, context),
      );
      for (const h of handled) {
        found.locks.push(...h.locks);
        found.seen.push(...h.keys);
        found.failures.push(...h.failures);
      }
      if (outOfTime(opts) || Date.now() >= deadline.untilMs)
        return end(
          false,
          `stopped before the time limit after ${plural(counts.items, 'item')}; the rest of the table was not read this run`,
        );
    }
    const refused = await gate.refusal();
    return refused ? refused.sweep : end(true);
  } catch (e) {
    // A table that is not admitted is not swept, whatever became of its read.
    const refused = await gate.refusal();
    if (refused) return refused.sweep;
    if (e instanceof Stopped)
      return end(
        false,
        `stopped after ${plural(counts.items, 'item')}: ${e.message}; the rest of the table was not read this run`,
      );
    const error = `failed after ${plural(counts.items, 'item')}: ${describeError(e)}`;
    opts.logger?.error({ region: table.region, table: table.name, error }, 'table failed');
    return end(false, error);
  }
}

/** What the sweep of a table that was not admitted returns. */
type Refusal = { readonly sweep: TableSweep | undefined };

/**
 * A table's opt-out check, started beside its first Scan page and awaited before anything the read brings
 * (a page, its failure, its end) counts. An opted-out table is left out of the report; one whose tags could not
 * be read is a failed table.
 */
class AdmissionGate {
  private admitted = false;

  constructor(private readonly check: Promise<Admission>) {}

  /** Undefined once the table is admitted; otherwise what its sweep returns. */
  async refusal(): Promise<Refusal | undefined> {
    if (this.admitted) return undefined;
    const a = await this.check;
    if (a.admitted) {
      this.admitted = true;
      return undefined;
    }
    if (!a.failure) return { sweep: undefined };
    return {
      sweep: { table: a.failure, complete: false, locks: [], unparseable: [], seen: [], failures: [] },
    };
  }
}
