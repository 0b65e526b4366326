// Tests: the DynamoDB state store against dynalite.
import { randomUUID } from 'node:crypto';
import { DeleteTableCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoStateStore, listAudit } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { auditKey, type StateItem, sightingKey } from '../lambda/adapters/state-keys';
import { JanitorError } from '../lambda/core/errors';
import type { AuditRecord, LockKey } from '../lambda/core/ports';
import { createStateTable } from './support/dynamo';

const client = new DynamoDBClient({
  endpoint: process.env.DYNAMO_ENDPOINT,
  region: 'us-east-1',
  credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  maxAttempts: 1,
});
const tableName = `janitor-state-${randomUUID()}`;
const store = new DynamoStateStore(client, tableName);

const T0 = Date.parse('2025-03-01T10:00:00Z');
const MINUTE = 60_000;

let tables = 0;
/** A lock table of its own for each test, so tests never see each other's sightings. */
const freshTable = (): string => `terraform-locks-${++tables}`;

const lockKey = (
  table: string,
  lockId = 'my-state-bucket/env/prod/terraform.tfstate',
  id: string = randomUUID(),
): LockKey => ({
  region: 'eu-west-1',
  table,
  lockId,
  id,
});

/** `Info` as Terraform writes it (statemgr.LockInfo JSON). */
const infoOf = (key: LockKey, who = 'runner@ci-42'): string =>
  JSON.stringify({
    ID: key.id,
    Operation: 'OperationTypeApply',
    Info: '',
    Who: who,
    Version: '1.9.5',
    Created: '2025-03-01T09:00:00.123456789Z',
    Path: key.lockId,
  });

const auditRecord = (key: LockKey, overrides: Partial<AuditRecord> = {}): AuditRecord => ({
  ...key,
  action: 'deleted',
  info: infoOf(key),
  rule: 'ci-plans',
  reason: 'rule "ci-plans": age 3h >= deleteAfter 2h, seen on 2 runs',
  runId: 'run-1',
  at: '2025-03-01T10:00:00.000Z',
  ...overrides,
});

const rawItem = async (key: StateItem) =>
  (await client.send(new GetItemCommand({ TableName: tableName, Key: key, ConsistentRead: true }))).Item;

beforeAll(() => createStateTable(client, tableName));

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
});

