// Core: judges one lock against the policy (rule, age, decision, reason).
import { formatAge } from './duration';
import {
  describeStateWrite,
  type Evidence,
  type Holder,
  lastSignOfLife,
  type SignOfLife,
  type StateWrite,
} from './evidence';
import type { Glob } from './glob';
import type { LockItem } from './lock-item';
import { plural } from './message/format';
import type { Policy, Rule } from './policy';
import type { Decision } from './report';

/** What the janitor remembers of one lock instance (table + LockID + lock ID) across runs. */
export type Sighting = {
  /** Runs that have seen this exact `Info`, this one included. */
  readonly count: number;
  /** When the janitor first saw it (epoch ms, the janitor's clock). */
  readonly firstSeenMs: number;
  /** When it was last part of an alert, if ever. */
  readonly lastAlertedMs?: number;
  /**
   * When a sighting last saw the state's digest differ from the one the sighting before had seen: the state
   * was written while this lock was held, at or before this time (epoch ms, the janitor's clock).
   */
  readonly lastWriteMs?: number;
  /**
   * When the lock was first seen: the end of its place's last complete sweep that did not contain it (epoch ms,
   * the janitor's clock). The lock was taken after it, whatever its `Created` says.
   */
  readonly absentMs?: number;
};

/** The lock as judged: where it lives and what it holds. */
export type JudgedLock = { readonly table: string; readonly item: LockItem };

export type Judgement = {
  readonly rule: string;
  readonly decision: Decision;
  readonly reason: string;
  /** The lock's age: from its trusted `Created`, else from the first sighting. */
  readonly ageSeconds: number;
  /** Seconds since the last sign of life: what the rule's durations were compared with. */
  readonly idleSeconds: number;
  /** When the holder was last known alive: the age's start, or a later state write counted as evidence. */
  readonly lastSignOfLife: SignOfLife;
};

/** The first rule whose every given match field matches (globs within a field are ORed). */
export function findRule(policy: Policy, lock: JudgedLock): Rule {
  const { info, lockId } = lock.item;
  const rule = policy.rules.find(
    ({ match }) =>
      anyMatch(match.table, lock.table) &&
      anyMatch(match.lockId, lockId) &&
      anyMatch(match.operation, info.Operation) &&
      anyMatch(match.who, info.Who),
  );
  // The schema requires a final catch-all, so a rule always matches.
  return rule ?? policy.rules[policy.rules.length - 1];
}

/**
 * Judges one lock: keep, alert or delete, and why. Pure: `nowMs`, the sighting and the evidence are inputs.
 * A lock is only ever `delete` when the janitor has seen the same lock on at least `minSightings` runs and
 * either its rule has `deleteAfter` and it is idle past it, or the rule has `deleteWhenHolderGone`, its
 * holder's host is `gone` (never `unknown`) and it is idle past that. Idle time counts from the last sign of
 * life: the age's start (`Created`, or the first sighting when `Created` is missing or in the future), or a
 * later state write when `evidence.stateWrites` is on. A `running` host never shortens anything.
 */
export function judge(
  policy: Policy,
  lock: JudgedLock,
  nowMs: number,
  sighting: Sighting,
  evidence: Evidence = {},
): Judgement {
  const rule = findRule(policy, lock);
  const age = lockAge(lock.item, nowMs, sighting.firstSeenMs, sighting.absentMs);
  const idle = idleTime(policy, age, evidence.stateWrite, nowMs);
  const holder = policy.evidence.ec2Hosts ? evidence.holder : undefined;
  const { decision, why } = decide(rule, idle, holder, sighting.count, policy.minSightings);
  return {
    rule: rule.name,
    decision,
    ageSeconds: age.seconds,
    idleSeconds: idle.seconds,
    lastSignOfLife: idle.sign,
    reason: `rule "${rule.name}": ${why}`,
  };
}

