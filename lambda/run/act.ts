// Run: carries out a delete plan for one lock: the intent record, the guarded delete, then the audit record.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import type { LockHalf } from '../core/lock-half';
import type { LockSource } from '../core/lock-source';
import type { AuditRecord, DeleteResult, LockKey, StateStore } from '../core/ports';
import { auditRecordOf, lockKeyOf } from '../core/records';
import type { Outcome } from '../core/report';
import type { JanitorLogger } from './options';

/** Why a lock that vanished around the delete is not claimed as this run's deletion. */
export const GONE =
  "the lock was gone when the delete was retried (the first attempt's response was lost): deleted by this run or released by its holder meanwhile";

/** What a guarded delete needs: the half exactly as judged, the store that holds it, and what to record. */
export type DeleteOrder = {
  /** The lock store the half was read from. */
  readonly source: LockSource;
  readonly state?: StateStore;
  readonly half: LockHalf;
  readonly action: 'deleted' | 'released';
  readonly rule: string;
  readonly reason: string;
  readonly runId: string;
  readonly now: Date;
  readonly logger?: JanitorLogger;
};

/** What the delete did; `failures` holds what went wrong around it (intent, audit), with the full `Info`. */
export type DeleteDone = {
  readonly outcome: Extract<Outcome, 'deleted' | 'changed' | 'gone' | 'failed'>;
  readonly reason: string;
  readonly failures: RunFailure[];
};

/**
 * Deletes the lock only if it still holds exactly the judged `Info`, never unrecorded: an intent record first
 * (no intent, no delete), then the guarded delete, then the audit record, then the intent is cleared. A delete
 * whose result is unknown (the call failed) keeps its intent for the next run to resolve. Never throws.
 */
export async function deleteAndAudit(order: DeleteOrder): Promise<DeleteDone> {
  const { state, half } = order;
  const intent = auditRecordOf(half, { ...order, at: order.now });
  try {
    await state?.recordIntent(intent);
  } catch (e) {
    const why = `the intent record could not be written, so nothing was deleted: ${describeError(e)}`;
    return { outcome: 'failed', reason: `${order.reason}; ${why}`, failures: [] };
  }
  let result: DeleteResult;
  try {
    result = await remove(order);
  } catch (e) {
    // A memory dropped after this run (the CLI's audit file) is never read again: no later run resolves the intent.
    const after = state?.singleRun
      ? 'the intent record stays, but no later run resolves it: check with `tf-lock-janitor list` whether the lock is gone'
      : 'the intent record stays; the next run checks whether the lock is gone';
    const why = `delete failed: ${describeError(e)} (${after})`;
    return { outcome: 'failed', reason: `${order.reason}; ${why}`, failures: [] };
  }
  if (result === 'changed') {
    const failures = await clear(order);
    const why = 'the lock changed (released or re-taken) before the delete, so it was kept';
    return { outcome: 'changed', reason: `${order.reason}; ${why}`, failures };
  }
  const record: AuditRecord =
    result === 'gone' ? { ...intent, action: 'gone', reason: `${order.reason}; ${GONE}` } : intent;
  const failures = await audit(order, record);
  if (failures.length === 0) failures.push(...(await clear(order)));
  failures.push(...(await forgetDeleted(order)));
  return { outcome: result === 'gone' ? 'gone' : 'deleted', reason: record.reason, failures };
}

/** Writes the audit record; a failure is reported with the full `Info` and logged (the intent stays too). */
export async function audit(
  order: Pick<DeleteOrder, 'state' | 'logger'>,
  record: AuditRecord,
): Promise<RunFailure[]> {
  try {
    await order.state?.audit(record);
    return [];
  } catch (e) {
    const failure: RunFailure = {
      kind: 'audit',
      region: record.region,
      table: record.table,
      lock: { lockId: record.lockId, id: record.id, info: record.info },
      message: `the audit record (${record.action}) of ${record.table} ${record.lockId} (ID ${record.id}) could not be written: ${describeError(e)}`,
    };
    // The record must not live only in a clipped e-mail: the log line keeps the full Info.
    order.logger?.error({ ...failure, record }, 'audit record not written');
    return [failure];
  }
}

/** The janitor's own deletion is never news again as "resolved": its sighting goes with it. */
function forgetDeleted(order: DeleteOrder): Promise<RunFailure[]> {
  return bookkeeping(
    order,
    'forget',
    (state, key) => state.forgetLock(key),
    (key) =>
      `the sighting of ${key.table} ${key.lockId} (ID ${key.id}) could not be forgotten after its delete; a later run may report it as resolved`,
  );
}

/** The intent is done with: its delete was audited, or did not happen. */
function clear(order: DeleteOrder): Promise<RunFailure[]> {
  return bookkeeping(
    order,
    'intent',
    (state, key) => state.clearIntent(key),
    (key) =>
      `the intent record of ${key.table} ${key.lockId} (ID ${key.id}) could not be cleared; the next run resolves it`,
  );
}

/** A state-table write after a delete: its failure is reported (typed, with the lock), never thrown. */
async function bookkeeping(
  order: DeleteOrder,
  kind: RunFailure['kind'],
  write: (state: StateStore, key: LockKey) => Promise<void>,
  what: (key: LockKey) => string,
): Promise<RunFailure[]> {
  const key = lockKeyOf(order.half);
  try {
    if (order.state) await write(order.state, key);
    return [];
  } catch (e) {
    const lock = { lockId: key.lockId, id: key.id };
    return [
      { kind, region: key.region, table: key.table, lock, message: `${what(key)}: ${describeError(e)}` },
    ];
  }
}

/**
 * The guarded delete of one half, each kind under its own condition: a lock item only if `Info` is byte-identical
 * to what was judged; a lockfile only if its ETag is the one read with its body (If-Match).
 */
function remove({ half, source }: DeleteOrder): Promise<DeleteResult> {
  return source.deleteIfUnchanged(half);
}
