// Core: judges a lock held in one place or two: each half with its own place and Info, the pair as the most cautious.
import type { Evidence } from './evidence';
import { type Judgement, judge, type Sighting } from './judge';
import { halfKind, judgedItem, type LockHalf, lockOf, placeOf } from './lock-half';
import type { LockItem } from './lock-item';
import type { Policy } from './policy';
import type { Decision } from './report';

/** How cautious a decision is: the pair takes the one with the lowest rank. */
const CAUTION: Readonly<Record<Decision, number>> = { keep: 0, alert: 1, delete: 2 };

/**
 * Judges the halves of one lock. A single half is judged as it is. For a double lock each half is judged with
 * its own place (a table's name, or `s3://<bucket>`) and its own Info, against the pair's age (its younger half)
 * and the pair's sighting and evidence; the pair gets the most cautious decision. Halves whose Info differ (an
 * item written beside a live lockfile, or the other way round) are never deleted: the pair is alerted on. A
 * single half whose other half may be in a place the run did not read (`partnerUnread`, why) is alerted on
 * instead of deleted.
 */
export function judgeHalves(
  policy: Policy,
  halves: readonly LockHalf[],
  nowMs: number,
  sighting: Sighting,
  evidence: Evidence = {},
  partnerUnread?: string,
): Judgement {
  const aged = judgedItem(halves);
  const each = halves.map((half) =>
    judge(policy, { table: placeOf(half).table, item: itemOf(half, aged) }, nowMs, sighting, evidence),
  );
  if (halves.length === 1) return alone(each[0], partnerUnread);
  const first = each.reduce((a, b) => (CAUTION[b.decision] < CAUTION[a.decision] ? b : a));
  const i = each.indexOf(first);
  const other = each[i === 0 ? 1 : 0];
  const why =
    first.decision === other.decision && first.rule === other.rule
      ? first.reason
      : `${first.reason} (its ${halfKind(halves[i]).word}; the other half's ${other.reason}: the more cautious is taken)`;
  if (new Set(halves.map((h) => lockOf(h).rawInfo)).size === 1) return { ...first, reason: why };
  return {
    ...first,
    decision: 'alert',
    reason: `${why}; its two halves hold different Info under the same ID, so neither is deleted: check who holds the lock`,
  };
}

/** A lone half whose other half may be in a place not read in full is never deleted alone: it is alerted on. */
function alone(judgement: Judgement, partnerUnread: string | undefined): Judgement {
  if (judgement.decision !== 'delete' || partnerUnread === undefined) return judgement;
  return {
    ...judgement,
    decision: 'alert',
    reason: `${judgement.reason}; not deleted alone: ${partnerUnread}`,
  };
}

/** The half's own LockID and Info, aged as the pair is. */
function itemOf(half: LockHalf, aged: LockItem): LockItem {
  const { lockId, rawInfo, info } = lockOf(half);
  return {
    kind: 'lock',
    lockId,
    rawInfo,
    info,
    createdMs: aged.createdMs,
    ...(aged.createdProblem ? { createdProblem: aged.createdProblem } : {}),
  };
}