describe('observe', () => {
  it('counts each run that sees the same Info and keeps the first sighting', async () => {
    const key = lockKey(freshTable());
    const sightings = [];
    for (const nowMs of [T0, T0 + MINUTE, T0 + 2 * MINUTE])
      sightings.push(await store.observe(key, infoOf(key), nowMs));
    expect(sightings).toEqual([
      { count: 1, firstSeenMs: T0 },
      { count: 2, firstSeenMs: T0 },
      { count: 3, firstSeenMs: T0 },
    ]);
  });

  it.each([
    ['7 days by default', undefined, 7 * 24 * 3600],
    ['the configured time', 3600, 3600],
  ])('lets a sighting expire %s after it was last seen', async (_, sightingTtlSeconds, ttl) => {
    const key = lockKey(freshTable());
    const custom = new DynamoStateStore(client, tableName, { sightingTtlSeconds });
    await custom.observe(key, infoOf(key), T0);
    await custom.observe(key, infoOf(key), T0 + MINUTE);
    const item = await rawItem(sightingKey(key));
    expect(item?.expiresAt).toEqual({ N: String((T0 + MINUTE) / 1000 + ttl) });
    expect(item?.lastSeen).toEqual({ N: String(T0 + MINUTE) });
  });

  it('rejects a sighting lifetime that is not a positive whole number of seconds', () => {
    expect(() => new DynamoStateStore(client, tableName, { sightingTtlSeconds: 0 })).toThrow(JanitorError);
    expect(() => new DynamoStateStore(client, tableName, { sightingTtlSeconds: 1.5 })).toThrow(
      /sightingTtlSeconds/,
    );
  });

  it('restarts the count when the same lock ID holds different Info', async () => {
    const key = lockKey(freshTable());
    const [a, b] = [infoOf(key, 'alice@laptop'), infoOf(key, 'bob@laptop')];
    await store.observe(key, a, T0);
    expect(await store.observe(key, a, T0 + MINUTE)).toMatchObject({ count: 2 });
    expect(await store.observe(key, b, T0 + 2 * MINUTE)).toEqual({ count: 1, firstSeenMs: T0 + 2 * MINUTE });
    expect(await store.observe(key, b, T0 + 3 * MINUTE)).toEqual({ count: 2, firstSeenMs: T0 + 2 * MINUTE });
    expect(await store.observe(key, a, T0 + 4 * MINUTE)).toEqual({ count: 1, firstSeenMs: T0 + 4 * MINUTE });
  });

  it.each([
    ['the DynamoDB state store', () => store],
    ['the in-memory state store', () => new MemoryStateStore()],
  ])(
    'counts only sightings at least the gap apart (%s): invocations a second apart are one',
    async (_n, make) => {
      const state = make();
      const key = lockKey(freshTable());
      const gap = 5 * MINUTE;
      expect(await state.observe(key, infoOf(key), T0, gap)).toMatchObject({ count: 1 });
      expect(await state.observe(key, infoOf(key), T0 + 1000, gap)).toMatchObject({ count: 1 });
      expect(await state.observe(key, infoOf(key), T0 + 4 * MINUTE, gap)).toMatchObject({ count: 1 });
      expect(await state.observe(key, infoOf(key), T0 + 5 * MINUTE, gap)).toMatchObject({ count: 2 });
      expect(await state.observe(key, infoOf(key), T0 + 6 * MINUTE, gap)).toMatchObject({ count: 2 });
      expect(await state.observe(key, infoOf(key), T0 + 10 * MINUTE, gap)).toEqual({
        count: 3,
        firstSeenMs: T0,
      });
    },
  );

  it('counts a run once even when it observes the same lock twice (or the SDK retries)', async () => {
    const key = lockKey(freshTable());
    await store.observe(key, infoOf(key), T0);
    expect(await store.observe(key, infoOf(key), T0 + MINUTE)).toEqual({ count: 2, firstSeenMs: T0 });
    expect(await store.observe(key, infoOf(key), T0 + MINUTE)).toEqual({ count: 2, firstSeenMs: T0 });
  });

  it.each([
    ['a new lock', false],
    ['a lock whose Info just changed', true],
  ])('counts two runs that observe %s at once as 1 and 2', async (_, seeded) => {
    for (let i = 0; i < 10; i++) {
      const key = lockKey(freshTable());
      if (seeded) await store.observe(key, infoOf(key, 'someone@else'), T0 - MINUTE);
      const runs = await Promise.all([T0, T0 + 1].map((nowMs) => store.observe(key, infoOf(key), nowMs)));
      expect(runs.map((s) => s.count).sort()).toEqual([1, 2]);
    }
  });
});

const STORES = [
  ['the DynamoDB state store', () => store],
  ['the in-memory state store', () => new MemoryStateStore()],
] as const;

