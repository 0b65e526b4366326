// Adapter: the LockStore port over DynamoDB lock tables (list, describe, tags, scan, reads, guarded delete).
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DescribeTableCommand,
  type DynamoDBClient,
  GetItemCommand,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  ResourceNotFoundException,
  type TableDescription as TableDescriptionOutput,
} from '@aws-sdk/client-dynamodb';
import type { RawItem } from '../core/lock-item';
import type { DeleteResult, LockStore, ScanPage, TableDescription } from '../core/ports';
import { callOptions } from './call-signal';
import { batchGetLocks } from './dynamo-batch-get';
import { PROJECTION, scanSegments, scanTable } from './dynamo-scan';
import { PageKeys } from './pagination';

/** How a lock store reads. */
export type DynamoLockStoreOptions = {
  /** Items per Scan page. @default the server's 1 MB pages */
  readonly pageSize?: number;
  /** Parallel Scan segments for a table of this many bytes. @default scanSegments (one per GiB, at most 8) */
  readonly segments?: (sizeBytes: number | undefined) => number;
};

/** The lock tables of one region, read and written through one DynamoDB client. */
export class DynamoLockStore implements LockStore {
  /** TableSizeBytes of each table described, which sets the table's Scan segments without another call. */
  private readonly sizes = new Map<string, number>();
  private readonly segmentsFor: (sizeBytes: number | undefined) => number;
  private readonly options: DynamoLockStoreOptions;

  /** @param options a number is the page size (items per Scan page; @default the server's 1 MB pages) */
  constructor(
    private readonly client: DynamoDBClient,
    readonly region: string,
    options: number | DynamoLockStoreOptions = {},
  ) {
    this.options = typeof options === 'number' ? { pageSize: options } : options;
    this.segmentsFor = this.options.segments ?? scanSegments;
  }

  async *listTables(): AsyncIterable<string> {
    const keys = new PageKeys<string>('ListTables');
    let start: string | undefined;
    do {
      const page = await this.client.send(
        new ListTablesCommand({ ExclusiveStartTableName: start }),
        callOptions(),
      );
      yield* page.TableNames ?? [];
      start = keys.next(page.LastEvaluatedTableName);
    } while (start);
  }

  async describeTable(name: string): Promise<TableDescription | undefined> {
    let t: TableDescriptionOutput | undefined;
    try {
      t = (await this.client.send(new DescribeTableCommand({ TableName: name }), callOptions())).Table;
    } catch (e) {
      if (e instanceof ResourceNotFoundException || (e as Error).name === 'ResourceNotFoundException')
        return undefined;
      throw e;
    }
    if (t?.TableSizeBytes !== undefined) this.sizes.set(name, t.TableSizeBytes);
    return {
      name,
      arn: t?.TableArn ?? '',
      keySchema: (t?.KeySchema ?? []).map((k) => ({ name: k.AttributeName ?? '', keyType: k.KeyType ?? '' })),
      attributeTypes: Object.fromEntries(
        (t?.AttributeDefinitions ?? []).map((a) => [a.AttributeName ?? '', a.AttributeType ?? '']),
      ),
    };
  }

  /** Every error propagates (a missing tagging API included): the caller fails closed. */
  async listTags(arn: string): Promise<Record<string, string>> {
    const tags: Record<string, string> = {};
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListTagsOfResourceCommand({ ResourceArn: arn, NextToken: token }),
        callOptions(),
      );
      for (const tag of page.Tags ?? []) if (tag.Key) tags[tag.Key] = tag.Value ?? '';
      token = page.NextToken;
    } while (token);
    return tags;
  }

  /** Streams the table's pages: three attributes, digests counted rather than read, segments by size. */
  scan(table: string): AsyncIterable<ScanPage> {
    const segments = this.segmentsFor(this.sizes.get(table));
    return scanTable(this.client, table, { pageSize: this.options.pageSize, segments });
  }

  async getItem(table: string, lockId: string): Promise<RawItem | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: table,
        Key: { LockID: { S: lockId } },
        ConsistentRead: true,
        ...PROJECTION,
      }),
      callOptions(),
    );
    return Item as RawItem | undefined;
  }

  async getItems(table: string, lockIds: readonly string[]): Promise<Map<string, RawItem>> {
    return batchGetLocks(this.client, table, lockIds);
  }

  async deleteIfUnchanged(table: string, lockId: string, rawInfo: string): Promise<DeleteResult> {
    try {
      // Like OpenTofu >= 1.10's unlock, but on the raw bytes read rather than a re-marshalled Info: any
      // change (release, re-lock with a new ID) fails the condition and nothing is deleted.
      await this.client.send(
        new DeleteItemCommand({
          TableName: table,
          Key: { LockID: { S: lockId } },
          ConditionExpression: '#info = :info',
          ExpressionAttributeNames: { '#info': 'Info' },
          ExpressionAttributeValues: { ':info': { S: rawInfo } },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
        callOptions(),
      );
      return 'deleted';
    } catch (e) {
      if (!isConditionFailed(e)) throw e;
      // Told from evidence: the item as the failed condition saw it (ALL_OLD; some emulators do not return
      // it, so then a consistent read), never assumed.
      const now = (e as { Item?: RawItem }).Item ?? (await this.getItem(table, lockId));
      if (now !== undefined) return 'changed';
      // Absent: on the first attempt the holder released it before the delete; on a retry the first attempt
      // may have deleted it with its response lost (a reset connection, a 500), or the holder released it.
      const attempts = (e as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
      return attempts > 1 ? 'gone' : 'changed';
    }
  }
}

function isConditionFailed(e: unknown): boolean {
  return (
    e instanceof ConditionalCheckFailedException || (e as Error).name === 'ConditionalCheckFailedException'
  );
}
