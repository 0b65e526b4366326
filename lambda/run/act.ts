// Run: carries out the plan for one lock.
import type { Judgement, Sighting } from '../core/judge';
import type { LockItem } from '../core/lock-item';
import type { Outcome } from '../core/report';
import { describeError, type LockTable } from './discovery';
import type { SweepOptions } from './options';
import type { RunState } from './sweep-table';

/** What the run did with one stale lock, and whether people should hear of it this run. */
export type Action = { outcome: Outcome; reason: string; notify: boolean };

/** The one place that decides whether to act: mode ceiling, the deletion cap, then the guarded delete. */
export async function act(
  opts: SweepOptions,
  table: LockTable,
  item: LockItem,
  judgement: Judgement,
  sighting: Sighting,
  run: RunState,
): Promise<Action> {
  const { policy } = opts;
  const { decision, reason } = judgement;
  if (decision === 'keep') return { outcome: 'kept', reason, notify: false };
  if (policy.mode === 'report')
    return { outcome: 'skipped', reason: `${reason}; mode "report": logged only`, notify: false };
  const alertDue =
    sighting.lastAlertedMs === undefined ||
    opts.now.getTime() - sighting.lastAlertedMs >= policy.realertAfter.seconds * 1000;
  if (decision === 'alert') return { outcome: 'alerted', reason, notify: alertDue };
  if (policy.mode === 'alert')
    return { outcome: 'alerted', reason: `${reason}; mode "alert": not deleted`, notify: alertDue };
  if (run.deletions >= policy.maxDeletionsPerRun) {
    return {
      outcome: 'skipped',
      reason: `${reason}; maxDeletionsPerRun (${policy.maxDeletionsPerRun}) reached`,
      notify: alertDue,
    };
  }
  run.deletions++; // reserved before the await, so tables swept in parallel cannot overshoot the cap
  return deleteLock(opts, table, item, judgement, run);
}

async function deleteLock(
  opts: SweepOptions,
  table: LockTable,
  item: LockItem,
  judgement: Judgement,
  run: RunState,
): Promise<Action> {
  const store = opts.lockStores(table.region);
  let reason = judgement.reason;
  try {
    const result = await store.deleteIfUnchanged(table.name, item.lockId, item.rawInfo);
    if (result === 'deleted-on-retry') reason += `; ${LOST_RESPONSE}`;
    if (result === 'changed') {
      run.deletions--;
      return {
        outcome: 'changed',
        reason: `${judgement.reason}; the lock changed (released or re-taken) before the delete, so it was kept`,
        notify: true,
      };
    }
  } catch (e) {
    run.deletions--;
    return {
      outcome: 'failed',
      reason: `${judgement.reason}; delete failed: ${describeError(e)}`,
      notify: true,
    };
  }
  try {
    await opts.state.audit({
      action: 'deleted',
      region: table.region,
      table: table.name,
      lockId: item.lockId,
      id: item.info.ID,
      info: item.rawInfo,
      rule: judgement.rule,
      reason,
      runId: opts.runId,
      at: opts.now.toISOString(),
    });
  } catch (e) {
    run.failures.push(
      `the audit record of the deletion of ${table.name} ${item.lockId} (ID ${item.info.ID}, Info ${item.rawInfo}) could not be written: ${describeError(e)}`,
    );
  }
  return { outcome: 'deleted', reason, notify: true };
}

/** Why a delete whose condition failed only on a retry is taken as this run's own deletion. */
export const LOST_RESPONSE =
  "the first delete attempt's response was lost and the retry found the lock gone: taken as this run's deletion";
