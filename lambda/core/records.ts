// Core: builds the lock report and the audit record of a lock, the same way for a sweep and a release.
import type { LockItem } from './lock-item';
import type { AuditRecord, LockKey } from './ports';
import type { Decision, LockReport, Outcome } from './report';

/** Where a lock lives. */
export type LockPlace = { readonly region: string; readonly table: string };

/** The lock instance's identity in the janitor's memory. */
export function lockKeyOf(place: LockPlace, item: LockItem): LockKey {
  return { region: place.region, table: place.table, lockId: item.lockId, id: item.info.ID };
}

/** What the run decided and did, to go with the lock's own fields in its report. */
export type LockVerdict = {
  readonly ageSeconds: number;
  readonly rule: string;
  readonly decision: Decision;
  readonly outcome: Outcome;
  readonly reason: string;
  readonly sightings: number;
  readonly notify: boolean;
};

/** One lock's line in the run report. */
export function lockReportOf(place: LockPlace, item: LockItem, verdict: LockVerdict): LockReport {
  const { info } = item;
  return {
    region: place.region,
    table: place.table,
    lockId: item.lockId,
    id: info.ID,
    operation: info.Operation,
    who: info.Who,
    version: info.Version,
    created: info.Created,
    ...verdict,
  };
}

/** The audit record of a deletion (by a rule) or a release (on request): the lock's full `Info`, and why. */
export function auditRecordOf(
  place: LockPlace,
  item: LockItem,
  how: { action: AuditRecord['action']; rule: string; reason: string; runId: string; at: Date },
): AuditRecord {
  return {
    ...lockKeyOf(place, item),
    action: how.action,
    info: item.rawInfo,
    rule: how.rule,
    reason: how.reason,
    runId: how.runId,
    at: how.at.toISOString(),
  };
}
