// Adapter: the state table's memory of failing lock tables.
import { DeleteItemCommand, type DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { TableRef } from '../core/ports';
import { callOptions } from './call-signal';
import { inParallel, onStateTable, queryPartition, unlessConditionFailed } from './state-table';

/**
 * The memory of failing lock tables in the state table, so that a table that keeps failing is alerted on
 * once per `realertAfter`, not on every run: pk `TABLEFAIL#<region>`, sk the table name (`*` for the region's
 * listing); attributes lastFailed and lastAlerted? (epoch ms) and expiresAt (TTL), so a failure nobody sees
 * again is forgotten.
 */
export class TableFailureMemory {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly ttlSeconds: number,
  ) {}

  /** Records the failures (one update each) and deletes the remembered failures of recovered tables. */
  async note(
    failed: readonly TableRef[],
    recovered: readonly TableRef[],
    nowMs: number,
  ): Promise<(number | undefined)[]> {
    await this.forget(recovered);
    const lastAlerted: (number | undefined)[] = [];
    await inParallel([...failed.keys()], 8, async (i) => {
      const { Attributes } = await onStateTable(
        this.tableName,
        this.client.send(
          new UpdateItemCommand({
            TableName: this.tableName,
            Key: failureKey(failed[i]),
            UpdateExpression: 'SET lastFailed = :now, expiresAt = :expiresAt',
            ExpressionAttributeValues: {
              ':now': { N: String(nowMs) },
              ':expiresAt': { N: String(Math.floor(nowMs / 1000) + this.ttlSeconds) },
            },
            ReturnValues: 'ALL_NEW',
          }),
          callOptions(),
        ),
      );
      const alerted = Attributes?.lastAlerted?.N;
      lastAlerted[i] = alerted === undefined ? undefined : Number(alerted);
    });
    return failed.map((_, i) => lastAlerted[i]);
  }

  /** Sets lastAlerted on each remembered failure. */
  async markAlerted(tables: readonly TableRef[], nowMs: number): Promise<void> {
    await inParallel(tables, 8, async (t) => {
      const update = new UpdateItemCommand({
        TableName: this.tableName,
        Key: failureKey(t),
        ConditionExpression: 'attribute_exists(pk)',
        UpdateExpression: 'SET lastAlerted = :now',
        ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
      });
      await onStateTable(this.tableName, this.client.send(update, callOptions())).catch(
        unlessConditionFailed,
      );
    });
  }

  /** Deletes the remembered failures of these tables: one Query per region, a delete only where one exists. */
  private async forget(recovered: readonly TableRef[]): Promise<void> {
    const regions = new Set(recovered.map((t) => t.region));
    for (const region of regions) {
      const names = new Set(recovered.filter((t) => t.region === region).map((t) => t.table));
      for await (const page of queryPartition(this.client, this.tableName, `TABLEFAIL#${region}`)) {
        const present = page.filter((item) => names.has(item.sk?.S ?? ''));
        await inParallel(present, 8, async ({ pk, sk }) => {
          const command = new DeleteItemCommand({ TableName: this.tableName, Key: { pk, sk } });
          await onStateTable(this.tableName, this.client.send(command, callOptions()));
        });
      }
    }
  }
}

function failureKey(t: TableRef) {
  return { pk: { S: `TABLEFAIL#${t.region}` }, sk: { S: t.table } };
}
