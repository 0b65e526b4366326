// Tests: discovery of lock tables (schema, globs, opt-out tag, failures).
import { CreateTableCommand, DynamoDBClient, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { isLockTableSchema, TableSource } from '../lambda/adapters/table-source';
import { isOptedOut, type Place } from '../lambda/core/place';
import type { Policy } from '../lambda/core/policy';
import { parsePolicy } from '../lambda/core/policy';
import type { LockStore } from '../lambda/core/ports';
import { admitPlace } from '../lambda/run/read-place';
import { sweep } from '../lambda/run/sweep';
import { createLockTable, endpoint, lockIds, putItems, testClient, uniqueName } from './support/dynamo';
import { startFaultProxy } from './support/fault-proxy';
import { HOUR, lockAged, sweepTables, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

/** Discovery as a sweep ends up with it: the tables found, each admitted by its opt-out tag or reported. */
async function discoverAdmitted(store: LockStore, policy: Policy) {
  const source = new TableSource({ policy, regions: [store.region], lockStores: () => store });
  const places: Place[] = [];
  const found = await source.discover((place) => places.push(place));
  const verdicts = await Promise.all(places.map((place) => admitPlace({ policy }, source, place)));
  const tables = [];
  for (const [i, v] of verdicts.entries())
    if ('admitted' in v)
      tables.push({ name: places[i].name, arn: (await store.describeTable(places[i].name))?.arn });
  return {
    tables,
    failures: [
      ...found.failures,
      ...verdicts.flatMap((v) => ('kind' in v && v.kind === 'read' ? [v.report] : [])),
    ],
    warnings: found.warnings,
  };
}

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

describe('discoverTables and admission against a real DynamoDB engine', () => {
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
      return await discoverAdmitted(new DynamoLockStore(viaProxy, 'us-east-1'), policy({}));
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  }

  const policy = (tables: object) => parsePolicy({ tables: { include: [`${prefix}-*`], ...tables } });

  it('finds lock tables only, honouring exclude globs and the opt-out tag', async () => {
    const found = await discoverAdmitted(
      new DynamoLockStore(client, 'us-east-1'),
      policy({ exclude: ['*-scratch'] }),
    );
    expect(found.tables.map((t) => t.name)).toEqual([name('locks')]);
    expect(found.tables[0].arn).toMatch(/^arn:aws:dynamodb:us-east-1:\d+:table\//);
    expect(found.failures).toEqual([]);
  });

  it('uses a custom opt-out tag', async () => {
    const found = await discoverAdmitted(
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
      const found = await discoverAdmitted(
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

  it('describes tables named outright without listing, and passes over a named table this region lacks', async () => {
    const proxy = await startFaultProxy(endpoint(), () => undefined);
    const viaProxy = testClient(1, proxy.endpoint);
    try {
      const named = (include: string[]) =>
        discoverAdmitted(
          new DynamoLockStore(viaProxy, 'us-east-1'),
          parsePolicy({ tables: { include, exclude: ['*-scratch'] } }),
        );
      const exact = await named([name('locks'), name('missing'), name('scratch'), name('locks')]);
      const listedBefore = proxy.calls.filter((c) => c.operation === 'ListTables').length;
      const mixed = await named([name('locks'), `${prefix}-l*`]);

      expect(exact).toEqual({
        tables: [expect.objectContaining({ name: name('locks') })],
        failures: [],
        warnings: [],
      });
      expect(listedBefore).toBe(0);
      expect(proxy.calls.filter((c) => c.operation === 'DescribeTable').map((c) => c.body.TableName)).toEqual(
        expect.arrayContaining([name('locks'), name('missing')]),
      );
      // One glob with a wildcard: the region's tables are listed as before.
      expect(mixed.tables.map((t) => t.name).sort()).toEqual([name('locks')]);
      expect(proxy.calls.filter((c) => c.operation === 'ListTables').length).toBeGreaterThan(0);
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
    const found = await discoverAdmitted(broken, policy({}));
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

describe('admission in a sweep: the opt-out tag is read while the first page is', () => {
  const DELETE = {
    mode: 'delete' as const,
    minSightings: 1,
    rules: [{ name: 'all', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
  };

  /** Two lock tables with a stale lock each; `<prefix>-kept` carries the opt-out tag. */
  async function twoTables(): Promise<string> {
    const prefix = uniqueName('admit');
    for (const name of ['kept', 'open']) {
      const arn = await createLockTable(client, `${prefix}-${name}`);
      await putItems(client, `${prefix}-${name}`, [lockAged(`${name}.tfstate`, 48 * HOUR)]);
      if (name === 'kept')
        await client.send(
          new TagResourceCommand({
            ResourceArn: arn,
            Tags: [{ Key: 'tf-lock-janitor:ignore', Value: 'yes' }],
          }),
        );
    }
    return prefix;
  }

  /** Tag reads answer only once the same table's Scan has been sent: a sweep that waited for them would fail. */
  function tagsAfterScan(
    store: LockStore,
    scans: string[],
    tags: LockStore['listTags'] = (a) => store.listTags(a),
  ) {
    const scanned = new Map<string, () => void>();
    const scanOf = (table: string) =>
      new Promise<void>((resolve) => {
        if (scans.includes(table)) resolve();
        else scanned.set(table, resolve);
      });
    return withOverrides(store, {
      scan: (table) => {
        scans.push(table);
        scanned.get(table)?.();
        return store.scan(table);
      },
      listTags: async (arn) => {
        const table = arn.split('/').pop() ?? '';
        const timeout = new Promise<never>((_, reject) =>
          setTimeout(
            () => reject(new Error(`the Scan of ${table} was not sent alongside its tag read`)),
            5000,
          ),
        );
        await Promise.race([scanOf(table), timeout]);
        return tags(arn);
      },
    });
  }

  it('acts on nothing in an opted-out table, reports nothing of it, and sweeps the next', async () => {
    const prefix = await twoTables();
    const scans: string[] = [];
    const report = await sweepTables(client, prefix, DELETE, { wrap: (s) => tagsAfterScan(s, scans) });

    expect(scans.sort()).toEqual([`${prefix}-kept`, `${prefix}-open`]);
    expect(report.tables.map((t) => t.name)).toEqual([`${prefix}-open`]);
    expect(report.locks.map((l) => [l.table, l.outcome])).toEqual([[`${prefix}-open`, 'deleted']]);
    expect(await lockIds(client, `${prefix}-kept`)).toEqual(['acme/kept.tfstate']);
  });

  it('fails closed when the tags cannot be read, even if the Scan failed too', async () => {
    const prefix = await twoTables();
    const denied = (what: string) =>
      Object.assign(new Error(`not authorized to perform: ${what}`), { name: 'AccessDeniedException' });
    const report = await sweepTables(client, prefix, DELETE, {
      wrap: (store) => {
        const failingScan = withOverrides(store, {
          // biome-ignore lint/correctness/useYield: the Scan fails before its first page
          scan: async function* () {
            throw denied('dynamodb:Scan');
          },
        });
        return tagsAfterScan(failingScan, [], () => Promise.reject(denied('dynamodb:ListTagsOfResource')));
      },
    });

    expect(report.locks).toEqual([]);
    expect(report.tables.map((t) => [t.name, t.error])).toEqual(
      [`${prefix}-kept`, `${prefix}-open`].map((name) => [
        name,
        expect.stringContaining('skipped: its tags could not be read'),
      ]),
    );
    expect(await lockIds(client, `${prefix}-open`)).toEqual(['acme/open.tfstate']);
  });
});

describe("tags read by a table's ARN named before its description", () => {
  it('count only when the description shows that ARN; otherwise the described ARN is asked', async () => {
    // Prepare: one stale lock; a first sweep teaches the run how this region's table ARNs are named.
    const prefix = uniqueName('arn-named');
    await createLockTable(client, `${prefix}-locks`);
    await putItems(client, `${prefix}-locks`, [lockAged('app.tfstate', 48 * HOUR)]);
    const policy = { rules: [{ name: 'all', match: {}, alertAfter: '1h' }] };
    expect((await sweepTables(client, prefix, policy)).locks).toHaveLength(1);
    // A store whose description shows another account's ARN, which alone carries the opt-out tag.
    const elsewhere = (arn: string) => arn.replace(/:\d{12}:/, ':999999999999:');
    const asked: string[] = [];
    const report = await sweepTables(client, prefix, policy, {
      wrap: (store) =>
        withOverrides(store, {
          describeTable: async (name) => {
            const d = await store.describeTable(name);
            return d && { ...d, arn: elsewhere(d.arn) };
          },
          listTags: async (arn) => {
            asked.push(arn);
            return arn.includes(':999999999999:')
              ? { 'tf-lock-janitor:ignore': 'true' }
              : store.listTags(arn);
          },
        }),
    });
    // Assess: the early read by the named ARN was not trusted; the described ARN's opt-out tag kept the table out.
    expect(asked.some((a) => a.includes(':999999999999:'))).toBe(true);
    expect(report.locks).toEqual([]);
    expect(report.tables).toEqual([]);
  });
});

describe('tags asked before a slow description comes back, by the account another region taught', () => {
  it('a table in a second region has its tags read while its own description is still on its way', async () => {
    // Prepare: a lock table seen through a us-east-1 client and an eu-west-1 client of the same engine.
    const prefix = uniqueName('arn-region');
    await createLockTable(client, `${prefix}-locks`);
    await putItems(client, `${prefix}-locks`, [lockAged('app.tfstate', 48 * HOUR)]);
    const far = new DynamoDBClient({
      endpoint: endpoint(),
      region: 'eu-west-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
    });
    const events: string[] = [];
    let tagsAsked = () => {};
    const asked = new Promise<void>((resolve) => {
      tagsAsked = resolve;
    });
    const near = new DynamoLockStore(client, 'us-east-1');
    const farStore = new DynamoLockStore(far, 'eu-west-1');
    // eu-west-1 describes a table only once its tags were asked (or after 3 s): a run that waits for the
    // description before asking the tags meets the 3 s, and the order below shows it.
    const slow = withOverrides(farStore, {
      describeTable: async (name) => {
        await Promise.race([asked, new Promise((r) => setTimeout(r, 3000))]);
        const d = await farStore.describeTable(name);
        events.push('described');
        return d;
      },
      listTags: async (arn) => {
        events.push('tags');
        tagsAsked();
        return farStore.listTags(arn);
      },
    });
    try {
      // Act: one run over both regions (us-east-1 describes at once and teaches the account).
      const report = await sweep({
        policy: parsePolicy({
          tables: { include: [`${prefix}-*`] },
          rules: [{ name: 'all', match: {}, alertAfter: '1h' }],
        }),
        regions: ['us-east-1', 'eu-west-1'],
        lockStores: (region) => (region === 'eu-west-1' ? slow : near),
        state: new MemoryStateStore(),
        now: new Date(),
        runId: 'arn-region',
      });
      // Assess: the tags went out before the description came back (dynalite names every table's ARN in its
      // own region, so they are asked again by the ARN described), and the table was admitted in both regions.
      expect(events[0]).toBe('tags');
      expect(events.indexOf('described')).toBeGreaterThan(0);
      expect(report.tables.map((t) => [t.region, t.error])).toEqual([
        ['us-east-1', undefined],
        ['eu-west-1', undefined],
      ]);
    } finally {
      far.destroy();
    }
  });
});
