// Tests: what the DynamoDB lock store sends (projection, digest filter, segments) and that counts stay exact.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MAX_SEGMENTS, scanSegments } from '../lambda/adapters/dynamo-scan';
import { classifyItem } from '../lambda/core/lock-item';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR, lockAged, sweepTables } from './support/janitor';

type Sent = { readonly command: string; readonly input: Record<string, unknown> };

/** A test client that records the input of every command it sends. */
function recordingClient(): { client: DynamoDBClient; sent: Sent[] } {
  const client = testClient();
  const sent: Sent[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push({ command: context.commandName ?? '', input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'recordCommands' },
  );
  return { client, sent };
}

/** The attribute names a request's projection resolves to, sorted. */
function projected(input: Record<string, unknown>): string[] {
  const names = input.ExpressionAttributeNames as Record<string, string>;
  return String(input.ProjectionExpression)
    .split(',')
    .map((p) => names[p.trim()] ?? p.trim())
    .sort();
}

const GiB = 1024 ** 3;

describe('scanSegments', () => {
  it.each([
    [undefined, 1],
    [0, 1],
    [500 * 1024 ** 2, 1],
    [GiB, 1],
    [GiB + 1, 2],
    [3.5 * GiB, 4],
    [100 * GiB, MAX_SEGMENTS],
    [Number.NaN, 1],
  ])('a table of %p bytes is read in %i segment(s)', (bytes, segments) => {
    expect(scanSegments(bytes)).toBe(segments);
  });
});

describe('DynamoLockStore against dynalite', () => {
  const { client, sent } = recordingClient();
  afterAll(() => client.destroy());
  const prefix = uniqueName('store');
  const table = `${prefix}-locks`;
  const DIGESTS = 60;
  const locks = Array.from({ length: 9 }, (_, i) => lockAged(`s${i}.tfstate`, (i + 1) * HOUR));
  const odd = [
    { LockID: { S: 'terragrunt/bare' } },
    { ...lockAged('both.tfstate', HOUR), Digest: { S: 'abc' } },
    { LockID: { S: 'acme/garbled.tfstate' }, Info: { S: '{not json' } },
  ];
  const total = DIGESTS + locks.length + odd.length;

  beforeAll(async () => {
    await createLockTable(client, table);
    const digests = Array.from({ length: DIGESTS }, (_, i) => ({
      ...digestItem('acme', `d${i}.tfstate`),
      // Attributes the janitor must never read.
      Secret: { S: 'customer data' },
    }));
    await putItems(client, table, [...digests, ...locks, ...odd]);
    await createLockTable(client, `${prefix}-other`);
  });
  beforeEach(() => {
    sent.length = 0;
  });

  it('asks every Scan, GetItem and BatchGetItem for LockID, Info and Digest only', async () => {
    // Act
    const store = new DynamoLockStore(client, 'us-east-1', 7);
    for await (const _ of store.scan(table)) {
      /* read it all */
    }
    const item = await store.getItem(table, 'acme/s0.tfstate');
    await sweepTables(client, prefix, { mode: 'report' });
    // Assess
    const reads = sent
      .filter((s) => ['ScanCommand', 'GetItemCommand', 'BatchGetItemCommand'].includes(s.command))
      .flatMap(({ command, input }) =>
        command === 'BatchGetItemCommand'
          ? Object.values(input.RequestItems as Record<string, Record<string, unknown>>).map((r) => ({
              command,
              input: r,
            }))
          : [{ command, input }],
      );
    const kinds = new Set(reads.map((r) => r.command));
    expect([...kinds].sort()).toEqual(['BatchGetItemCommand', 'GetItemCommand', 'ScanCommand']);
    expect(reads.filter((s) => s.command === 'ScanCommand').length).toBeGreaterThan(2);
    for (const { command, input } of reads) {
      expect(projected(input)).toEqual(['Digest', 'Info', 'LockID']);
      if (command === 'ScanCommand') expect(input.Select).toBe('SPECIFIC_ATTRIBUTES');
      if (command !== 'ScanCommand') expect(input.ConsistentRead).toBe(true);
    }
    expect(Object.keys(item ?? {}).sort()).toEqual(['Info', 'LockID']);
  });

  it('reads many items by LockID, 100 keys a call, duplicates once, missing ones left out', async () => {
    // Prepare: every digest and lock, each asked twice, and 40 LockIDs that do not exist.
    const store = new DynamoLockStore(client, 'us-east-1');
    const present = [
      ...Array.from({ length: DIGESTS }, (_, i) => `acme/d${i}.tfstate-md5`),
      ...locks.map((l) => l.LockID.S),
    ];
    const missing = Array.from({ length: 40 }, (_, i) => `acme/none-${i}`);
    const asked = [...present, ...missing, ...present];

    // Act
    const found = await store.getItems(table, asked);

    // Assess: 109 unique keys → two calls (100 + 9); only the projected attributes came back.
    expect([...found.keys()].sort()).toEqual([...present].sort());
    const calls = sent.filter((s) => s.command === 'BatchGetItemCommand');
    const sizes = calls.map((c) => {
      const request = (c.input.RequestItems as Record<string, { Keys: unknown[] }>)[table];
      return request.Keys.length;
    });
    expect(sizes).toEqual([100, 9]);
    expect(found.get('acme/d0.tfstate-md5')).toEqual({
      LockID: { S: 'acme/d0.tfstate-md5' },
      Digest: { S: expect.stringMatching(/^[0-9a-f]{32}$/) },
    });
  });

  it('describes a table that does not exist as undefined, not as an error', async () => {
    const store = new DynamoLockStore(client, 'us-east-1');
    await expect(store.describeTable(`${prefix}-absent`)).resolves.toBeUndefined();
    await expect(store.describeTable(table)).resolves.toMatchObject({ name: table });
  });

  it('leaves digests on the server and still counts every item exactly', async () => {
    // Act
    const store = new DynamoLockStore(client, 'us-east-1', 7);
    let transferred = 0;
    let skipped = 0;
    const kinds: string[] = [];
    for await (const page of store.scan(table)) {
      transferred += page.items.length;
      skipped += page.skippedDigests;
      for (const raw of page.items) {
        expect(raw.Secret).toBeUndefined();
        kinds.push(classifyItem(raw).kind);
      }
    }
    const report = await sweepTables(client, prefix, { mode: 'report' });
    // Assess
    expect(skipped).toBe(DIGESTS);
    expect(transferred).toBe(locks.length + odd.length);
    expect(kinds.filter((k) => k === 'lock')).toHaveLength(locks.length);
    const row = report.tables.find((t) => t.name === table);
    expect(row).toMatchObject({ items: total, digests: DIGESTS + 1, locks: locks.length, unparseable: 2 });
    expect(report.unparseable.map((u) => u.lockId).sort()).toEqual([
      'acme/both.tfstate',
      'acme/garbled.tfstate',
    ]);
  });

  it('reads every item exactly once in parallel segments', async () => {
    // Act
    const store = new DynamoLockStore(client, 'us-east-1', { pageSize: 5, segments: () => 4 });
    const ids: string[] = [];
    let skipped = 0;
    for await (const page of store.scan(table)) {
      skipped += page.skippedDigests;
      for (const raw of page.items) ids.push((raw.LockID as { S: string }).S);
    }
    // Assess
    expect(ids.length + skipped).toBe(total);
    expect(new Set(ids).size).toBe(ids.length);
    const segments = sent.filter((s) => s.command === 'ScanCommand').map((s) => s.input.Segment);
    expect([...new Set(segments)].sort()).toEqual([0, 1, 2, 3]);
    expect(sent.every((s) => s.command !== 'ScanCommand' || s.input.TotalSegments === 4)).toBe(true);
  });

  it('reads at most a page or two ahead of the reader in each segment', async () => {
    // Prepare
    const store = new DynamoLockStore(client, 'us-east-1', { pageSize: 2, segments: () => 3 });
    // Act
    for await (const _ of store.scan(table)) break;
    await new Promise((r) => setTimeout(r, 200));
    const after = sent.length;
    await new Promise((r) => setTimeout(r, 200));
    // Assess: at most one page ahead per segment was requested, and nothing after the stop settled.
    expect(sent.length).toBe(after);
    expect(after).toBeLessThanOrEqual(3 * 3);
  });

  it('describes each table once and reads the tags of each lock table once during a sweep', async () => {
    // Act
    await sweepTables(client, prefix, { mode: 'report' });
    // Assess
    const ours = (s: Sent) => String(s.input.TableName ?? s.input.ResourceArn).includes(prefix);
    const count = (command: string) => sent.filter((s) => s.command === command && ours(s)).length;
    expect(count('DescribeTableCommand')).toBe(2);
    expect(count('ListTagsOfResourceCommand')).toBe(2);
  });
});
