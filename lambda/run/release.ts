// Run: releases one lock safely on request — its lock item, its lockfile, or both (ID must match, guarded delete, audit, notify).
import { carryingSignal } from '../adapters/call-signal';
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { lockAge } from '../core/judge';
import { describeHalf, type LockHalf, lockOf, takenMs } from '../core/lock-half';
import type { LockfileStore } from '../core/lockfile-port';
import { type Place, placeKind, rulesOf, scopeRefusal } from '../core/place';
import type { Policy } from '../core/policy';
import type { LockStore, Notifier, StateStore } from '../core/ports';
import { lockKeyOf, lockReportOf } from '../core/records';
import { type ReleaseAnswer, type ReleaseOutcome, type ReleaseVia, releaseAnswer } from '../core/release';
import { type ReleaseTarget, whereOf } from '../core/release-request';
import type { LockReport } from '../core/report';
import { type DeleteDone, deleteAndAudit, GONE } from './act';
import { announceRelease } from './notify';
import type { JanitorLogger } from './options';
import { admitPlace } from './read-place';
import { type Sources, sourcesOf } from './sources';

export type { ReleaseOutcome } from '../core/release';
export type { ReleaseTarget } from '../core/release-request';
export { whereOf } from '../core/release-request';

export type ReleaseResult = {
  readonly outcome: ReleaseOutcome;
  readonly message: string;
  readonly lock?: LockReport;
  /** Problems after the lock was released (audit record, notification): the release itself stands. */
  readonly failures: RunFailure[];
};

export type ReleaseDeps = {
  /** The lock tables of the target's region. */
  readonly store: LockStore;
  /** The state buckets of the target's region (for a lockfile). */
  readonly lockfiles?: LockfileStore;
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
  /**
   * Release only a lock this janitor announced as stale with exactly the Info each half holds now (its state
   * remembers the alert): every release through the janitor's Lambda (the chat button, the e-mailed invoke, an
   * organization's central release). The CLI, acting with the caller's own credentials, does not need it.
   */
  readonly onlyAnnounced?: boolean;
  readonly logger?: JanitorLogger;
  /** Aborted when the AWS calls in flight must be abandoned (see `SweepOptions.callSignal`). */
  readonly callSignal?: AbortSignal;
};

/**
 * Releases one lock safely, held in a lock table, a lockfile, or both (a double lock): for each place named, the
 * policy must allow it, a fresh read must hold a lock whose `ID` equals `target.id`, then the same guarded delete
 * and audit record a sweep uses (lockfile first), and a notification. Nothing is deleted on any mismatch.
 */
export function release(target: ReleaseTarget, deps: ReleaseDeps): Promise<ReleaseResult> {
  return carryingSignal(deps.callSignal, () => releaseAndTell(target, deps));
}

/** The small answer a caller reads (`aws lambda invoke`'s output, the announcement): built here only. */
export function answerTo(
  target: ReleaseTarget,
  result: Omit<ReleaseResult, 'lock'>,
  runId: string,
): ReleaseAnswer {
  return releaseAnswer(whereOf(target), result, runId);
}

async function releaseAndTell(target: ReleaseTarget, deps: ReleaseDeps): Promise<ReleaseResult> {
  const result = await releaseLock(target, deps);
  if (!deps.notifier) return result;
  const told = await announceRelease(
    deps.notifier,
    {
      answer: answerTo(target, result, deps.runId),
      requestedBy: deps.requestedBy ?? 'an unnamed caller',
      via: deps.via ?? 'cli',
      at: deps.now.toISOString(),
      lock: result.lock,
    },
    deps.logger,
  );
  return told.length ? { ...result, failures: [...result.failures, ...told] } : result;
}

