// Tests: discovery of lock tables (schema, globs, opt-out tag, failures).
import { CreateTableCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { parsePolicy } from '../lambda/core/policy';
import type { LockStore } from '../lambda/core/ports';
import { discoverTables, isLockTableSchema, isOptedOut } from '../lambda/run/discovery';
import { createLockTable, endpoint, testClient, uniqueName } from './support/dynamo';
import { startFaultProxy } from './support/fault-proxy';
import { withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

describe('lock table recognition', () => {
  const attrs = { LockID: 'S' };
  it.each([
    ['the Terraform schema', [{ name: 'LockID', keyType: 'HASH' }], attrs, true],
    ['a LockID of type N', [{ name: 'LockID', keyType: 'HASH' }], { LockID: 'N' }, false],
    [
      'a sort key as well',
      [
        { name: 'LockID', keyType: 'HASH' },
        { name: 'sk', keyType: 'RANGE' },
      ],
      { ...attrs, sk: 'S' },
      false,
    ],
    ['another hash key', [{ name: 'id', keyType: 'HASH' }], { id: 'S' }, false],
    ['a lower-case lockid', [{ name: 'lockid', keyType: 'HASH' }], { lockid: 'S' }, false],
  ])('%s: %s', (_, keySchema, attributeTypes, expected) => {
    expect(isLockTableSchema({ name: 't', arn: 'a', keySchema, attributeTypes })).toBe(expected);
  });

  it.each([
    [{ 'tf-lock-janitor:ignore': 'true' }, true],
    [{ 'tf-lock-janitor:ignore': '' }, true],
    [{ 'tf-lock-janitor:ignore': 'FALSE' }, false],
    [{ team: 'platform' }, false],
  ])('opt-out tags %j → %s', (tags, expected) => {
    expect(isOptedOut(tags, 'tf-lock-janitor:ignore')).toBe(expected);
  });
});

describe('discoverTables against a real DynamoDB engine', () => {
  const prefix = uniqueName('disc');
  const name = (n: string) => `${prefix}-${n}`;

  beforeAll(async () => {
    await createLockTable(client, name('locks'));
    await createLockTable(client, name('scratch'));
    const optedOut = await createLockTable(client, name('legacy'));
    await client.send(
      new TagResourceCommand({
        ResourceArn: optedOut,
        Tags: [{ Key: 'tf-lock-janitor:ignore', Value: 'true' }],
      }),
    );
    await client.send(
      new CreateTableCommand({
        TableName: name('orders'),
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
      }),
    );
    await client.send(
      new CreateTableCommand({
        TableName: name('composite'),
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'LockID', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: 'LockID', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      }),
    );
  });

  /** Discovers through a fault proxy in front of the engine that answers some calls with `fault`. */
  async function discoverVia(fault: Parameters<typeof startFaultProxy>[1]) {
    const proxy = await startFaultProxy(endpoint(), fault);
    const viaProxy = testClient(1, proxy.endpoint);
    try {
      return await discoverTables(new DynamoLockStore(viaProxy, 'us-east-1'), policy({}));
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  }

  const policy = (tables: object) => parsePolicy({ tables: { include: [`${prefix}-*`], ...tables } });

  it('finds lock tables only, honouring exclude globs and the opt-out tag', async () => {
    const found = await discoverTables(
      new DynamoLockStore(client, 'us-east-1'),
      policy({ exclude: ['*-scratch'] }),
    );
    expect(found.tables.map((t) => t.name)).toEqual([name('locks')]);
    expect(found.tables[0].arn).toMatch(/^arn:aws:dynamodb:us-east-1:\d+:table\//);
    expect(found.failures).toEqual([]);
  });

  it('uses a custom opt-out tag', async () => {
    const found = await discoverTables(
      new DynamoLockStore(client, 'us-east-1'),
      policy({ optOutTag: 'other' }),
    );
    expect(found.tables.map((t) => t.name).sort()).toEqual([name('legacy'), name('locks'), name('scratch')]);
  });

  it.each([
    [
      'a server with no tagging API (DynamoDB Local)',
      'UnknownOperationException',
      'Tagging is not currently supported',
    ],
    [
      "AWS's invalid-token error",
      'UnrecognizedClientException',
      'The security token included in the request is invalid.',
    ],
    [
      'a missing permission',
      'AccessDeniedException',
      'not authorized to perform: dynamodb:ListTagsOfResource',
    ],
    ['throttling', 'ThrottlingException', 'Rate exceeded'],
  ])(
    'skips and reports every table whose tags cannot be read (%s): fail closed',
    async (_name, type, message) => {
      const found = await discoverVia(({ operation }) =>
        operation === 'ListTagsOfResource' ? { status: 400, type, message } : undefined,
      );
      expect(found.tables).toEqual([]);
      expect(found.failures.map((f) => f.name).sort()).toEqual([
        name('legacy'),
        name('locks'),
        name('scratch'),
      ]);
      for (const f of found.failures) {
        expect(f.error).toContain('skipped: its tags could not be read');
        expect(f.error).toContain(type);
        expect(f.error).toContain('set tables.optOutTag to false');
      }
    },
  );

  it('skips only the table whose tags failed; the next table is still checked', async () => {
    const found = await discoverVia(({ operation, body }) =>
      operation === 'ListTagsOfResource' && String(body.ResourceArn).endsWith(`/${name('scratch')}`)
        ? { status: 400, type: 'UnrecognizedClientException', message: 'The security token is invalid.' }
        : undefined,
    );
    expect(found.tables.map((t) => t.name)).toEqual([name('locks')]);
    expect(found.failures.map((f) => f.name)).toEqual([name('scratch')]);
  });

  it('reads no tags when the policy turns the opt-out tag off (optOutTag: false)', async () => {
    const proxy = await startFaultProxy(endpoint(), () => undefined);
    const viaProxy = testClient(1, proxy.endpoint);
    try {
      const found = await discoverTables(
        new DynamoLockStore(viaProxy, 'us-east-1'),
        policy({ optOutTag: false }),
      );
      expect(found.tables.map((t) => t.name).sort()).toEqual([
        name('legacy'),
        name('locks'),
        name('scratch'),
      ]);
      expect(proxy.calls.filter((c) => c.operation === 'ListTagsOfResource')).toEqual([]);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });

  it('reports a table that cannot be described and goes on with the others', async () => {
    const found = await discoverVia(({ operation, body }) =>
      operation === 'DescribeTable' && body.TableName === name('scratch')
        ? {
            status: 400,
            type: 'AccessDeniedException',
            message: 'not authorized to perform: dynamodb:DescribeTable',
          }
        : undefined,
    );
    expect(found.tables.map((t) => t.name)).toEqual([name('locks')]);
    expect(found.failures).toEqual([
      expect.objectContaining({
        name: name('scratch'),
        error: expect.stringContaining('AccessDeniedException'),
      }),
    ]);
  });

  it('reports a region whose tables cannot be listed, without throwing', async () => {
    const broken: LockStore = withOverrides(new DynamoLockStore(client, 'eu-west-1'), {
      // biome-ignore lint/correctness/useYield: the listing fails before its first name
      async *listTables() {
        throw Object.assign(new Error('User is not authorized to perform: dynamodb:ListTables'), {
          name: 'AccessDeniedException',
        });
      },
    });
    const found = await discoverTables(broken, policy({}));
    expect(found.tables).toEqual([]);
    expect(found.failures).toEqual([
      expect.objectContaining({
        region: 'eu-west-1',
        name: '*',
        error: expect.stringContaining('AccessDeniedException'),
      }),
    ]);
  });
});
