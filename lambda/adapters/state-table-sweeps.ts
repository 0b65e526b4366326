// Adapter: the state table's memory of each place's last complete sweep (when the janitor last read it in full).
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { TableRef } from '../core/ports';
import { callOptions } from './call-signal';
import { inParallel, onStateTable, unlessConditionFailed } from './state-table';

/**
 * When each place (a lock table, or `s3://<bucket>`) was last read in full: pk `SWEPT#<region>`, sk the place,
 * attributes `at` (epoch ms, the run's clock when the read ended) and expiresAt (TTL). A later time never gives
 * way to an earlier one (two runs may end out of order).
 */
export class SweepMemory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {}

  /** The end of the place's last complete sweep (consistent read); undefined when none is remembered. */
  async lastComplete(place: TableRef): Promise<number | undefined> {
    const get = new GetItemCommand({ TableName: this.tableName, Key: sweepKey(place), ConsistentRead: true });
    const { Item } = await onStateTable(this.tableName, this.client.send(get, callOptions()));
    const at = Item?.at?.N;
    return at === undefined ? undefined : Number(at);
  }

  /** Remembers that these places were read in full by a sweep that ended at `atMs`. */
  async noteComplete(places: readonly TableRef[], atMs: number): Promise<void> {
    await inParallel(places, 8, async (place) => {
      const update = new UpdateItemCommand({
        TableName: this.tableName,
        Key: sweepKey(place),
        ConditionExpression: 'attribute_not_exists(#at) OR #at < :at',
        UpdateExpression: 'SET #at = :at, expiresAt = :expiresAt',
        ExpressionAttributeNames: { '#at': 'at' },
        ExpressionAttributeValues: {
          ':at': { N: String(atMs) },
          ':expiresAt': { N: String(Math.floor(atMs / 1000) + this.ttlSeconds) },
        },
      });
      await onStateTable(this.tableName, this.client.send(update, callOptions())).catch(
        unlessConditionFailed,
      );
    });
  }
}

function sweepKey(t: TableRef) {
  return { pk: { S: `SWEPT#${t.region}` }, sk: { S: t.table } };
}
