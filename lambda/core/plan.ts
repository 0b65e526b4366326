// Core: the one place that decides what a run does with a judged lock, and whether people should hear of it.
import type { Judgement, Sighting } from './judge';
import type { Policy } from './policy';
import type { Outcome } from './report';

/** What the run will do with one lock. Only `delete` leads to a write; the others are recorded as they are. */
export type PlanAction = 'keep' | 'alert' | 'skip' | 'delete';

export type Plan = {
  readonly action: PlanAction;
  /** True when people should hear of this lock this run: a first alert, a re-alert due, or a delete attempt. */
  readonly news: boolean;
  readonly reason: string;
};

/** What the planning step needs besides the judgement. */
export type PlanInput = {
  readonly judgement: Judgement;
  readonly sighting: Sighting;
  readonly policy: Pick<Policy, 'mode' | 'realertAfter' | 'maxDeletionsPerRun'>;
  readonly nowMs: number;
  /** Deletions this run may still make (maxDeletionsPerRun minus the deletes already reserved). */
  readonly deletionsLeft: number;
};

/**
 * The outcome of a plan that writes nothing (a `delete` plan's outcome comes from the delete itself). An alert
 * that is news is `unsent` until the run's message is published (then `alerted`: see `afterDelivery`); one that
 * is not news was alerted by an earlier run's delivered message (the alert memory only remembers those).
 */
export function outcomeOf(plan: Plan & { readonly action: Exclude<PlanAction, 'delete'> }): Outcome {
  if (plan.action === 'keep') return 'kept';
  if (plan.action === 'skip') return 'skipped';
  return plan.news ? 'unsent' : 'alerted-earlier';
}

/** An alert is due when the thing was never alerted on, or not within `realertAfter`. */
export function isAlertDue(
  lastAlertedMs: number | undefined,
  nowMs: number,
  policy: Pick<Policy, 'realertAfter'>,
): boolean {
  return lastAlertedMs === undefined || nowMs - lastAlertedMs >= policy.realertAfter.seconds * 1000;
}

/**
 * Plans one lock, in this order: a `keep` judgement is kept; mode `report` logs only; an `alert` judgement
 * alerts; mode `alert` alerts instead of deleting; an exhausted deletion budget skips; otherwise delete.
 * Alerts and skips are news only when an alert is due; a delete attempt is always news.
 */
export function planLock({ judgement, sighting, policy, nowMs, deletionsLeft }: PlanInput): Plan {
  const { decision, reason } = judgement;
  if (decision === 'keep') return { action: 'keep', news: false, reason };
  if (policy.mode === 'report')
    return { action: 'skip', news: false, reason: `${reason}; mode "report": logged only` };
  const due = isAlertDue(sighting.lastAlertedMs, nowMs, policy);
  if (decision === 'alert') return { action: 'alert', news: due, reason };
  if (policy.mode === 'alert')
    return { action: 'alert', news: due, reason: `${reason}; mode "alert": not deleted` };
  if (deletionsLeft <= 0) {
    const why = `${reason}; maxDeletionsPerRun (${policy.maxDeletionsPerRun}) reached`;
    return { action: 'skip', news: due, reason: why };
  }
  return { action: 'delete', news: true, reason };
}
