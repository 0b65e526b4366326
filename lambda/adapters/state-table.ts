// Adapter: shared state-table helpers (errors, conditions, paginated queries).
import { type DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { JanitorError } from '../core/errors';
import { callOptions } from './call-signal';
import { PageKeys } from './pagination';
import type { StateItem } from './state-keys';

/** Runs a call on the state table, turning a missing table into a `JanitorError` that says what to do. */
export async function onStateTable<T>(tableName: string, call: Promise<T>): Promise<T> {
  try {
    return await call;
  } catch (err) {
    if (errorName(err) !== 'ResourceNotFoundException') throw err;
    throw new JanitorError(
      `The janitor's state table "${tableName}" does not exist in this account and region: deploy the stack ` +
        '(cdk deploy) or pass the right --state-table.',
      { cause: err },
    );
  }
}

/** True for the error a failed `ConditionExpression` throws. */
export const isConditionFailed = (err: unknown): boolean =>
  errorName(err) === 'ConditionalCheckFailedException';

/** `undefined` for a failed condition (an expected outcome); any other error is rethrown. */
export function unlessConditionFailed(err: unknown): undefined {
  if (!isConditionFailed(err)) throw err;
  return undefined;
}

/** `ExpressionAttributeNames` for every `#name` used in the expressions (DynamoDB rejects unused ones). */
export function attributeNames(...expressions: string[]): Record<string, string> {
  const names: Record<string, string> = {};
  for (const e of expressions) for (const [token, name] of e.matchAll(/#(\w+)/g)) names[token] = name;
  return names;
}

/** Streams one partition of the state table page by page (consistent reads), optionally projected. */
export async function* queryPartition(
  client: DynamoDBClient,
  tableName: string,
  pk: string,
  projection?: string,
): AsyncIterable<StateItem[]> {
  const keys = new PageKeys<StateItem>(`Query of ${tableName}`);
  let start: StateItem | undefined;
  do {
    const page = await onStateTable(
      tableName,
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ...(projection && {
            ProjectionExpression: projection,
            ExpressionAttributeNames: attributeNames(projection),
          }),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
        callOptions(),
      ),
    );
    yield page.Items ?? [];
    start = keys.next(page.LastEvaluatedKey);
  } while (start);
}

/** Runs `work` on every item, at most `limit` at a time. */
export async function inParallel<T>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await work(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function errorName(err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
}