describe('observe with the state digest', () => {
  it.each(STORES)(
    'remembers when a sighting saw the digest move (within the gap too), and keeps it while the digest stays (%s)',
    async (_n, make) => {
      const state = make();
      const key = lockKey(freshTable());
      const info = infoOf(key);
      const at = (minutes: number, digest?: string) =>
        state.observe(key, info, T0 + minutes * MINUTE, 5 * MINUTE, digest);
      // Steps: [minutes, digest read this run, the write remembered after it]
      const steps: [number, string | undefined, number | undefined][] = [
        [0, 'aaa', undefined], // first sighting: nothing to compare with
        [5, 'aaa', undefined], // same digest: no write
        [10, 'bbb', T0 + 10 * MINUTE], // moved: written between 5 and 10, noticed at 10
        [12, 'ccc', T0 + 12 * MINUTE], // within the gap: not counted, but a moved digest is a sign of life
        [15, undefined, T0 + 12 * MINUTE], // not read this run: the write is kept
        [20, 'bbb', T0 + 20 * MINUTE], // moved from ccc, the last one seen
        [25, 'ddd', T0 + 25 * MINUTE], // moved again
        [30, 'ddd', T0 + 25 * MINUTE],
      ];
      for (const [minutes, digest, lastWriteMs] of steps) {
        const sighting = await at(minutes, digest);
        expect({ minutes, lastWriteMs: sighting.lastWriteMs }).toEqual({ minutes, lastWriteMs });
      }
      expect(await at(35)).toMatchObject({ count: 8, firstSeenMs: T0 });
    },
  );

  it.each(STORES)('forgets the write when the Info changes (%s)', async (_n, make) => {
    const state = make();
    const key = lockKey(freshTable());
    await state.observe(key, infoOf(key), T0, 0, 'aaa');
    expect(await state.observe(key, infoOf(key), T0 + MINUTE, 0, 'bbb')).toMatchObject({
      lastWriteMs: T0 + MINUTE,
    });
    const other = infoOf(key, 'bob@laptop');
    const restarted = await state.observe(key, other, T0 + 2 * MINUTE, 0, 'ccc');
    expect(restarted).toEqual({ count: 1, firstSeenMs: T0 + 2 * MINUTE });
    // The digest the restart read is remembered: the next change is a write again.
    expect(await state.observe(key, other, T0 + 3 * MINUTE, 0, 'ccc')).not.toHaveProperty('lastWriteMs');
    expect(await state.observe(key, other, T0 + 4 * MINUTE, 0, 'ddd')).toMatchObject({
      lastWriteMs: T0 + 4 * MINUTE,
    });
  });

  it('keeps the digest and the write on the sighting item', async () => {
    const key = lockKey(freshTable());
    await store.observe(key, infoOf(key), T0, 0, 'aaa');
    await store.observe(key, infoOf(key), T0 + MINUTE, 0, 'bbb');
    const item = await rawItem(sightingKey(key));
    expect(item).toMatchObject({
      digest: { S: 'bbb' },
      lastWrite: { N: String(T0 + MINUTE) },
      count: { N: '2' },
    });
  });
});

describe('markAlerted', () => {
  it("shows the alert time in the next run's sighting, and keeps it when the Info changes", async () => {
    const table = freshTable();
    const [key, other] = [lockKey(table), lockKey(table)];
    await store.observe(key, infoOf(key), T0);
    await store.observe(other, infoOf(other), T0);
    await store.markAlerted([key], T0 + 1);
    expect(await store.observe(key, infoOf(key), T0 + MINUTE)).toEqual({
      count: 2,
      firstSeenMs: T0,
      lastAlertedMs: T0 + 1,
    });
    expect(await store.observe(other, infoOf(other), T0 + MINUTE)).toEqual({ count: 2, firstSeenMs: T0 });
    expect(await store.observe(key, infoOf(key, 'x@y'), T0 + 2 * MINUTE)).toMatchObject({
      lastAlertedMs: T0 + 1,
    });
  });

  it('ignores a lock it has no sighting of, and does not create one', async () => {
    const key = lockKey(freshTable());
    await expect(store.markAlerted([key], T0)).resolves.toBeUndefined();
    expect(await store.observe(key, infoOf(key), T0 + MINUTE)).toEqual({
      count: 1,
      firstSeenMs: T0 + MINUTE,
    });
  });
});

