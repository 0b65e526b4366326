// Run: releases one lock safely on request (ID must match, guarded delete, audit, notify).
import { classifyItem } from '../core/lock-item';
import type { LockStore, Notifier, StateStore } from '../core/ports';
import { countRun, type LockReport, type RunReport } from '../core/report';
import { LOST_RESPONSE } from './act';
import { describeError } from './discovery';

/** Which lock to release: the lock's `ID` must match, as with `terraform force-unlock`. */
export type ReleaseRequest = {
  readonly region: string;
  readonly table: string;
  readonly lockId: string;
  readonly id: string;
};

export type ReleaseOutcome = 'released' | 'not-found' | 'id-mismatch' | 'changed' | 'not-a-lock';

export type ReleaseResult = {
  readonly outcome: ReleaseOutcome;
  readonly message: string;
  readonly lock?: LockReport;
  /** Problems after the lock was released (audit record, notification): the release itself stands. */
  readonly failures: string[];
};

export type ReleaseDeps = {
  readonly store: LockStore;
  readonly state?: StateStore;
  readonly notifier?: Notifier;
  readonly now: Date;
  readonly runId: string;
  /** Who asked, for the audit record (an IAM principal, a user name). */
  readonly requestedBy?: string;
};

/**
 * Releases one lock safely: a consistent read, the lock ID must equal `req.id`, then a delete conditional on
 * the exact `Info` just read, an audit record, and a notification. Nothing is deleted on any mismatch.
 */
export async function release(req: ReleaseRequest, deps: ReleaseDeps): Promise<ReleaseResult> {
  const where = `${req.table} (${req.region}) ${req.lockId}`;
  const raw = await deps.store.getItem(req.table, req.lockId);
  if (!raw) return refuse('not-found', `no lock item ${where}: it may already be released; nothing deleted`);
  const item = classifyItem(raw);
  if (item.kind !== 'lock') {
    const what =
      item.kind === 'digest' ? 'a state digest item, not a lock' : `not a parseable lock (${item.problem})`;
    return refuse('not-a-lock', `${where} is ${what}; nothing deleted`);
  }
  if (item.info.ID !== req.id) {
    return refuse(
      'id-mismatch',
      `lock ID "${req.id}" does not match the held lock ("${item.info.ID}") of ${where}; nothing deleted. Check the ID with "tf-lock-janitor list".`,
    );
  }
  const deleted = await deps.store.deleteIfUnchanged(req.table, req.lockId, item.rawInfo);
  if (deleted === 'changed') {
    return refuse(
      'changed',
      `the lock ${where} changed between the read and the delete (released or re-taken); nothing deleted`,
    );
  }

  const nowMs = deps.now.getTime();
  const reason =
    `released on request${deps.requestedBy ? ` by ${deps.requestedBy}` : ''}; lock ID matched` +
    (deleted === 'deleted-on-retry' ? `; ${LOST_RESPONSE}` : '');
  const lock: LockReport = {
    region: req.region,
    table: req.table,
    lockId: req.lockId,
    id: item.info.ID,
    operation: item.info.Operation,
    who: item.info.Who,
    version: item.info.Version,
    created: item.info.Created,
    ageSeconds: item.createdMs === undefined ? 0 : Math.max(0, Math.floor((nowMs - item.createdMs) / 1000)),
    rule: 'release',
    decision: 'delete',
    outcome: 'deleted',
    reason,
    sightings: 0,
    notify: true,
  };
  const failures: string[] = [];
  try {
    await deps.state?.audit({
      action: 'released',
      region: req.region,
      table: req.table,
      lockId: req.lockId,
      id: req.id,
      info: item.rawInfo,
      rule: 'release',
      reason,
      runId: deps.runId,
      at: deps.now.toISOString(),
    });
  } catch (e) {
    failures.push(`the audit record could not be written (Info was ${item.rawInfo}): ${describeError(e)}`);
  }
  try {
    await deps.notifier?.notify(releaseReport(deps, lock));
  } catch (e) {
    failures.push(`notification failed: ${describeError(e)}`);
  }
  return { outcome: 'released', message: `released ${where} (ID ${req.id})`, lock, failures };
}

function refuse(outcome: ReleaseOutcome, message: string): ReleaseResult {
  return { outcome, message, failures: [] };
}

/** A one-lock run report, so a release is told the same way a sweep is. */
function releaseReport(deps: ReleaseDeps, lock: LockReport): RunReport {
  const at = deps.now.toISOString();
  return {
    runId: deps.runId,
    startedAt: at,
    finishedAt: at,
    mode: 'delete',
    regions: [lock.region],
    tables: [],
    locks: [lock],
    unparseable: [],
    resolved: [],
    warnings: [],
    failures: [],
    counts: countRun([], [lock]),
  };
}
