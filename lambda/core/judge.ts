// Core: judges one lock against the policy (rule, age, decision, reason).
import { formatAge } from './duration';
import type { Glob } from './glob';
import type { LockItem } from './lock-item';
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
};

/** The lock as judged: where it lives and what it holds. */
export type JudgedLock = { readonly table: string; readonly item: LockItem };

export type Judgement = {
  readonly rule: string;
  readonly decision: Decision;
  readonly reason: string;
  readonly ageSeconds: number;
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
 * Judges one lock: keep, alert or delete, and why. Pure: `nowMs` and the sighting are inputs.
 * A lock is only ever `delete` when its rule has `deleteAfter`, its age is past it and the janitor has seen
 * the same lock on at least `minSightings` runs. The age comes from `Created` unless that is missing or in
 * the future (client clock ahead), when it comes from the janitor's first sighting instead.
 */
export function judge(policy: Policy, lock: JudgedLock, nowMs: number, sighting: Sighting): Judgement {
  const rule = findRule(policy, lock);
  const { seconds: ageSeconds, text: age } = lockAge(lock.item, nowMs, sighting.firstSeenMs);
  const verdict = (decision: Decision, why: string): Judgement => ({
    rule: rule.name,
    decision,
    ageSeconds,
    reason: `rule "${rule.name}": ${why}`,
  });

  const { alertAfter, deleteAfter } = rule;
  if (deleteAfter && ageSeconds >= deleteAfter.seconds) {
    if (sighting.count >= policy.minSightings) {
      return verdict(
        'delete',
        `age ${age} >= deleteAfter ${deleteAfter.text}, seen on ${sighting.count} runs`,
      );
    }
    return verdict(
      'alert',
      `age ${age} >= deleteAfter ${deleteAfter.text}, but seen on ${sighting.count} of the ${policy.minSightings} runs needed before a delete`,
    );
  }
  const alertAt = alertAfter ?? deleteAfter;
  if (alertAt && ageSeconds >= alertAt.seconds) {
    return verdict('alert', `age ${age} >= ${alertAfter ? 'alertAfter' : 'deleteAfter'} ${alertAt.text}`);
  }
  return verdict(
    'keep',
    alertAt
      ? `age ${age} < ${alertAfter ? 'alertAfter' : 'deleteAfter'} ${alertAt.text}`
      : 'the rule never alerts',
  );
}

/** A lock's age and how it was counted: from `Created`, or from the first sighting when `Created` cannot be trusted. */
export function lockAge(
  item: Pick<LockItem, 'createdMs' | 'createdProblem'>,
  nowMs: number,
  firstSeenMs: number,
): { readonly seconds: number; readonly text: string } {
  const { createdMs } = item;
  const trusted = createdMs !== undefined && createdMs <= nowMs;
  const seconds = Math.max(0, Math.floor((nowMs - (trusted ? createdMs : firstSeenMs)) / 1000));
  const why =
    item.createdProblem ?? (createdMs === undefined ? 'Created unreadable' : 'Created is in the future');
  return { seconds, text: `${formatAge(seconds)}${trusted ? '' : ` since first seen (${why})`}` };
}

function anyMatch(globs: readonly Glob[] | undefined, value: string): boolean {
  return globs === undefined || globs.some((g) => g.test(value));
}
