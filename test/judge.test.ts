// Tests: judging locks (table-driven, fixed clock).
import { lockItem } from '../bin/demo/terraform-lock';
import { judge, type Sighting } from '../lambda/core/judge';
import { classifyItem, type LockItem } from '../lambda/core/lock-item';
import { parsePolicy } from '../lambda/core/policy';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const HOUR = 3_600_000;
const policy = parsePolicy({
  mode: 'delete',
  rules: [
    { name: 'prod', match: { lockId: '*/prod/*' }, alertAfter: '1h' },
    {
      name: 'ci-plans',
      match: { operation: ['OperationTypePlan'], who: 'runner@*' },
      alertAfter: '30m',
      deleteAfter: '2h',
    },
    { name: 'scratch', match: { table: 'scratch-*' }, deleteAfter: '1h' },
    { name: 'pinned', match: { who: 'migration@*' } },
    { name: 'default', match: {}, alertAfter: '4h' },
  ],
  minSightings: 2,
});

function lock(path: string, operation: string, who: string, ageMs: number): LockItem {
  const item = classifyItem(lockItem({ bucket: 'acme', path, operation, who, createdMs: NOW - ageMs }));
  if (item.kind !== 'lock') throw new Error('not a lock');
  return item;
}

const seen = (count: number, firstSeenMs = NOW): Sighting => ({ count, firstSeenMs });

describe('judge', () => {
  it.each([
    [
      'a fresh CI plan',
      'locks',
      lock('api.tfstate', 'OperationTypePlan', 'runner@ci', 10 * 60_000),
      seen(5),
      'ci-plans',
      'keep',
    ],
    [
      'a CI plan past alertAfter',
      'locks',
      lock('api.tfstate', 'OperationTypePlan', 'runner@ci', HOUR),
      seen(5),
      'ci-plans',
      'alert',
    ],
    [
      'a CI plan past deleteAfter, seen twice',
      'locks',
      lock('api.tfstate', 'OperationTypePlan', 'runner@ci', 3 * HOUR),
      seen(2),
      'ci-plans',
      'delete',
    ],
    [
      'a CI plan past deleteAfter, seen once',
      'locks',
      lock('api.tfstate', 'OperationTypePlan', 'runner@ci', 3 * HOUR),
      seen(1),
      'ci-plans',
      'alert',
    ],
    [
      'a human plan (no who match) falls through',
      'locks',
      lock('api.tfstate', 'OperationTypePlan', 'alice@mbp', 3 * HOUR),
      seen(9),
      'default',
      'keep',
    ],
    [
      'a prod lock: first match wins over ci-plans',
      'locks',
      lock('env:/prod/api.tfstate', 'OperationTypePlan', 'runner@ci', 30 * HOUR),
      seen(9),
      'prod',
      'alert',
    ],
    [
      'a rule with only deleteAfter alerts and deletes at it',
      'scratch-locks',
      lock('k', 'OperationTypeApply', 'bob@x', 2 * HOUR),
      seen(2),
      'scratch',
      'delete',
    ],
    [
      'a rule with only deleteAfter keeps before it',
      'scratch-locks',
      lock('k', 'OperationTypeApply', 'bob@x', 30 * 60_000),
      seen(2),
      'scratch',
      'keep',
    ],
    [
      'a rule without thresholds never alerts',
      'locks',
      lock('k', 'OperationTypeApply', 'migration@box', 900 * HOUR),
      seen(9),
      'pinned',
      'keep',
    ],
    [
      'an old apply under the default rule',
      'locks',
      lock('k', 'OperationTypeApply', 'alice@mbp', 5 * HOUR),
      seen(9),
      'default',
      'alert',
    ],
  ])('%s', (_, table, item, sighting, rule, decision) => {
    expect(judge(policy, { table, item }, NOW, sighting)).toMatchObject({ rule, decision });
  });

  it('never deletes without deleteAfter, whatever the age and sightings', () => {
    const j = judge(
      policy,
      { table: 't', item: lock('k', 'OperationTypeApply', 'alice@mbp', 1000 * HOUR) },
      NOW,
      seen(1000),
    );
    expect(j.decision).toBe('alert');
  });

  it('explains the decision with the rule, the age and the threshold', () => {
    const j = judge(
      policy,
      { table: 't', item: lock('k', 'OperationTypePlan', 'runner@ci', 3 * HOUR) },
      NOW,
      seen(1),
    );
    expect(j.reason).toBe(
      'rule "ci-plans": age 3h >= deleteAfter 2h, but seen on 1 of the 2 runs needed before a delete',
    );
    expect(j.ageSeconds).toBe(3 * 3600);
  });

  it('ages a lock created in the future from the first sighting (client clock ahead)', () => {
    const item = lock('k', 'OperationTypePlan', 'runner@ci', -48 * HOUR);
    const young = judge(policy, { table: 't', item }, NOW, seen(3, NOW - 10 * 60_000));
    expect(young).toMatchObject({ decision: 'keep', ageSeconds: 600 });
    expect(young.reason).toContain('Created is in the future');
    const old = judge(policy, { table: 't', item }, NOW, seen(3, NOW - 3 * HOUR));
    expect(old.decision).toBe('delete');
  });

  it('ages a lock with an unreadable Created from the first sighting', () => {
    const item = { ...lock('k', 'OperationTypePlan', 'runner@ci', 100 * HOUR), createdMs: undefined };
    expect(judge(policy, { table: 't', item }, NOW, seen(3, NOW))).toMatchObject({
      decision: 'keep',
      ageSeconds: 0,
    });
  });
});