/** The rule's decision for a lock idle this long, with this holder, seen on `runs` of the `needed` runs. */
function decide(
  rule: Rule,
  idle: IdleTime,
  holder: Holder | undefined,
  runs: number,
  needed: number,
): { readonly decision: Decision; readonly why: string } {
  const seenEnough = runs >= needed;
  const seen = seenEnough
    ? `seen on ${plural(runs, 'run')}`
    : `but seen on ${runs} of the ${plural(needed, 'run')} needed before a delete`;
  const { alertAfter, deleteAfter, deleteWhenHolderGone: whenGone } = rule;
  let host = holder ? `; ${holder.reason}` : '';
  if (deleteAfter && idle.seconds >= deleteAfter.seconds)
    return {
      decision: seenEnough ? 'delete' : 'alert',
      why: `${idle.text} >= deleteAfter ${deleteAfter.text}, ${seen}${host}`,
    };
  if (holder?.outcome === 'gone' && whenGone && idle.seconds >= whenGone.seconds) {
    const gone = `${idle.text} >= deleteWhenHolderGone ${whenGone.text}, ${seen}`;
    if (seenEnough) return { decision: 'delete', why: `${holder.reason}, and ${gone}` };
    host = `; ${holder.reason}: ${gone}`;
  }
  const alertAt = alertAfter ?? deleteAfter;
  const which = alertAfter ? 'alertAfter' : 'deleteAfter';
  if (alertAt && idle.seconds >= alertAt.seconds)
    return { decision: 'alert', why: `${idle.text} >= ${which} ${alertAt.text}${host}` };
  const below = alertAt ? `${idle.text} < ${which} ${alertAt.text}` : 'the rule never alerts';
  return { decision: 'keep', why: `${below}${host}` };
}

type IdleTime = { readonly seconds: number; readonly text: string; readonly sign: SignOfLife };

/**
 * Idle time: seconds since the last sign of life, with the words that say it: `age 3h` (no later write), or
 * `last state write 10m ago (digest moved), lock age 3h`.
 */
function idleTime(policy: Policy, age: LockAge, write: StateWrite | undefined, nowMs: number): IdleTime {
  const sign = lastSignOfLife(age.startMs, policy.evidence.stateWrites ? write : undefined) ?? {
    atMs: age.startMs,
    from: 'created',
  };
  if (sign.from === 'created') return { seconds: age.seconds, text: `age ${age.text}`, sign };
  const seconds = Math.max(0, Math.floor((nowMs - sign.atMs) / 1000));
  return { seconds, text: `${describeStateWrite(sign, nowMs)}, lock age ${age.text}`, sign };
}

/** A lock's age: when it counts from (epoch ms), its seconds, and the words that say how it was counted. */
export type LockAge = { readonly startMs: number; readonly seconds: number; readonly text: string };

/**
 * A lock's age and how it was counted: from `Created`, or from the first sighting when `Created` cannot be
 * trusted; never from before `absentMs`, the end of the last complete sweep of its place that did not contain
 * it (a `-lock-timeout` wait or a clock behind makes `Created` earlier than the lock).
 */
export function lockAge(
  item: Pick<LockItem, 'createdMs' | 'createdProblem'>,
  nowMs: number,
  firstSeenMs: number,
  absentMs?: number,
): LockAge {
  const { createdMs } = item;
  const trusted = createdMs !== undefined && createdMs <= nowMs;
  const fromCreated = trusted ? createdMs : firstSeenMs;
  const bounded = absentMs !== undefined && absentMs > fromCreated;
  const startMs = bounded ? absentMs : fromCreated;
  const seconds = Math.max(0, Math.floor((nowMs - startMs) / 1000));
  const why =
    item.createdProblem ?? (createdMs === undefined ? 'Created unreadable' : 'Created is in the future');
  const how = bounded
    ? ' since the last complete sweep of its place that did not see it'
    : trusted
      ? ''
      : ` since first seen (${why})`;
  return { startMs, seconds, text: `${formatAge(seconds)}${how}` };
}

function anyMatch(globs: readonly Glob[] | undefined, value: string): boolean {
  return globs === undefined || globs.some((g) => g.test(value));
}
