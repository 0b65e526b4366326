// CLI wiring: the state table and SNS notifier behind --state-table and --topic-arn.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { SnsNotifier } from '../lambda/adapters/sns-notifier';
import type { Notifier, StateStore } from '../lambda/core/ports';
import { type AwsFlags, snsClientFor } from './cli-context';

/** The janitor's state table (the one the stack creates), for `--state-table`. */
export function stateStoreFor(client: DynamoDBClient, tableName: string): StateStore {
  return new DynamoStateStore(client, tableName);
}

/** Publishes to `--topic-arn`, the same message the Lambda sends. */
export function notifierFor(topicArn: string, flags: AwsFlags = {}): Notifier {
  return new SnsNotifier(snsClientFor(topicArn, flags), topicArn);
}
