// Tests: what the janitor itself saw bounds a lock's age and idle time (issue 19 #2, #7), on dynalite.
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { StateStore } from '../lambda/core/ports';
import {
  createLockTable,
  createStateTable,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const at = (minutes: number) => new Date(NOW + minutes * MINUTE);

async function setup(): Promise<{ prefix: string; table: string; state: StateStore }> {
  const prefix = uniqueName('bounds');
  const table = `${prefix}-locks`;
  const stateTable = uniqueName('bounds-state');
  await createLockTable(client, table);
  await createStateTable(client, stateTable);
  return { prefix, table, state: new DynamoStateStore(client, stateTable) };
}

describe('a lock is never older than the last complete sweep that did not see it', () => {
  const policy = {
    mode: 'delete' as const,
    minSightings: 1,
    rules: [{ name: 'plans', match: {}, deleteAfter: '1h' }],
  };

  it('counts a lock taken after a -lock-timeout wait from the sweep before it, not from its Created', async () => {
    // Prepare: a complete sweep of the empty table, then a lock whose Created is 3 h old (it waited for the lock).
    const { prefix, table, state } = await setup();
    await sweepTables(client, prefix, policy, { state, now: at(0) });
    await putItems(client, table, [lockAged('waited.tfstate', 3 * HOUR)]);
    // Act: the next run, 10 minutes later.
    const report = await sweepTables(client, prefix, policy, { state, now: at(10) });
    // Assess: 10 minutes old at most, so kept; the reason says how the age was counted.
    expect(await lockIds(client, table)).toEqual(['acme/waited.tfstate']);
    expect(report.locks[0]).toMatchObject({ decision: 'keep', outcome: 'kept' });
    expect(report.locks[0].ageSeconds).toBeLessThanOrEqual(10 * 60);
    expect(report.locks[0].reason).toContain(
      'since the last complete sweep of its place that did not see it',
    );
    // ...and it ages from there: past deleteAfter counted from that sweep, it goes.
    const later = await sweepTables(client, prefix, policy, { state, now: at(75) });
    expect(later.locks[0]).toMatchObject({ decision: 'delete', outcome: 'deleted' });
  });

  it('counts from Created when no complete sweep of the place is remembered', async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [lockAged('old.tfstate', 3 * HOUR)]);
    const report = await sweepTables(client, prefix, policy, { state, now: at(0) });
    expect(report.locks[0]).toMatchObject({ outcome: 'deleted', ageSeconds: 3 * 3600 });
  });

  it('keeps the bound of the first sighting: a lock seen by a complete sweep is not made younger by it', async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [lockAged('seen.tfstate', 3 * HOUR)]);
    const first = await sweepTables(client, prefix, { ...policy, mode: 'alert' }, { state, now: at(0) });
    const second = await sweepTables(client, prefix, { ...policy, mode: 'alert' }, { state, now: at(10) });
    expect([first.locks[0].ageSeconds, second.locks[0].ageSeconds]).toEqual([3 * 3600, 3 * 3600 + 600]);
  });

  it('does the same in process memory (the demo, the CLI reusing one store)', async () => {
    const { prefix, table } = await setup();
    const state = new MemoryStateStore();
    await sweepTables(client, prefix, policy, { state, now: at(0) });
    await putItems(client, table, [lockAged('waited.tfstate', 3 * HOUR)]);
    const report = await sweepTables(client, prefix, policy, { state, now: at(10) });
    expect(report.locks[0]).toMatchObject({ outcome: 'kept' });
  });
});

describe('a state write is a sign of life whenever it is seen', () => {
  it('sees a digest that moved within the sighting gap, and keeps the lock that minSightings would let go', async () => {
    // Prepare: a 3-hour-old apply seen (in mode alert) on two runs 5 minutes apart with the same digest.
    const { prefix, table, state } = await setup();
    const policy = {
      mode: 'delete' as const,
      minSightings: 2,
      sightingGap: '5m',
      rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
    };
    const digest = digestItem('acme', 'apply.tfstate');
    await putItems(client, table, [lockAged('apply.tfstate', 3 * HOUR, 'OperationTypeApply'), digest]);
    const watch = { ...policy, mode: 'alert' as const };
    await sweepTables(client, prefix, watch, { state, now: at(0) });
    const second = await sweepTables(client, prefix, watch, { state, now: at(5) });
    expect(second.locks[0]).toMatchObject({ sightings: 2, decision: 'delete', outcome: 'unsent' });
    // Act: the apply writes its state; a run 2 minutes later (within the gap) reads the moved digest.
    await putItems(client, table, [{ ...digest, Digest: { S: 'a-new-digest-after-a-write' } }]);
    const third = await sweepTables(client, prefix, policy, { state, now: at(7) });
    // Assess: the write is the last sign of life, so the lock is kept; the count stays spaced.
    expect(await lockIds(client, table)).toEqual(['acme/apply.tfstate', 'acme/apply.tfstate-md5']);
    expect(third.locks[0]).toMatchObject({ sightings: 2, decision: 'keep', outcome: 'kept' });
    expect(third.locks[0].lastSignOfLife).toBe(at(7).toISOString());
  });
});

describe('a sighting is recorded at the time it is made (issue 19 #9)', () => {
  it("records the run's clock at the sighting, not the run's start", async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [lockAged('clock.tfstate', 3 * HOUR)]);
    const policy = { mode: 'alert' as const, rules: [{ name: 'all', match: {}, alertAfter: '1h' }] };
    const sightingAt = NOW + 7 * MINUTE;
    await sweepTables(client, prefix, policy, { state, now: at(0), clock: () => sightingAt });
    const report = await sweepTables(client, prefix, { ...policy, sightingGap: '5m' }, { state, now: at(8) });
    // 8 minutes after the run's start but 1 minute after the sighting: within the gap, so not counted again.
    expect(report.locks[0].sightings).toBe(1);
    // ...and a run the gap after the sighting counts again.
    const startStamped = await sweepTables(
      client,
      prefix,
      { ...policy, sightingGap: '5m' },
      { state, now: at(16) },
    );
    expect(startStamped.locks[0].sightings).toBe(2);
  });
});