/** The places a release names, the lockfile first (Terraform takes it first): where each half is, and its ref. */
function requestedHalves(target: ReleaseTarget): { readonly place: Place; readonly ref: string }[] {
  const { region } = target;
  return [
    ...(target.bucket !== undefined && target.key !== undefined
      ? [{ place: { store: 's3' as const, region, name: target.bucket }, ref: target.key }]
      : []),
    ...(target.table !== undefined && target.lockId !== undefined
      ? [{ place: { store: 'dynamodb' as const, region, name: target.table }, ref: target.lockId }]
      : []),
  ];
}

async function releaseLock(target: ReleaseTarget, deps: ReleaseDeps): Promise<ReleaseResult> {
  const sources = sourcesOf({
    ...deps,
    lockStores: () => deps.store,
    lockfileStores: deps.lockfiles && (() => deps.lockfiles as LockfileStore),
  });
  const found: LockHalf[] = [];
  const missing: ReleaseResult[] = [];
  for (const { place, ref } of requestedHalves(target)) {
    const half = await freshHalf(sources, place, ref, target.id, deps);
    // A half already gone (its holder or a client released it) does not keep the other half of a double lock held.
    if (!('outcome' in half)) found.push(half);
    else if (half.outcome === 'not-found') missing.push(half);
    else return half;
  }
  if (found.length === 0)
    return (
      missing[0] ??
      refuse('no-lock-table', 'name the lock: a table and its LockID, a bucket and its .tflock key, or both')
    );
  const unannounced = await announcementRefusal(found, deps);
  if (unannounced) return unannounced;
  const gone = missing.length ? '; its other half was already gone' : '';
  const reason = `released on request by ${deps.requestedBy ?? 'an unnamed caller'}; lock ID matched${gone}`;
  const done: DeleteDone[] = [];
  for (const half of found)
    done.push(
      await deleteAndAudit({
        ...deps,
        source: sources.holding(half),
        half,
        action: 'released',
        rule: 'release',
        reason,
      }),
    );
  return answer(target, deps, found, done);
}

/** The release's answer from what each half's delete did; only a full release is announced as one. */
async function answer(
  target: ReleaseTarget,
  deps: ReleaseDeps,
  halves: readonly LockHalf[],
  done: readonly DeleteDone[],
): Promise<ReleaseResult> {
  const where = halves.map(describeHalf).join(' and ');
  const failures = done.flatMap((d) => d.failures);
  const outcomes = done.map((d) => d.outcome);
  if (outcomes.every((o) => o === 'changed'))
    return refuse(
      'changed',
      `the lock ${where} changed between the read and the delete (released or re-taken); nothing deleted`,
    );
  if (outcomes.every((o) => o === 'gone'))
    return { outcome: 'gone', message: `${where} is gone: ${GONE}`, failures };
  if (outcomes.some((o) => o !== 'deleted')) {
    const each = halves
      .map((h, i) => `${describeHalf(h)}: ${done[i].outcome} (${done[i].reason})`)
      .join('; ');
    // "Everywhere" only when some half did go: a lock none of whose halves went is simply not released.
    const part = outcomes.some((o) => o === 'deleted' || o === 'gone') ? ' everywhere' : '';
    return { outcome: 'failed', message: `the lock was not released${part}: ${each}`, failures };
  }
  const nowMs = deps.now.getTime();
  const locks = halves.map((half) =>
    lockReportOf(
      half,
      {
        ageSeconds: lockAge({ createdMs: takenMs(half) }, nowMs, nowMs).seconds,
        rule: 'release',
        decision: 'delete',
        outcome: 'deleted',
        reason: done[0].reason,
        sightings: 0,
        notify: true,
      },
      halves.length > 1,
    ),
  );
  return { outcome: 'released', message: `released ${where} (ID ${target.id})`, lock: locks[0], failures };
}

/**
 * One half of the lock, read fresh, or the refusal: a ref that names no lock, a store the janitor has no access
 * to, a place outside the policy (region, globs, opt-out tag or tags that cannot be read: fail closed), a place
 * that does not hold Terraform locks, nothing there, not a lock, another ID. One admission check with a sweep's.
 */
