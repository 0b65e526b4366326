// Run: releases one lock safely on request (ID must match, guarded delete, audit, notify).

import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { lockAge } from '../core/judge';
import { classifyItem } from '../core/lock-item';
import type { Policy } from '../core/policy';
import type { LockStore, Notifier, StateStore, TableDescription } from '../core/ports';
import { lockReportOf } from '../core/records';
import { type ReleaseOutcome, type ReleaseVia, releaseAnswer } from '../core/release';
import type { LockReport } from '../core/report';
import { deleteAndAudit, GONE } from './act';
import { isLockTableSchema, isOptedOut, isSelected } from './discovery';
import { announceRelease } from './notify';
import type { JanitorLogger } from './options';

/** Which lock to release: the lock's `ID` must match, as with `terraform force-unlock`. */
export type ReleaseTarget = {
  readonly region: string;
  readonly table: string;
  readonly lockId: string;
  readonly id: string;
};

export type { ReleaseOutcome } from '../core/release';

export type ReleaseResult = {
  readonly outcome: ReleaseOutcome;
  readonly message: string;
  readonly lock?: LockReport;
  /** Problems after the lock was released (audit record, notification): the release itself stands. */
  readonly failures: RunFailure[];
};

export type ReleaseDeps = {
  readonly store: LockStore;
  /** The janitor's policy and regions: a release stays inside them, as a sweep does. */
  readonly policy: Policy;
  readonly regions: readonly string[];
  readonly state?: StateStore;
  readonly notifier?: Notifier;
  readonly now: Date;
  readonly runId: string;
  /** Who asked, as the shell can tell it (`OS user "alice"`, or a caller's claim marked as such). */
  readonly requestedBy?: string;
  /** How the request came (announced with the result). @default 'cli' */
  readonly via?: ReleaseVia;
  readonly logger?: JanitorLogger;
};

/**
 * Releases one lock safely: a consistent read, the lock ID must equal `target.id`, then the same guarded delete
 * and audit record a sweep uses. Nothing is deleted on any mismatch. The result, released or not and why, is
 * announced as a release (never as a deletion by a rule), in the chat thread of the lock's table.
 */
export async function release(target: ReleaseTarget, deps: ReleaseDeps): Promise<ReleaseResult> {
  const result = await releaseLock(target, deps);
  if (!deps.notifier) return result;
  const told = await announceRelease(
    deps.notifier,
    {
      answer: releaseAnswer(target, result, deps.runId),
      requestedBy: deps.requestedBy ?? 'an unnamed caller',
      via: deps.via ?? 'cli',
      at: deps.now.toISOString(),
      lock: result.lock,
    },
    deps.logger,
  );
  return told.length ? { ...result, failures: [...result.failures, ...told] } : result;
}

async function releaseLock(target: ReleaseTarget, deps: ReleaseDeps): Promise<ReleaseResult> {
  const place = { region: target.region, table: target.table };
  const where = `${target.table} (${target.region}) ${target.lockId}`;
  const refusal = await placeRefusal(target, deps);
  if (refusal) return refusal;
  const raw = await deps.store.getItem(target.table, target.lockId);
  if (!raw) return refuse('not-found', `no lock item ${where}: it may already be released; nothing deleted`);
  const item = classifyItem(raw);
  if (item.kind !== 'lock') {
    const what =
      item.kind === 'digest' ? 'a state digest item, not a lock' : `not a parseable lock (${item.problem})`;
    return refuse('not-a-lock', `${where} is ${what}; nothing deleted`);
  }
  if (item.info.ID !== target.id) {
    return refuse(
      'id-mismatch',
      `lock ID "${target.id}" does not match the held lock ("${item.info.ID}") of ${where}; nothing deleted. Check the ID with "tf-lock-janitor list".`,
    );
  }
  const reason = `released on request by ${deps.requestedBy ?? 'an unnamed caller'}; lock ID matched`;
  const done = await deleteAndAudit({ ...deps, place, item, action: 'released', rule: 'release', reason });
  if (done.outcome === 'changed')
    return refuse(
      'changed',
      `the lock ${where} changed between the read and the delete (released or re-taken); nothing deleted`,
    );
  if (done.outcome === 'failed') return refuse('failed', `${where} was not released: ${done.reason}`);
  if (done.outcome === 'gone')
    return { outcome: 'gone', message: `${where} is gone: ${GONE}`, failures: done.failures };

  const nowMs = deps.now.getTime();
  const lock = lockReportOf(place, item, {
    ageSeconds: lockAge(item, nowMs, nowMs).seconds,
    rule: 'release',
    decision: 'delete',
    outcome: 'deleted',
    reason: done.reason,
    sightings: 0,
    notify: true,
  });
  return {
    outcome: 'released',
    message: `released ${where} (ID ${target.id})`,
    lock,
    failures: done.failures,
  };
}

/** Why the policy keeps a release out of this place, or undefined when the place is the janitor's to touch. */
async function placeRefusal(target: ReleaseTarget, deps: ReleaseDeps): Promise<ReleaseResult | undefined> {
  const { policy, regions } = deps;
  const { region, table } = target;
  if (!regions.includes(region))
    return refuse(
      'not-allowed',
      `region ${region} is outside the janitor's regions (${regions.join(', ')}); nothing deleted`,
    );
  if (!isSelected(table, policy.tables))
    return refuse(
      'not-allowed',
      `table ${table} is outside the policy's tables (include/exclude globs); nothing deleted`,
    );
  let description: TableDescription;
  try {
    description = await deps.store.describeTable(table);
  } catch (e) {
    if ((e as Error).name === 'ResourceNotFoundException')
      return refuse('no-lock-table', `there is no table ${table} in ${region}; check --table and --region`);
    throw e;
  }
  if (!isLockTableSchema(description))
    return refuse(
      'no-lock-table',
      `${table} is not a Terraform lock table (its key must be exactly LockID, type S); nothing deleted`,
    );
  const tag = policy.tables.optOutTag;
  if (tag === false) return undefined;
  try {
    if (isOptedOut(await deps.store.listTags(description.arn), tag))
      return refuse('not-allowed', `table ${table} carries the opt-out tag "${tag}"; nothing deleted`);
  } catch (e) {
    return refuse(
      'not-allowed',
      `the tags of ${table} could not be read, so its opt-out tag could not be checked (fail closed): ${describeError(e)}; nothing deleted`,
    );
  }
  return undefined;
}

function refuse(outcome: ReleaseOutcome, message: string): ReleaseResult {
  return { outcome, message, failures: [] };
}
