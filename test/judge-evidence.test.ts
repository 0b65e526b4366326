// Tests: judging locks with evidence: state writes restart the clock, a gone EC2 host lets a rule delete early.
import { lockItem } from '../bin/demo/terraform-lock';
import type { Evidence, Holder, StateWrite } from '../lambda/core/evidence';
import { judge, type Sighting } from '../lambda/core/judge';
import { classifyItem, type LockItem } from '../lambda/core/lock-item';
import { type PolicyInput, parsePolicy } from '../lambda/core/policy';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const ID = 'i-0123456789abcdef0';
const rules: PolicyInput['rules'] = [
  {
    name: 'ci',
    match: { who: 'runner@*' },
    alertAfter: '1h',
    deleteAfter: '2h',
    deleteWhenHolderGone: '15m',
  },
  { name: 'default', match: {}, alertAfter: '4h' },
];
const policy = parsePolicy({ mode: 'delete', rules, evidence: { ec2Hosts: true }, minSightings: 2 });
const noWrites = parsePolicy({
  mode: 'delete',
  rules,
  evidence: { ec2Hosts: true, stateWrites: false },
});
const hostsOnly = parsePolicy({
  mode: 'delete',
  rules: [{ ...rules[0], deleteWhenHolderGone: undefined }, rules[1]],
  evidence: { ec2Hosts: true },
});
const noHosts = parsePolicy({
  mode: 'delete',
  rules: [{ ...rules[0], deleteWhenHolderGone: undefined }, rules[1]],
});

function lock(ageMs: number, who = 'runner@ip-10-0-12-34'): LockItem {
  const item = classifyItem(
    lockItem({
      bucket: 'acme',
      path: 'app.tfstate',
      operation: 'OperationTypeApply',
      who,
      createdMs: NOW - ageMs,
    }),
  );
  if (item.kind !== 'lock') throw new Error('not a lock');
  return item;
}
const seen = (count: number, firstSeenMs = NOW - 10 * HOUR): Sighting => ({ count, firstSeenMs });
const digest = (agoMs: number): StateWrite => ({ atMs: NOW - agoMs, source: 'digest' });
const s3 = (agoMs: number): StateWrite => ({ atMs: NOW - agoMs, source: 's3' });
const host = (outcome: Holder['outcome'], state?: string): Holder => ({
  outcome,
  host: 'ip-10-0-12-34',
  instanceId: ID,
  ...(state ? { state } : {}),
  reason:
    outcome === 'unknown'
      ? 'host ip-10-0-12-34: not checked (AccessDenied)'
      : `host ip-10-0-12-34 (${ID}) ${state}`,
});

