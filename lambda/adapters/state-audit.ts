// Adapter: audit records in the state table, written once and never overwritten.
import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { JanitorError } from '../core/errors';
import type { AuditRecord } from '../core/ports';
import { callOptions } from './call-signal';
import { auditPk, fromAuditItem, toAuditItem } from './state-keys';
import { isConditionFailed, onStateTable, queryPartition } from './state-table';

/**
 * Writes one audit record (pk `AUDIT#<region>#<table>`, sk `<at>#<sha256 of the record>`, no `expiresAt`).
 * Conditional on the key being free, so nothing is ever overwritten; the same record written twice (an SDK
 * retry of a put that had succeeded) is one item. Any other failure propagates.
 */
export async function putAudit(
  client: DynamoDBClient,
  tableName: string,
  record: AuditRecord,
): Promise<void> {
  const item = toAuditItem(record);
  try {
    await onStateTable(
      tableName,
      client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
        callOptions(),
      ),
    );
  } catch (err) {
    if (!isConditionFailed(err)) throw err;
    const { Item } = await onStateTable(
      tableName,
      client.send(
        new GetItemCommand({ TableName: tableName, Key: { pk: item.pk, sk: item.sk }, ConsistentRead: true }),
        callOptions(),
      ),
    );
    const stored = Item && fromAuditItem(Item);
    if (stored && JSON.stringify(toAuditItem(stored)) === JSON.stringify(item)) return;
    throw new JanitorError(
      `The audit record of lock "${record.lockId}" (ID ${record.id}) at ${record.at} was not written: another ` +
        `item already holds its key (sk ${item.sk.S}) in the state table "${tableName}".`,
      { cause: err },
    );
  }
}

/**
 * Whether an audit record of the intent's lock instance by the intent's run at the intent's time exists: the
 * audit records of that instant (sk `<at>#...`, one consistent Query), compared by lock, ID and run.
 */
export async function isAudited(
  client: DynamoDBClient,
  tableName: string,
  intent: AuditRecord,
): Promise<boolean> {
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await onStateTable(
      tableName,
      client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :at)',
          ExpressionAttributeValues: {
            ':pk': { S: auditPk(intent.region, intent.table) },
            ':at': { S: `${intent.at}#` },
          },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
        callOptions(),
      ),
    );
    for (const item of page.Items ?? []) {
      const record = fromAuditItem(item);
      if (
        record &&
        record.lockId === intent.lockId &&
        record.id === intent.id &&
        record.runId === intent.runId
      )
        return true;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return false;
}

/** Every audit record of one lock table, oldest first (a consistent, paginated Query). */
export async function listAudit(
  client: DynamoDBClient,
  tableName: string,
  region: string,
  table: string,
): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  for await (const page of queryPartition(client, tableName, auditPk(region, table))) {
    for (const item of page) {
      const record = fromAuditItem(item);
      if (record) records.push(record);
    }
  }
  return records;
}