describe('forgetGone', () => {
  it('forgets unseen locks of scanned tables only, and returns those that had been alerted', async () => {
    const [t1, t2, notScanned] = [freshTable(), freshTable(), freshTable()];
    const goneAlerted = lockKey(t1);
    const goneQuiet = lockKey(t1);
    const stillThere = lockKey(t1);
    const stillThereAlerted = lockKey(t2);
    const otherTable = lockKey(notScanned);
    const otherRegion = { ...lockKey(t1), region: 'us-west-2' };
    const all = [goneAlerted, goneQuiet, stillThere, stillThereAlerted, otherTable, otherRegion];
    for (const key of all) await store.observe(key, infoOf(key), T0);
    await store.markAlerted([goneAlerted, stillThereAlerted, otherTable, otherRegion], T0);

    const resolved = await store.forgetGone(
      [
        { region: 'eu-west-1', table: t1 },
        { region: 'eu-west-1', table: t2 },
      ],
      [stillThere, stillThereAlerted],
      T0 + MINUTE,
    );

    expect(resolved).toEqual([goneAlerted]);
    const next = await Promise.all(all.map((key) => store.observe(key, infoOf(key), T0 + 2 * MINUTE)));
    expect(next.map((s) => s.count)).toEqual([1, 1, 2, 2, 2, 2]);
  });

  it('tells the IDs of one LockID apart, however many of them the run saw', async () => {
    const table = freshTable();
    const [first, second, gone] = [lockKey(table), lockKey(table), lockKey(table)];
    const elsewhere = { ...first, table: freshTable() };
    for (const key of [first, second, gone]) await store.observe(key, infoOf(key), T0);
    await store.markAlerted([first, second, gone], T0);
    // Seen: two IDs of the LockID in this table (and the first one's in a table not read).
    const resolved = await store.forgetGone(
      [{ region: 'eu-west-1', table }],
      [first, elsewhere, second],
      T0 + MINUTE,
    );
    expect(resolved).toEqual([gone]);
    const next = await Promise.all(
      [first, second, gone].map((k) => store.observe(k, infoOf(k), T0 + 2 * MINUTE)),
    );
    expect(next.map((s) => s.count)).toEqual([2, 2, 1]);
  });

  it('keeps a sighting that a later run saw after this one started', async () => {
    const table = freshTable();
    const key = lockKey(table);
    await store.observe(key, infoOf(key), T0);
    await store.markAlerted([key], T0);
    await store.observe(key, infoOf(key), T0 + 2 * MINUTE);
    expect(await store.forgetGone([{ region: 'eu-west-1', table }], [], T0 + MINUTE)).toEqual([]);
    expect(await store.observe(key, infoOf(key), T0 + 3 * MINUTE)).toMatchObject({ count: 3 });
  });

  it('reads every page of a large table of sightings', async () => {
    const table = freshTable();
    // ~3 KB per sighting: 400 of them span more than one 1 MB Query page.
    const keys = Array.from({ length: 400 }, (_, i) => lockKey(table, `${'p/'.repeat(1500)}${i}`));
    await Promise.all(keys.map((key) => store.observe(key, infoOf(key), T0)));
    await store.markAlerted(keys, T0);
    const resolved = await store.forgetGone([{ region: 'eu-west-1', table }], [], T0 + MINUTE);
    expect(resolved).toHaveLength(400);
    expect(new Set(resolved.map((k) => k.lockId))).toEqual(new Set(keys.map((k) => k.lockId)));
  });
});

