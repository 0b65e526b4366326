// Run: one lock — a single half, or both halves of a double lock — sighted, judged and planned once, carried out.
import { describeError } from '../core/errors';
import type { Evidence, Holder } from '../core/evidence';
import type { RunFailure } from '../core/failure';
import type { Sighting } from '../core/judge';
import { judgeHalves } from '../core/judge-halves';
import { halfKind, type LockHalf, lockOf, placeOf, stateWriteOf } from '../core/lock-half';
import { outcomeOf, planLock } from '../core/plan';
import type { LockKey } from '../core/ports';
import { evidenceFields, lockKeyOf, lockReportOf } from '../core/records';
import type { LockReport, Outcome } from '../core/report';
import type { PlaceAbsence } from './absence';
import { type DeleteDone, deleteAndAudit } from './act';
import type { DeletionBudget } from './budget';
import type { SweepOptions } from './options';
import type { Sources } from './sources';
import type { UnreadPlaces } from './unread-places';

/** What handling one lock produced: a report line per half, the keys seen, and any failures. */
export type Handled = {
  readonly locks: LockReport[];
  readonly keys: LockKey[];
  readonly failures: RunFailure[];
};

/**
 * What the run knows beside the lock: the stores it reads, when places were last read in full, and which it did
 * not read now.
 */
export type LockContext = {
  readonly sources: Sources;
  readonly absence?: PlaceAbsence;
  readonly unread?: UnreadPlaces;
};

/**
 * Handles one lock held in one place or two (a double lock): each half is sighted, each half is judged with its
 * own place and Info and the lock gets the most cautious decision (its age from the younger half, its last sign
 * of life from the evidence: state writes seen on either half, and the `holder` the host check found), planned
 * once; a delete removes every half, each under its own condition,
 * and takes one deletion from the budget. A double lock's two report lines say what happened to the other half.
 */
export async function handleLock(
  opts: SweepOptions,
  halves: readonly LockHalf[],
  budget: DeletionBudget,
  holder: Holder | undefined,
  { sources, absence, unread }: LockContext,
): Promise<Handled> {
  const nowMs = opts.now.getTime();
  const failures: RunFailure[] = [];
  const sightings = await Promise.all(halves.map((half) => sight(opts, half, nowMs, failures, absence)));
  const sighting = together(sightings);
  const { stateWrites, ec2Hosts } = opts.policy.evidence;
  const stateWrite = stateWrites
    ? stateWriteOf(
        halves,
        sightings.map((s) => s.lastWriteMs),
      )
    : undefined;
  const evidence: Evidence = {
    ...(stateWrite ? { stateWrite } : {}),
    ...(ec2Hosts && holder ? { holder } : {}),
  };
  const asked = halves.length === 1 ? unread?.partnerUnread(halves[0]) : undefined;
  const partnerUnread = asked && (await asked);
  const judgement = judgeHalves(opts.policy, halves, nowMs, sighting, evidence, partnerUnread);
  const plan = planLock({ judgement, sighting, policy: opts.policy, nowMs, deletionsLeft: budget.left });
  const { action } = plan;
  const done: readonly {
    readonly outcome: Outcome;
    readonly reason: string;
    readonly failures: RunFailure[];
  }[] =
    action === 'delete'
      ? await deleteWithin(budget, halves, (half) =>
          deleteAndAudit({
            ...opts,
            source: sources.holding(half),
            half,
            action: 'deleted',
            rule: judgement.rule,
            reason: plan.reason,
          }),
        )
      : halves.map(() => ({ outcome: outcomeOf({ ...plan, action }), reason: plan.reason, failures: [] }));
  const double = halves.length > 1;
  const locks = halves.map((half, i) => {
    failures.push(...done[i].failures);
    const lock = lockReportOf(
      half,
      {
        ageSeconds: judgement.ageSeconds,
        ...evidenceFields(judgement, evidence),
        rule: judgement.rule,
        decision: judgement.decision,
        outcome: done[i].outcome,
        // After a delete the halves' outcomes may differ: each line says what became of the other half.
        reason:
          double && action === 'delete' ? `${done[i].reason}${partner(halves, done, i)}` : done[i].reason,
        sightings: sighting.count,
        // A double lock is news once: on its first line.
        notify: plan.news && i === 0,
      },
      double,
    );
    opts.logger?.info(lock, 'lock judged');
    return lock;
  });
  return { locks, keys: halves.map(lockKeyOf), failures };
}

async function sight(
  opts: SweepOptions,
  half: LockHalf,
  nowMs: number,
  failures: RunFailure[],
  absence?: PlaceAbsence,
): Promise<Sighting> {
  const key = lockKeyOf(half);
  try {
    const gapMs = opts.policy.sightingGap.seconds * 1000;
    const digest = halfKind(half).digest(half);
    const absentMs = absence ? await absence.of(placeOf(half)) : undefined;
    const atMs = opts.clock?.() ?? nowMs;
    return await opts.state.observe(key, lockOf(half).rawInfo, atMs, gapMs, digest, absentMs);
  } catch (e) {
    // Without a memory of earlier runs the lock cannot meet minSightings, so it is never deleted.
    const message = `could not record the sighting of ${key.table} ${key.lockId}: ${describeError(e)}`;
    failures.push({
      kind: 'sighting',
      region: key.region,
      table: key.table,
      lock: { lockId: key.lockId, id: key.id },
      message,
    });
    return { count: 0, firstSeenMs: nowMs };
  }
}

/**
 * The sighting of a lock held in several places: seen as often as its least-seen half, alerted when any was,
 * absent until the later of its halves' bounds.
 */
function together(sightings: readonly Sighting[]): Sighting {
  const latest = (times: (number | undefined)[]) => {
    const known = times.filter((t): t is number => t !== undefined);
    return known.length ? Math.max(...known) : undefined;
  };
  const alerted = latest(sightings.map((s) => s.lastAlertedMs));
  const absent = latest(sightings.map((s) => s.absentMs));
  return {
    count: Math.min(...sightings.map((s) => s.count)),
    firstSeenMs: Math.max(...sightings.map((s) => s.firstSeenMs)),
    ...(alerted === undefined ? {} : { lastAlertedMs: alerted }),
    ...(absent === undefined ? {} : { absentMs: absent }),
  };
}

/**
 * Deletes every half under the run's budget: one reservation for the lock (taken before the first call, with no
 * await in between), refunded when no half was deleted. Halves are deleted one after the other, lockfile first
 * as Terraform takes them (lockfile first), so a failed half never leaves the user guessing which one is left.
 */
async function deleteWithin(
  budget: DeletionBudget,
  halves: readonly LockHalf[],
  del: (half: LockHalf) => Promise<DeleteDone>,
): Promise<DeleteDone[]> {
  budget.reserve();
  const order = halves
    .map((h, i) => [h, i] as const)
    .sort(([a], [b]) => Number(halfKind(b).deleteFirst) - Number(halfKind(a).deleteFirst));
  const done = new Array<DeleteDone>(halves.length);
  for (const [half, i] of order) done[i] = await del(half);
  if (!done.some((d) => d.outcome === 'deleted')) budget.refund();
  return done;
}

/** For one line of a double lock: what happened to its other half. */
function partner(halves: readonly LockHalf[], done: readonly { outcome: Outcome }[], i: number): string {
  const j = i === 0 ? 1 : 0;
  return `; double lock: its ${halfKind(halves[j]).word} was ${done[j].outcome}`;
}
