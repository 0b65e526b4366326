// Test support: dynalite clients, tables and items.
import { randomBytes } from 'node:crypto';
import {
  BatchWriteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { createTableReady, LOCK_TABLE_SCHEMA, STATE_TABLE_SCHEMA } from '../../bin/demo/tables';
import type { RawItem } from '../../lambda/core/lock-item';

/** The dynalite that jest's globalSetup started. */
export function endpoint(): string {
  const url = process.env.DYNAMO_ENDPOINT;
  if (!url)
    throw new Error('DYNAMO_ENDPOINT is not set: run the tests through jest (globalSetup starts dynalite)');
  return url;
}

/** A client for the test engine (or a proxy in front of it): fake credentials, one attempt (no retries hide bugs). */
export function testClient(maxAttempts = 1, url = endpoint()): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts,
  });
}

/** A table name no other test file uses (all files share one engine). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

/** Creates a table with Terraform's lock schema (one hash key `LockID` of type S), ready for writes. */
export function createLockTable(client: DynamoDBClient, name: string): Promise<string> {
  return createTableReady(client, { TableName: name, ...LOCK_TABLE_SCHEMA });
}

/** Creates a janitor state table as the stack does (`pk` and `sk`, both S), ready for writes. */
export async function createStateTable(client: DynamoDBClient, name: string): Promise<void> {
  await createTableReady(client, { TableName: name, ...STATE_TABLE_SCHEMA });
}

/** Writes items 25 at a time (BatchWriteItem), retrying what the engine leaves unprocessed. */
export async function putItems(
  client: DynamoDBClient,
  table: string,
  items: readonly object[],
): Promise<void> {
  for (let i = 0; i < items.length; i += 25) {
    let requests = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item: Item as never } }));
    while (requests.length) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: requests } }));
      requests = (out.UnprocessedItems?.[table] ?? []) as typeof requests;
    }
  }
}

/** Every item of a table (consistent). */
export async function allItems(client: DynamoDBClient, table: string): Promise<RawItem[]> {
  const items: RawItem[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...((page.Items ?? []) as RawItem[]));
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

/** The LockIDs present in a table, sorted. */
export async function lockIds(client: DynamoDBClient, table: string): Promise<string[]> {
  return (await allItems(client, table)).map((i) => (i.LockID as { S: string }).S).sort();
}

/** Terraform's Lock(): a PutItem conditional on no lock being there. */
export async function terraformLock(client: DynamoDBClient, table: string, item: object): Promise<void> {
  await client.send(
    new PutItemCommand({
      TableName: table,
      Item: item as never,
      ConditionExpression: 'attribute_not_exists(LockID)',
    }),
  );
}

/** The `Info` string of one item, or undefined. */
export async function infoOf(
  client: DynamoDBClient,
  table: string,
  lockId: string,
): Promise<string | undefined> {
  const { Item } = await client.send(
    new GetItemCommand({ TableName: table, Key: { LockID: { S: lockId } }, ConsistentRead: true }),
  );
  return Item?.Info?.S;
}
