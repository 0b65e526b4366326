// Tests: the pure planning step (mode x decision x deletion budget x re-alert x sightings) and the budget.
import type { Judgement, Sighting } from '../lambda/core/judge';
import { isAlertDue, type PlanAction, planLock } from '../lambda/core/plan';
import { parsePolicy } from '../lambda/core/policy';
import type { Decision } from '../lambda/core/report';
import { DeletionBudget } from '../lambda/run/budget';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const policyIn = (mode: 'report' | 'alert' | 'delete') =>
  parsePolicy({ mode, realertAfter: '24h', maxDeletionsPerRun: 3 });
const judged = (decision: Decision): Judgement => ({
  rule: 'r',
  decision,
  ageSeconds: 7200,
  idleSeconds: 7200,
  lastSignOfLife: { atMs: NOW - 2 * HOUR, from: 'created' },
  reason: `rule "r": ${decision}`,
});
const seen = (count: number, lastAlertedMs?: number): Sighting => ({
  count,
  firstSeenMs: NOW - 2 * HOUR,
  ...(lastAlertedMs === undefined ? {} : { lastAlertedMs }),
});

type Row = [
  string,
  'report' | 'alert' | 'delete',
  Decision,
  number,
  number | undefined,
  PlanAction,
  boolean,
  string,
];

// [case, mode, decision, deletions left, last alerted (hours ago), action, news, reason contains]
const ROWS: Row[] = [
  ['keep stays keep in every mode', 'delete', 'keep', 3, undefined, 'keep', false, 'keep'],
  ['keep is never news, even never alerted', 'alert', 'keep', 0, undefined, 'keep', false, 'keep'],
  ['report mode only logs an alert', 'report', 'alert', 3, undefined, 'skip', false, 'mode "report"'],
  ['report mode only logs a delete', 'report', 'delete', 3, undefined, 'skip', false, 'mode "report"'],
  ['a first alert is news', 'alert', 'alert', 3, undefined, 'alert', true, 'alert'],
  ['an alert within realertAfter is not news', 'alert', 'alert', 3, 1, 'alert', false, 'alert'],
  ['an alert past realertAfter is news again', 'alert', 'alert', 3, 24, 'alert', true, 'alert'],
  [
    'alert mode alerts instead of deleting',
    'alert',
    'delete',
    3,
    undefined,
    'alert',
    true,
    'mode "alert": not deleted',
  ],
  ['alert mode, already alerted: quiet', 'alert', 'delete', 3, 2, 'alert', false, 'mode "alert"'],
  ['delete mode deletes', 'delete', 'delete', 3, undefined, 'delete', true, 'delete'],
  ['a delete is news even when alerted recently', 'delete', 'delete', 1, 1, 'delete', true, 'delete'],
  ['an alert judgement in delete mode alerts', 'delete', 'alert', 3, undefined, 'alert', true, 'alert'],
  [
    'no budget left: skipped, news when due',
    'delete',
    'delete',
    0,
    undefined,
    'skip',
    true,
    'maxDeletionsPerRun (3) reached',
  ],
  [
    'no budget left, alerted recently: quiet skip',
    'delete',
    'delete',
    0,
    3,
    'skip',
    false,
    'maxDeletionsPerRun',
  ],
  ['a negative budget never deletes', 'delete', 'delete', -1, undefined, 'skip', true, 'maxDeletionsPerRun'],
];

describe('planLock', () => {
  it.each(ROWS)('%s', (_name, mode, decision, left, alertedHoursAgo, action, news, reason) => {
    const sighting = seen(2, alertedHoursAgo === undefined ? undefined : NOW - alertedHoursAgo * HOUR);
    const plan = planLock({
      judgement: judged(decision),
      sighting,
      policy: policyIn(mode),
      nowMs: NOW,
      deletionsLeft: left,
    });
    expect(plan).toEqual({ action, news, reason: expect.stringContaining(reason) });
  });

  it.each([0, 1, 5])('plans the same whatever the sightings (%i): judging owns minSightings', (count) => {
    const plan = planLock({
      judgement: judged('delete'),
      sighting: seen(count),
      policy: policyIn('delete'),
      nowMs: NOW,
      deletionsLeft: 1,
    });
    expect(plan.action).toBe('delete');
  });

  it('never plans a delete outside mode delete, whatever the inputs', () => {
    for (const mode of ['report', 'alert'] as const)
      for (const decision of ['keep', 'alert', 'delete'] as const)
        for (const left of [-1, 0, 1, 100])
          expect(
            planLock({
              judgement: judged(decision),
              sighting: seen(9),
              policy: policyIn(mode),
              nowMs: NOW,
              deletionsLeft: left,
            }).action,
          ).not.toBe('delete');
  });
});

describe('isAlertDue', () => {
  const policy = parsePolicy({ realertAfter: '1h' });
  it.each([
    ['never alerted', undefined, true],
    ['alerted a minute ago', NOW - 60_000, false],
    ['alerted exactly realertAfter ago', NOW - HOUR, true],
    ['alerted long ago', NOW - 30 * HOUR, true],
  ])('%s → %s', (_name, last, due) => {
    expect(isAlertDue(last, NOW, policy)).toBe(due);
  });
});

describe('DeletionBudget', () => {
  it('reserves up to the cap, refuses beyond it, and takes refunds back', () => {
    const budget = new DeletionBudget(2);
    expect([budget.reserve(), budget.reserve(), budget.reserve()]).toEqual([true, true, false]);
    expect(budget.left).toBe(0);
    budget.refund();
    expect(budget.left).toBe(1);
    expect(budget.reserve()).toBe(true);
  });

  it('never goes above the cap on refunds without reservations', () => {
    const budget = new DeletionBudget(1);
    budget.refund();
    expect(budget.left).toBe(1);
  });
});