describe('judge with evidence', () => {
  it.each<[string, ReturnType<typeof parsePolicy>, number, Evidence, number, string, string]>([
    [
      'no evidence: past deleteAfter from Created',
      policy,
      3 * HOUR,
      {},
      2,
      'delete',
      'age 3h >= deleteAfter 2h',
    ],
    [
      'a recent digest move keeps a lock past deleteAfter from Created',
      policy,
      3 * HOUR,
      { stateWrite: digest(10 * MINUTE) },
      9,
      'keep',
      'last state write 10m ago (digest moved), lock age 3h < alertAfter 1h',
    ],
    [
      'an S3 state write 90m ago: alerted, not deleted',
      policy,
      5 * HOUR,
      { stateWrite: s3(90 * MINUTE) },
      9,
      'alert',
      'last state write 1h 30m ago (state object LastModified), lock age 5h >= alertAfter 1h',
    ],
    [
      'writes that stopped long enough ago: deleted',
      policy,
      5 * HOUR,
      { stateWrite: digest(2 * HOUR + 5 * MINUTE) },
      2,
      'delete',
      'last state write 2h 5m ago (digest moved), lock age 5h >= deleteAfter 2h, seen on 2 runs',
    ],
    [
      'a write before Created proves nothing',
      policy,
      3 * HOUR,
      { stateWrite: s3(4 * HOUR) },
      2,
      'delete',
      'age 3h >= deleteAfter 2h',
    ],
    [
      'stateWrites off ignores writes',
      noWrites,
      3 * HOUR,
      { stateWrite: digest(MINUTE) },
      2,
      'delete',
      'age 3h >= deleteAfter 2h, seen on 2 runs',
    ],
    [
      'a gone host deletes before deleteAfter under deleteWhenHolderGone',
      policy,
      20 * MINUTE,
      { holder: host('gone', 'terminated') },
      2,
      'delete',
      `host ip-10-0-12-34 (${ID}) terminated, and age 20m >= deleteWhenHolderGone 15m, seen on 2 runs`,
    ],
    [
      'a gone host still needs minSightings',
      policy,
      20 * MINUTE,
      { holder: host('gone', 'terminated') },
      1,
      'keep',
      `age 20m < alertAfter 1h; host ip-10-0-12-34 (${ID}) terminated: age 20m >= deleteWhenHolderGone 15m, but seen on 1 of the 2 runs needed before a delete`,
    ],
    [
      'a gone host waits for deleteWhenHolderGone',
      policy,
      10 * MINUTE,
      { holder: host('gone', 'terminated') },
      9,
      'keep',
      `age 10m < alertAfter 1h; host ip-10-0-12-34 (${ID}) terminated`,
    ],
    [
      'a gone host counts from the last state write',
      policy,
      3 * HOUR,
      { holder: host('gone', 'terminated'), stateWrite: digest(10 * MINUTE) },
      9,
      'keep',
      'last state write 10m ago (digest moved), lock age 3h < alertAfter 1h',
    ],
    [
      'a gone host under a rule without deleteWhenHolderGone changes nothing',
      hostsOnly,
      20 * MINUTE,
      { holder: host('gone', 'terminated') },
      9,
      'keep',
      `age 20m < alertAfter 1h; host ip-10-0-12-34 (${ID}) terminated`,
    ],
    [
      'a running host never shortens anything',
      policy,
      20 * MINUTE,
      { holder: host('running', 'running') },
      9,
      'keep',
      `age 20m < alertAfter 1h; host ip-10-0-12-34 (${ID}) running`,
    ],
    [
      'a running host does not keep a lock past deleteAfter either',
      policy,
      3 * HOUR,
      { holder: host('running', 'running') },
      2,
      'delete',
      'age 3h >= deleteAfter 2h, seen on 2 runs; host ip-10-0-12-34',
    ],
    [
      'an unknown host is never treated as gone',
      policy,
      20 * MINUTE,
      { holder: host('unknown') },
      9,
      'keep',
      'age 20m < alertAfter 1h; host ip-10-0-12-34: not checked (AccessDenied)',
    ],
    [
      'with the host check off a holder is ignored',
      noHosts,
      20 * MINUTE,
      { holder: host('gone', 'terminated') },
      9,
      'keep',
      'age 20m < alertAfter 1h',
    ],
  ])('%s', (_, p, ageMs, evidence, count, decision, reason) => {
    const j = judge(p, { table: 'locks', item: lock(ageMs) }, NOW, seen(count), evidence);
    expect(j.decision).toBe(decision);
    expect(j.reason).toContain(reason);
    expect(j.ageSeconds).toBe(ageMs / 1000);
  });

  it('without a holder the reason says nothing of hosts', () => {
    expect(
      judge(noHosts, { table: 'l', item: lock(20 * MINUTE) }, NOW, seen(9), { holder: host('gone', 'x') })
        .reason,
    ).toBe('rule "ci": age 20m < alertAfter 1h');
  });

  it.each([
    ['no write', {}, 3 * HOUR, 3 * 3600, { atMs: NOW - 3 * HOUR, from: 'created' }],
    [
      'a write 10m ago',
      { stateWrite: digest(10 * MINUTE) },
      3 * HOUR,
      600,
      { atMs: NOW - 10 * MINUTE, from: 'state-write', source: 'digest' },
    ],
    // A write from S3's clock slightly ahead of the janitor's: idle 0, never negative.
    [
      'a write in the future',
      { stateWrite: s3(-MINUTE) },
      HOUR,
      0,
      { atMs: NOW + MINUTE, from: 'state-write', source: 's3' },
    ],
  ])('reports the last sign of life and idle time: %s', (_, evidence, ageMs, idleSeconds, sign) => {
    const j = judge(policy, { table: 'l', item: lock(ageMs) }, NOW, seen(1), evidence);
    expect(j).toMatchObject({ idleSeconds, lastSignOfLife: sign, ageSeconds: ageMs / 1000 });
  });

  it('counts from the first sighting and a later write when Created is in the future', () => {
    const item = lock(-48 * HOUR);
    const j = judge(policy, { table: 'l', item }, NOW, seen(3, NOW - 3 * HOUR), {
      stateWrite: digest(30 * MINUTE),
    });
    expect(j).toMatchObject({ decision: 'keep', ageSeconds: 3 * 3600, idleSeconds: 1800 });
    expect(j.reason).toContain('last state write 30m ago (digest moved), lock age 3h since first seen');
  });
});
