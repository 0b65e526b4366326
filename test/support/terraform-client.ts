// Test support: a Terraform-faithful DynamoDB lock client.
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { goTimestamp, marshalLockInfo, newLockId } from '../../bin/demo/terraform-lock';
import type { LockInfo } from '../../lambda/core/lock-item';

/**
 * What Terraform's Unlock() found and did. `released` carries the `Info` its unconditional DeleteItem removed:
 * its own lock, or (Terraform's read-then-delete gap, hashicorp/terraform s3/client.go Unlock) a lock someone took in between,
 * or nothing when the item had vanished meanwhile.
 */
export type UnlockResult =
  | { readonly outcome: 'released'; readonly removed?: string }
  | { readonly outcome: 'missing' }
  | { readonly outcome: 'mismatch'; readonly heldInfo: string };

/** The fields of a new lock; `Created` is taken from `createdMs` like `NewLockInfo()` takes `time.Now()`. */
export type NewLock = { readonly operation?: string; readonly who?: string; readonly createdMs?: number };

/** `Info` bytes as Terraform writes them for `lockId`: a fresh lock ID, Go's RFC 3339 `Created`, Go's JSON. */
export function newLockInfo(
  lockId: string,
  lock: NewLock = {},
): { readonly id: string; readonly info: string } {
  const info: LockInfo = {
    ID: newLockId(),
    Operation: lock.operation ?? 'OperationTypeApply',
    Info: '',
    Who: lock.who ?? 'runner@ip-10-0-1-2',
    Version: '1.9.8',
    Created: goTimestamp(lock.createdMs ?? Date.now(), '123456'),
    Path: lockId,
  };
  return { id: info.ID, info: marshalLockInfo(info) };
}

/**
 * A lock client that does on the wire exactly what Terraform's S3 backend does with a DynamoDB table
 * (hashicorp/terraform internal/backend/remote-state/s3/client.go, Lock and Unlock). Unlock's DeleteItem asks for the removed item back (`ALL_OLD`), which does
 * not change what it deletes, so a test can tell whose lock it removed.
 */
export class TerraformClient {
  constructor(private readonly client: DynamoDBClient) {}

  /**
   * Lock(): one PutItem of `{LockID, Info}` conditional on no lock being there; false when another lock holds
   * it. Terraform builds `info` once and re-sends the same bytes on every retry (hashicorp/terraform internal/command/clistate/state.go builds it once for statemgr.LockWithContext).
   */
  async lock(table: string, lockId: string, info: string): Promise<boolean> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: table,
          Item: { LockID: { S: lockId }, Info: { S: info } },
          ConditionExpression: 'attribute_not_exists(LockID)',
        }),
      );
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  /**
   * Unlock(id): a consistent GetItem, the held ID must equal `id`, then an unconditional DeleteItem by key.
   * `betweenReadAndDelete` lets a test act in the gap Terraform leaves there.
   */
  async unlock(
    table: string,
    lockId: string,
    id: string,
    betweenReadAndDelete?: () => Promise<void>,
  ): Promise<UnlockResult> {
    const { Item } = await this.client.send(
      new GetItemCommand({
        TableName: table,
        Key: { LockID: { S: lockId } },
        ConsistentRead: true,
        ProjectionExpression: 'LockID, Info',
      }),
    );
    const heldInfo = Item?.Info?.S;
    // Terraform: "failed to retrieve lock info ...: unexpected end of JSON input".
    if (heldInfo === undefined) return { outcome: 'missing' };
    if ((JSON.parse(heldInfo) as LockInfo).ID !== id) return { outcome: 'mismatch', heldInfo };
    await betweenReadAndDelete?.();
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({ TableName: table, Key: { LockID: { S: lockId } }, ReturnValues: 'ALL_OLD' }),
    );
    return { outcome: 'released', removed: Attributes?.Info?.S };
  }
}