async function freshHalf(
  sources: Sources,
  place: Place,
  ref: string,
  id: string,
  deps: ReleaseDeps,
): Promise<LockHalf | ReleaseResult> {
  const kind = placeKind(place.store);
  const source = sources.of(place.store);
  const refProblem = source?.refProblem(ref);
  if (refProblem) return refuse('no-lock-table', `${refProblem}; nothing deleted`);
  if (!source)
    return refuse(
      'no-lock-table',
      `this janitor reads no ${kind.rules} (the policy names none); nothing deleted`,
    );
  const scope = scopeRefusal(place, deps.policy, deps.regions);
  if (scope) return refuse('not-allowed', `${scope}; nothing deleted`);
  const verdict = await admitPlace(deps, source, place);
  if (!('admitted' in verdict)) {
    if (verdict.kind === 'elsewhere') {
      const check = await source.check(place);
      if (check.kind === 'other')
        return refuse('no-lock-table', `${place.name} is ${check.what}; nothing deleted`);
      return refuse(
        'no-lock-table',
        `there is no ${kind.noun} ${place.name} in ${place.region}; check --${kind.noun} and --region`,
      );
    }
    if (verdict.kind === 'opted-out')
      return refuse(
        'not-allowed',
        `${kind.noun} ${place.name} carries the opt-out tag "${String(rulesOf(deps.policy, place.store).optOutTag)}"; nothing deleted`,
      );
    const check = await source.check(place);
    if (check.kind === 'failed') throw check.error;
    return refuse('not-allowed', `${kind.noun} ${place.name} ${verdict.report.error}; nothing deleted`);
  }
  const where = kind.where(place, ref);
  const fresh = await source.readHalf(place, ref);
  if (fresh.kind === 'missing')
    return refuse('not-found', `no ${kind.half} ${where}: it may already be released; nothing deleted`);
  if (fresh.kind === 'not-a-lock') return refuse('not-a-lock', `${where} is ${fresh.what}; nothing deleted`);
  if (lockOf(fresh.half).info.ID !== id) return mismatch(id, where);
  return fresh.half;
}

/**
 * Why a release through the Lambda may not touch these halves: one of them was never announced as stale with the
 * Info it holds now, or the janitor's memory could not say (fail closed). Undefined: every half was announced.
 */
async function announcementRefusal(
  halves: readonly LockHalf[],
  deps: ReleaseDeps,
): Promise<ReleaseResult | undefined> {
  if (!deps.onlyAnnounced) return undefined;
  const how =
    'a release through the janitor acts only on a lock it announced as stale, as announced; release it with `tf-lock-janitor release` and your own credentials, or `terraform force-unlock`';
  for (const half of halves) {
    let announced: boolean;
    try {
      announced = deps.state ? await deps.state.announced(lockKeyOf(half), lockOf(half).rawInfo) : false;
    } catch (e) {
      return refuse(
        'not-announced',
        `the janitor's memory of its alerts could not be read (${describeError(e)}); ${how}; nothing deleted`,
      );
    }
    if (!announced)
      return refuse(
        'not-announced',
        `${describeHalf(half)} is not a lock this janitor announced as stale (or it changed since): ${how}; nothing deleted`,
      );
  }
  return undefined;
}

/**
 * The refusal for a wrong ID. It never names the held lock's ID (or anything of its Info): anyone allowed to ask
 * for a release would otherwise learn the ID in one call and release with the next.
 */
function mismatch(wanted: string, where: string): ReleaseResult {
  return refuse(
    'id-mismatch',
    `lock ID "${wanted}" is not the ID of the lock held at ${where}; nothing deleted. Take the ID from Terraform's error ("Lock Info: ID: ...") or from "tf-lock-janitor list".`,
  );
}

function refuse(outcome: ReleaseOutcome, message: string): ReleaseResult {
  return { outcome, message, failures: [] };
}
