// Tests: the state-table requests a sweep makes per lock, inside the sighting gap and after it (dynalite).
import { randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { Sighting } from '../lambda/core/judge';
import type { LockKey, StateStore } from '../lambda/core/ports';
import { createLockTable, createStateTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';

/** Counts the requests a client sends, by operation (`UpdateItem`, `GetItem`, …). */
function counting(client: DynamoDBClient): Map<string, number> {
  const counts = new Map<string, number>();
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = String(context.commandName).replace(/Command$/, '');
      counts.set(name, (counts.get(name) ?? 0) + 1);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return counts;
}

const total = (counts: Map<string, number>): number => [...counts.values()].reduce((a, b) => a + b, 0);

/**
 * An engine that ignores `ReturnValuesOnConditionCheckFailure` (as dynalite 4 itself does, and DynamoDB Local
 * before it knew it): the parameter is dropped before the request is sent, so no failed condition returns the item.
 */
function withoutOldItems(client: DynamoDBClient): DynamoDBClient {
  client.middlewareStack.add(
    (next) => async (args) => {
      delete (args.input as { ReturnValuesOnConditionCheckFailure?: string })
        .ReturnValuesOnConditionCheckFailure;
      return next(args);
    },
    { step: 'initialize', name: 'dropReturnOld' },
  );
  return client;
}

const lockClient = testClient();
const stateClient = testClient();
const sent = counting(stateClient);
const plainClient = withoutOldItems(testClient());
const plainSent = counting(plainClient);
const stateTable = uniqueName('janitor-state');

beforeAll(() => createStateTable(stateClient, stateTable));
afterAll(() => {
  for (const c of [lockClient, stateClient, plainClient]) c.destroy();
});

const POLICY = {
  mode: 'alert' as const,
  realertAfter: '1h',
  rules: [{ name: 'default', match: {}, alertAfter: '1h' }],
};

describe('a sweep with the state table', () => {
  it('sends one state-table request per lock on a run inside the sighting gap, as on a counted run', async () => {
    const prefix = uniqueName('requests');
    const table = `${prefix}-locks`;
    await createLockTable(lockClient, table);
    const LOCKS = 20;
    const items = Array.from({ length: LOCKS }, (_, i) => [
      lockAged(`s${i}.tfstate`, 5 * HOUR),
      digestItem('acme', `s${i}.tfstate`),
    ]);
    await putItems(lockClient, table, items.flat());
    const state = new DynamoStateStore(stateClient, stateTable);
    const notifier = { publish: async () => {} };
    const run = async (minutes: number) => {
      sent.clear();
      const report = await sweepTables(lockClient, prefix, POLICY, {
        state,
        notifier,
        now: new Date(NOW + minutes * MINUTE),
      });
      return {
        locks: new Set(report.locks.map((l) => `${l.sightings}:${l.outcome}`)),
        requests: total(sent),
      };
    };
    // The first run alerts (one update per lock to count it, one to mark it alerted) ...
    const first = await run(0);
    expect(first.locks).toEqual(new Set(['1:alerted']));
    // ... a run 1 and 2 minutes later (sightingGap 5m) counts nothing and writes nothing new ...
    const inGap = [await run(1), await run(2)];
    // ... and one 20 minutes later counts a second sighting.
    const counted = await run(20);
    expect(inGap.map((r) => r.locks)).toEqual([
      new Set(['1:alerted-earlier']),
      new Set(['1:alerted-earlier']),
    ]);
    expect(counted.locks).toEqual(new Set(['2:alerted-earlier']));
    // Per lock: one conditional update whose failed condition returns the sighting (it used to be four failed
    // updates and a read). The rest is per run (intents, the table's last complete sweep, forgetting the gone).
    const perRun = counted.requests - LOCKS;
    expect(perRun).toBeGreaterThanOrEqual(0);
    expect(perRun).toBeLessThan(LOCKS / 2);
    expect(inGap.map((r) => r.requests)).toEqual([LOCKS + perRun, LOCKS + perRun]);
  });
});

const INFO = JSON.stringify({ ID: 'x', Who: 'alice@mbp', Operation: 'OperationTypeApply' });
const OTHER_INFO = JSON.stringify({ ID: 'x', Who: 'bob@laptop', Operation: 'OperationTypeApply' });
const GAP = 5 * MINUTE;

/** [minutes after NOW, Info, digest read this run]: every path of `observe`, each a step of one lock's history. */
const HISTORY: [number, string, string | undefined][] = [
  [0, INFO, 'aaa'], // new: counted
  [0, INFO, 'aaa'], // the same instant (an SDK retry, a second observe): not counted again
  [1, INFO, 'aaa'], // inside the gap, nothing new
  [2, INFO, undefined], // inside the gap, no digest read
  [3, INFO, 'bbb'], // inside the gap, the digest moved: a write, not a sighting
  [4, INFO, 'bbb'], // inside the gap again, nothing new since
  [10, INFO, 'bbb'], // counted, same digest
  [20, INFO, 'ccc'], // counted, the digest moved
  [21, OTHER_INFO, 'ccc'], // another Info: the count restarts, even inside the gap
  [22, OTHER_INFO, 'ddd'], // inside the gap of the restart, moved
  [40, OTHER_INFO, undefined], // counted without a digest
  [41, INFO, undefined], // back to the first Info: restarts again
];

/** The sightings `observe` returns along the history, and the requests each step sent (when counted). */
async function replay(state: StateStore, counts?: Map<string, number>) {
  const key: LockKey = {
    region: 'eu-west-1',
    table: `locks-${randomUUID()}`,
    lockId: 'acme/app.tfstate',
    id: 'x',
  };
  const steps: { minutes: number; sighting: Sighting; requests?: number }[] = [];
  for (const [minutes, info, digest] of HISTORY) {
    counts?.clear();
    const sighting = await state.observe(key, info, NOW + minutes * MINUTE, GAP, digest, 0);
    steps.push({ minutes, sighting, ...(counts && { requests: total(counts) }) });
  }
  return steps;
}

describe('observe, request by request', () => {
  it('returns the same sightings as the in-memory store, with or without the item on a failed condition', async () => {
    const expected = (await replay(new MemoryStateStore())).map(({ minutes, sighting }) => ({
      minutes,
      sighting,
    }));
    const withOld = await replay(new DynamoStateStore(stateClient, stateTable), sent);
    const withoutOld = await replay(new DynamoStateStore(plainClient, stateTable), plainSent);
    expect(withOld.map(({ minutes, sighting }) => ({ minutes, sighting }))).toEqual(expected);
    expect(withoutOld.map(({ minutes, sighting }) => ({ minutes, sighting }))).toEqual(expected);
    // One request when nothing moved (new, counted, or inside the gap); two when the first update's failed
    // condition shows what else applies (a moved digest, another Info). An engine that does not return the item
    // reads it instead: one request more whenever the first condition fails.
    expect(withOld.map((s) => s.requests)).toEqual([1, 1, 1, 1, 2, 1, 1, 2, 2, 2, 1, 2]);
    expect(withoutOld.map((s) => s.requests)).toEqual([1, 2, 2, 2, 3, 2, 1, 3, 3, 3, 1, 3]);
  });
});

// dynalite 4 drops ReturnValuesOnConditionCheckFailure; the harness's dynalite is taught it (bin/demo/local-dynamo.ts).
// moto implements it as DynamoDB documents it: the same history costs the same requests there.
describeOnMoto('observe against moto', () => {
  let engine: Moto;
  let client: DynamoDBClient;
  beforeAll(async () => {
    engine = await startMoto();
    client = testClient(1, engine.endpoint);
  }, 60_000);
  afterAll(async () => {
    client?.destroy();
    await engine?.stop();
  });

  it('returns the sighting from the failed condition, as the harness dynalite does', async () => {
    const counts = counting(client);
    const table = uniqueName('janitor-state');
    await createStateTable(client, table);
    const steps = await replay(new DynamoStateStore(client, table), counts);
    const expected = await replay(new MemoryStateStore());
    expect(steps.map(({ minutes, sighting }) => ({ minutes, sighting }))).toEqual(
      expected.map(({ minutes, sighting }) => ({ minutes, sighting })),
    );
    expect(steps.map((s) => s.requests)).toEqual([1, 1, 1, 1, 2, 1, 1, 2, 2, 2, 1, 2]);
  });
});
