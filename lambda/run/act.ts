// Run: carries out a delete plan for one lock: the guarded delete, then its audit record.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import type { LockItem } from '../core/lock-item';
import type { AuditRecord, LockStore, StateStore } from '../core/ports';
import { auditRecordOf, type LockPlace } from '../core/records';
import type { Outcome } from '../core/report';
import type { JanitorLogger } from './options';

/** Why a delete whose condition failed only on a retry is taken as this run's own deletion. */
export const LOST_RESPONSE =
  "the first delete attempt's response was lost and the retry found the lock gone: taken as this run's deletion";

/** What a guarded delete needs: the place and the lock exactly as judged, and what to record. */
export type DeleteOrder = {
  readonly store: LockStore;
  readonly state?: StateStore;
  readonly place: LockPlace;
  readonly item: LockItem;
  readonly action: AuditRecord['action'];
  readonly rule: string;
  readonly reason: string;
  readonly runId: string;
  readonly now: Date;
  readonly logger?: JanitorLogger;
};

/** What the delete did; `failures` holds what went wrong after it (the audit write), with the full `Info`. */
export type DeleteDone = {
  readonly outcome: Extract<Outcome, 'deleted' | 'changed' | 'failed'>;
  readonly reason: string;
  readonly failures: RunFailure[];
};

/**
 * Deletes the lock only if it still holds exactly the judged `Info`, then writes the audit record. A changed
 * lock is kept (outcome `changed`); a failed call is outcome `failed`; neither throws.
 */
export async function deleteAndAudit(order: DeleteOrder): Promise<DeleteDone> {
  const { store, place, item } = order;
  let reason = order.reason;
  try {
    const result = await store.deleteIfUnchanged(place.table, item.lockId, item.rawInfo);
    if (result === 'changed') {
      const why = `${reason}; the lock changed (released or re-taken) before the delete, so it was kept`;
      return { outcome: 'changed', reason: why, failures: [] };
    }
    if (result === 'deleted-on-retry') reason += `; ${LOST_RESPONSE}`;
  } catch (e) {
    return { outcome: 'failed', reason: `${reason}; delete failed: ${describeError(e)}`, failures: [] };
  }
  const failures = await audit(order, reason);
  return { outcome: 'deleted', reason, failures };
}

async function audit(order: DeleteOrder, reason: string): Promise<RunFailure[]> {
  const { place, item, action } = order;
  const record = auditRecordOf(place, item, { ...order, reason, at: order.now });
  try {
    await order.state?.audit(record);
    return [];
  } catch (e) {
    const failure: RunFailure = {
      kind: 'audit',
      region: place.region,
      table: place.table,
      lock: { lockId: item.lockId, id: item.info.ID, info: item.rawInfo },
      message: `the audit record of the ${action === 'deleted' ? 'deletion' : 'release'} of ${place.table} ${item.lockId} (ID ${item.info.ID}) could not be written: ${describeError(e)}`,
    };
    // The record must not live only in a clipped e-mail: the log line keeps the full Info.
    order.logger?.error({ ...failure, record }, 'audit record not written');
    return [failure];
  }
}
