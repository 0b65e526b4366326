// Adapter: consistent reads of many lock-table items by LockID (BatchGetItem, projected, unprocessed keys retried).
import { type AttributeValue, BatchGetItemCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { RawItem } from '../core/lock-item';
import { plural } from '../core/message/format';
import { callOptions } from './call-signal';
import { PROJECTION } from './dynamo-scan';

/**
 * The items of `lockIds` that exist, by LockID: 100 keys a call (duplicates asked once), each with the lock
 * projection, so the same IAM attribute conditions as Scan and GetItem hold.
 */
export async function batchGetLocks(
  client: DynamoDBClient,
  table: string,
  lockIds: readonly string[],
): Promise<Map<string, RawItem>> {
  const found = new Map<string, RawItem>();
  const unique = [...new Set(lockIds)];
  for (let i = 0; i < unique.length; i += BATCH_GET_KEYS) {
    const keys = unique.slice(i, i + BATCH_GET_KEYS).map((id) => ({ LockID: { S: id } }));
    for (const item of await batchGet(client, table, keys)) {
      const id = item.LockID?.S;
      if (typeof id === 'string') found.set(id, item as RawItem);
    }
  }
  return found;
}

/** BatchGetItem's limit of keys per request. */
const BATCH_GET_KEYS = 100;
/** Calls of one batch at most while DynamoDB keeps returning keys unprocessed (throttling, 16 MB responses). */
const BATCH_GET_ATTEMPTS = 6;

type Key = Record<string, AttributeValue>;

/** One batch of keys, its UnprocessedKeys asked again with backoff; throws when some are never read. */
async function batchGet(client: DynamoDBClient, table: string, keys: Key[]): Promise<Key[]> {
  const items: Key[] = [];
  let pending = keys;
  for (let attempt = 1; pending.length > 0; attempt++) {
    if (attempt > BATCH_GET_ATTEMPTS)
      throw new Error(
        `BatchGetItem of ${table} left ${plural(pending.length, 'key')} unprocessed after ${BATCH_GET_ATTEMPTS} calls (throttled); they were not read this run`,
      );
    if (attempt > 1) await sleep(backoffMs(attempt));
    const out = await client.send(
      new BatchGetItemCommand({
        RequestItems: { [table]: { Keys: pending, ConsistentRead: true, ...PROJECTION } },
      }),
      callOptions(),
    );
    items.push(...(out.Responses?.[table] ?? []));
    pending = out.UnprocessedKeys?.[table]?.Keys ?? [];
  }
  return items;
}

/** Full jitter on 50 ms × 2^(attempt - 2): 50, 100, 200, 400, 800 ms at most. */
function backoffMs(attempt: number): number {
  return Math.random() * 50 * 2 ** (attempt - 2);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
