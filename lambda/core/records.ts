// Core: builds the lock report and the audit record of a lock half, the same way for a sweep and a release.
import type { Evidence } from './evidence';
import type { Judgement } from './judge';
import { halfKind, type LockHalf, lockOf, placeOf } from './lock-half';
import type { AuditRecord, LockKey } from './ports';
import type { Decision, LockReport, Outcome } from './report';

/** The lock instance's identity in the janitor's memory: region, place (table or `s3://bucket`), LockID, ID. */
export function lockKeyOf(half: LockHalf): LockKey {
  const { lockId, info } = lockOf(half);
  const { region, table } = placeOf(half);
  // A plain literal: every key shares one object shape (a spread gives each its own, ~200 bytes a lock).
  return { region, table, lockId, id: info.ID };
}

/** What the run decided and did, to go with the lock's own fields in its report. */
export type LockVerdict = EvidenceFields & {
  readonly ageSeconds: number;
  readonly rule: string;
  readonly decision: Decision;
  readonly outcome: Outcome;
  readonly reason: string;
  readonly sightings: number;
  readonly notify: boolean;
};

/** The evidence a lock was judged with, as its report line says it. */
export type EvidenceFields = Pick<LockReport, 'idleSeconds' | 'lastSignOfLife' | 'stateWrite' | 'holder'>;

/** The report fields of the evidence: idle time, last sign of life, the state write and the holder, if any. */
export function evidenceFields(
  judgement: Pick<Judgement, 'idleSeconds' | 'lastSignOfLife'>,
  evidence: Evidence,
): EvidenceFields {
  const { stateWrite: write, holder } = evidence;
  return {
    idleSeconds: judgement.idleSeconds,
    lastSignOfLife: new Date(judgement.lastSignOfLife.atMs).toISOString(),
    ...(write ? { stateWrite: { at: new Date(write.atMs).toISOString(), source: write.source } } : {}),
    ...(holder
      ? {
          holder: {
            outcome: holder.outcome,
            ...(holder.instanceId === undefined ? {} : { instanceId: holder.instanceId }),
            ...(holder.state === undefined ? {} : { state: holder.state }),
          },
        }
      : {}),
  };
}

/** One half's line in the run report (a double lock has two, each `double: true`). */
export function lockReportOf(half: LockHalf, verdict: LockVerdict, double = false): LockReport {
  const { lockId, info } = lockOf(half);
  return {
    store: half.store,
    ...placeOf(half),
    ...halfKind(half).reportFields(half),
    ...(double ? { double: true } : {}),
    lockId,
    id: info.ID,
    operation: info.Operation,
    who: info.Who,
    version: info.Version,
    created: info.Created,
    ...verdict,
  };
}

/**
 * The audit record of a deletion (by a rule) or a release (on request): the lock's full `Info` (a lockfile's
 * body), where it was (with a lockfile's bucket, key and the ETag its delete was conditional on), and why.
 */
export function auditRecordOf(
  half: LockHalf,
  how: { action: AuditRecord['action']; rule: string; reason: string; runId: string; at: Date },
): AuditRecord {
  return {
    ...lockKeyOf(half),
    ...halfKind(half).auditFields(half),
    action: how.action,
    info: lockOf(half).rawInfo,
    rule: how.rule,
    reason: how.reason,
    runId: how.runId,
    at: how.at.toISOString(),
  };
}
