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
// same, operation by operation): ListTables, then each listed table's description, tags and first Scan page, and
// the two Queries of the state table (its intents and its remembered failures). It decides nothing.

const region = process.env.AWS_REGION ?? 'us-east-1';
const dynamo = new DynamoDBClient({ region });
// Made as the janitor makes its notifier's client, never called: a run without news publishes nothing.
new SNSClient({ region });

export async function handler(): Promise<{ complete: boolean; tables: number }> {
  const stateTable = process.env.STATE_TABLE ?? '';
  const { TableNames = [] } = await dynamo.send(new ListTablesCommand({}));
  await Promise.all([
    ...TableNames.map(async (TableName) => {
      const { Table } = await dynamo.send(new DescribeTableCommand({ TableName }));
      await Promise.all([
        dynamo.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn })),
        dynamo.send(new ScanCommand({ TableName, Limit: 100 })),
      ]);
    }),
    ...['intent', 'failure'].map((pk) =>
      dynamo.send(
        new QueryCommand({
          TableName: stateTable,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': { S: pk } },
          ConsistentRead: true,
        }),
      ),
    ),
  ]);
  return { complete: true, tables: TableNames.length };
}
