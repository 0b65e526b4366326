// Benchmark: fixtures (lock tables and items at scale).
import {
  type AttributeValue,
  BatchWriteItemCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableReady, LOCK_TABLE_SCHEMA, STATE_TABLE_SCHEMA } from '../bin/demo/tables';
import { digestItem, lockItem } from '../bin/demo/terraform-lock';
import { mapBounded } from '../lambda/core/bounded';

export const REGION = 'us-east-1';
const BUCKET = 'acme-tfstate';
const HOUR = 3_600_000;
/** Writes in flight while seeding: enough to keep dynalite's core busy. */
const SEED_CONCURRENCY = 16;

export type Item = Record<string, { S: string }>;

/** The one client settings used for every measurement: fake credentials, the SDK's default retries. */
export function benchClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: REGION,
    credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' },
  });
}

/**
 * A lock table of `size` items as an account with many states has it: one digest per state, and a lock on 1 %
 * of the states, half of them stale (48 h old) and half fresh (5 min old).
 */
export function lockTableItems(size: number, nowMs: number, lockShare = 0.01): Item[] {
  const locks = Math.round(size * lockShare);
  const items: Item[] = [];
  for (let i = 0; items.length < size; i++) {
    const path = `team-${i % 37}/stack-${i}/terraform.tfstate`;
    items.push(digestItem(BUCKET, path));
    if (i < locks) {
      const stale = i % 2 === 0;
      items.push(
        lockItem({
          bucket: BUCKET,
          path,
          operation: 'OperationTypeApply',
          who: `runner@ip-10-0-${i % 250}-${i % 200}`,
          createdMs: nowMs - (stale ? 48 * HOUR : 5 * 60_000),
          subMillis: '123456',
        }),
      );
    }
  }
  return items.slice(0, size);
}

/** `count` Terraform locks and nothing else (half 48 h old, half 5 min old): every item a lock the sweep holds. */
export function heldLockItems(count: number, nowMs: number): Item[] {
  return Array.from({ length: count }, (_, i) =>
    lockItem({
      bucket: BUCKET,
      path: `team-${i % 37}/stack-${i}/terraform.tfstate`,
      operation: 'OperationTypeApply',
      who: `runner@ip-10-0-${i % 250}-${i % 200}`,
      createdMs: nowMs - (i % 2 === 0 ? 48 * HOUR : 5 * 60_000),
      subMillis: '123456',
    }),
  );
}

/** Creates a table with Terraform's lock schema (hash key `LockID`, type S), on demand, ready for writes. */
export async function createLockTable(client: DynamoDBClient, name: string): Promise<void> {
  await createTableReady(client, { TableName: name, ...LOCK_TABLE_SCHEMA });
}

/** BatchWriteItem, 25 items a request, `SEED_CONCURRENCY` requests in flight, unprocessed items retried. */
export async function putItems(client: DynamoDBClient, table: string, items: readonly Item[]): Promise<void> {
  const batches: Item[][] = [];
  for (let i = 0; i < items.length; i += 25) batches.push(items.slice(i, i + 25));
  await mapBounded(batches, SEED_CONCURRENCY, async (batch) => {
    let requests = batch.map((Item) => ({ PutRequest: { Item } }));
    while (requests.length) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  });
}

/** The janitor's state table: pk S + sk S (see lambda/adapters/dynamo-state-store.ts). */
export async function createStateTable(client: DynamoDBClient, name: string): Promise<void> {
  await createTableReady(client, { TableName: name, ...STATE_TABLE_SCHEMA });
}

/**
 * Read request units of a consistent Scan of the whole table: each page's item bytes rounded up to 4 KB, items
 * sized by DynamoDB's rules (see `attributeBytes`). dynalite's ReturnConsumedCapacity ignores ConsistentRead on
 * Scan (it always halves), so the units are computed here from what the Scan returns.
 */
export async function scanReadUnits(client: DynamoDBClient, table: string): Promise<number> {
  let units = 0;
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    let bytes = 0;
    for (const item of page.Items ?? []) {
      for (const [name, value] of Object.entries(item))
        bytes += Buffer.byteLength(name) + attributeBytes(value);
    }
    units += Math.ceil(bytes / 4096);
    start = page.LastEvaluatedKey;
  } while (start);
  return units;
}

/** DynamoDB's size of a value: UTF-8 bytes of a string, ~1 byte per 2 digits + 1 of a number, 1 of a boolean. */
export function attributeBytes(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S);
  if (value.N !== undefined)
    return Math.ceil(value.N.replace(/[^0-9]/g, '').replace(/^0+|0+$/g, '').length / 2) + 1;
  if (value.B !== undefined) return value.B.length;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  return Buffer.byteLength(JSON.stringify(value));
}
