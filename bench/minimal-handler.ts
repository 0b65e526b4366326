// Benchmark: the minimal handler a cold start is compared with: the bare SDK clients and the janitor's first calls.
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ListTagsOfResourceCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';

// Bundled with the janitor's options (lib/bundling.ts) and run by bench/handler-child.ts like the janitor's bundle.
// At load it makes what any Lambda that talks to DynamoDB and SNS makes (both clients); its invocation sends the
// requests the janitor's run over an account without lock tables sends (bench/cold-run.ts checks they are the
// same, operation by operation), in the janitor's order of dependence: the state table's intents beside
// ListTables; each listed table's description beside its first Scan page, its tags once the description names
// its ARN; then the state table's remembered failures (the janitor clears those of the tables it read). It
// decides nothing.

const region = process.env.AWS_REGION ?? 'us-east-1';
const dynamo = new DynamoDBClient({ region });
// Made as the janitor makes its notifier's client, never called: a run without news publishes nothing.
new SNSClient({ region });

/** One partition of the state table, read consistently. */
function statePartition(pk: string) {
  return dynamo.send(
    new QueryCommand({
      TableName: process.env.STATE_TABLE ?? '',
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': { S: pk } },
      ConsistentRead: true,
    }),
  );
}

export async function handler(): Promise<{ complete: boolean; tables: number }> {
  const [{ TableNames = [] }] = await Promise.all([
    dynamo.send(new ListTablesCommand({})),
    statePartition('intent'),
  ]);
  await Promise.all(
    TableNames.map(async (TableName) => {
      const scan = dynamo.send(new ScanCommand({ TableName, Limit: 100 }));
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
      await Promise.all([dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn })), scan]);
    }),
  );
  await statePartition('failure');
  return { complete: true, tables: TableNames.length };
}
