// Table helpers for the demo and tests: schemas, and creating a table ready for writes.
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';

/**
 * Creates a table and waits until it is ACTIVE: even an in-memory engine creates tables asynchronously, and a
 * write to a table still CREATING fails with ResourceNotFoundException. Returns the table ARN.
 */
export async function createTableReady(
  client: DynamoDBClient,
  input: CreateTableCommandInput,
): Promise<string> {
  const out = await client.send(new CreateTableCommand({ BillingMode: 'PAY_PER_REQUEST', ...input }));
  for (let attempt = 0; attempt < 600; attempt++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: input.TableName }));
    if (Table?.TableStatus === 'ACTIVE') return out.TableDescription?.TableArn ?? Table.TableArn ?? '';
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`table ${input.TableName} did not become ACTIVE within 6 s`);
}

/** Terraform's lock table schema: exactly one hash key `LockID` of type S. */
export const LOCK_TABLE_SCHEMA = {
  AttributeDefinitions: [{ AttributeName: 'LockID', AttributeType: 'S' as const }],
  KeySchema: [{ AttributeName: 'LockID', KeyType: 'HASH' as const }],
};

/** The janitor's state table schema (the stack creates it): partition key `pk`, sort key `sk`, both S. */
export const STATE_TABLE_SCHEMA = {
  AttributeDefinitions: [
    { AttributeName: 'pk', AttributeType: 'S' as const },
    { AttributeName: 'sk', AttributeType: 'S' as const },
  ],
  KeySchema: [
    { AttributeName: 'pk', KeyType: 'HASH' as const },
    { AttributeName: 'sk', KeyType: 'RANGE' as const },
  ],
};