describe('audit', () => {
  it('keeps every record, lists them oldest first with all fields, and never expires them', async () => {
    const table = freshTable();
    const key = lockKey(table);
    const first = auditRecord(key, { at: '2025-03-01T10:00:00.000Z' });
    const second = auditRecord(key, {
      at: '2025-03-01T09:00:00.000Z',
      action: 'released',
      runId: 'release-7',
    });
    const elsewhere = auditRecord(lockKey(freshTable()));
    for (const record of [first, second, elsewhere]) await store.audit(record);

    expect(await listAudit(client, tableName, 'eu-west-1', table)).toEqual([second, first]);
    expect(Object.keys((await rawItem(auditKey(first))) ?? {})).not.toContain('expiresAt');
  });

  it('stores the same record once when it is written twice, and a different one alongside', async () => {
    const table = freshTable();
    const record = auditRecord(lockKey(table));
    const sameInstant = { ...record, reason: 'another reason' };
    await store.audit(record);
    await store.audit(record);
    await store.audit(sameInstant);
    expect(await listAudit(client, tableName, 'eu-west-1', table)).toEqual([record, sameInstant].sort(bySk));
  });

  it('never overwrites an item that already holds the record key', async () => {
    const table = freshTable();
    const record = auditRecord(lockKey(table));
    const squatter = { ...auditKey(record), note: { S: 'not this record' } };
    await client.send(new PutItemCommand({ TableName: tableName, Item: squatter }));
    await expect(store.audit(record)).rejects.toThrow(JanitorError);
    expect(await rawItem(auditKey(record))).toEqual(squatter);
  });
});

describe('keys', () => {
  const long = 'x'.repeat(999);
  const emoji = '🔒'.repeat(1000);
  const table = freshTable();
  const keys: LockKey[] = [
    lockKey(table, 'a#b', 'c'),
    lockKey(table, 'a', 'b#c'),
    lockKey(table, 'a#', 'b#c'),
    lockKey(table, 'bucket/env/prod/terraform.tfstate', 'id'),
    lockKey(table, 'bucket/env/prod', '/terraform.tfstate#id'),
    lockKey(table, 'bucket/🚀/état/terraform.tfstate', 'id'),
    lockKey(table, `${long}a`, 'id'),
    lockKey(table, `${long}b`, 'id'),
    lockKey(table, emoji, 'id'),
    lockKey(table, `${emoji}🔑`, 'id'),
    lockKey(table, '["a","b"]', ''),
    lockKey(table, '', '["a","b"]'),
  ];

  it('gives every lock its own sighting, whatever the characters and length of its LockID', async () => {
    const sameInfo = '{"ID":"same"}';
    const sightings = await Promise.all(keys.map((key) => store.observe(key, sameInfo, T0)));
    expect(sightings.map((s) => s.count)).toEqual(keys.map(() => 1));
    await store.markAlerted(keys, T0);
    const resolved = await store.forgetGone([{ region: 'eu-west-1', table }], [], T0 + MINUTE);
    expect(resolved.map((k) => JSON.stringify(k)).sort()).toEqual(keys.map((k) => JSON.stringify(k)).sort());
  });

  it('gives every lock its own audit record and returns its LockID intact', async () => {
    const records = keys.map((key) => auditRecord(key));
    await Promise.all(records.map((record) => store.audit(record)));
    const listed = await listAudit(client, tableName, 'eu-west-1', table);
    expect(listed.sort(bySk)).toEqual([...records].sort(bySk));
  });
});

describe('a missing state table', () => {
  const missing = `no-such-state-table-${randomUUID()}`;
  const gone = new DynamoStateStore(client, missing);
  const key = lockKey('terraform-locks');

  it.each<[string, () => Promise<unknown>]>([
    ['observe', () => gone.observe(key, infoOf(key), T0)],
    ['markAlerted', () => gone.markAlerted([key], T0)],
    ['forgetGone', () => gone.forgetGone([{ region: 'eu-west-1', table: 'terraform-locks' }], [], T0)],
    ['audit', () => gone.audit(auditRecord(key))],
    ['listAudit', () => listAudit(client, missing, 'eu-west-1', 'terraform-locks')],
  ])('%s names the table and says how to fix it', async (_, call) => {
    const error = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(JanitorError);
    expect((error as Error).message).toContain(`"${missing}"`);
    expect((error as Error).message).toMatch(/deploy the stack .*--state-table/);
  });
});

function bySk(a: AuditRecord, b: AuditRecord): number {
  const [ka, kb] = [auditKey(a).sk.S ?? '', auditKey(b).sk.S ?? ''];
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}
