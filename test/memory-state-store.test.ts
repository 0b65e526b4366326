// Tests: the in-process state store of a single run (the CLI without a state table) keeps no sightings.
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';

const KEY = { region: 'eu-west-1', table: 'locks', lockId: 'b/a/terraform.tfstate', id: 'id-1' };

describe('MemoryStateStore', () => {
  it('of a single run answers every lock as first seen now and remembers nothing', async () => {
    const store = new MemoryStateStore({ singleRun: true });
    expect(await store.observe(KEY, '{"ID":"id-1"}', 1_000, 0, 'd1')).toEqual({
      count: 1,
      firstSeenMs: 1_000,
    });
    expect(await store.observe(KEY, '{"ID":"id-1"}', 900_000, 0, 'd2')).toEqual({
      count: 1,
      firstSeenMs: 900_000,
    });
    await store.markAlerted([KEY], 900_000);
    expect(await store.forgetGone([{ region: KEY.region, table: KEY.table }], [], 900_001)).toEqual([]);
  });

  it('across runs counts sightings apart by the gap and resolves an alerted lock once it is gone', async () => {
    const store = new MemoryStateStore();
    await store.observe(KEY, '{"ID":"id-1"}', 1_000, 0);
    expect((await store.observe(KEY, '{"ID":"id-1"}', 900_000, 0)).count).toBe(2);
    await store.markAlerted([KEY], 900_000);
    expect(await store.forgetGone([{ region: KEY.region, table: KEY.table }], [], 900_001)).toEqual([KEY]);
  });
});
