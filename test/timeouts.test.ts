// Tests: a stuck DynamoDB never hangs the run: call timeouts, a time budget per table, and a stop signal.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientConfig } from '../lambda/adapters/aws-client-config';
import { PageKeys } from '../lambda/adapters/pagination';
import type { RunReport } from '../lambda/core/report';
import { createLockTable, endpoint, putItems, testClient, uniqueName } from './support/dynamo';
import { HANG, startFaultProxy } from './support/fault-proxy';
import { HOUR, lockAged, sweepTables } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const POLICY = { mode: 'alert' as const, rules: [{ name: 'all', match: {}, alertAfter: '1h' }] };

/** Three lock tables with one stale lock each; Scans of `<prefix>-stuck` are never answered. */
async function stuckSetup(timeouts?: { requestTimeoutMs: number }, onStuck = () => {}) {
  const prefix = uniqueName('stuck');
  for (const name of ['a', 'stuck', 'c']) {
    await createLockTable(client, `${prefix}-${name}`);
    await putItems(client, `${prefix}-${name}`, [lockAged(`${name}.tfstate`, 2 * HOUR)]);
  }
  const proxy = await startFaultProxy(endpoint(), ({ operation, body }) => {
    if (operation !== 'Scan' || body.TableName !== `${prefix}-stuck`) return undefined;
    onStuck();
    return HANG;
  });
  const via = new DynamoDBClient(
    awsClientConfig({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: 1,
      timeouts,
    }),
  );
  const close = async () => {
    via.destroy();
    await proxy.close();
  };
  return { prefix, via, close };
}

function expectOthersFinished(report: RunReport, prefix: string, error: RegExp) {
  const byName = Object.fromEntries(report.tables.map((t) => [t.name, t]));
  expect(byName[`${prefix}-a`]).toMatchObject({ locks: 1 });
  expect(byName[`${prefix}-c`]).toMatchObject({ locks: 1 });
  expect(byName[`${prefix}-a`].error).toBeUndefined();
  expect(byName[`${prefix}-stuck`].error).toMatch(error);
  expect(report.locks.map((l) => l.lockId).sort()).toEqual(['acme/a.tfstate', 'acme/c.tfstate']);
  expect(report.counts.errors).toBe(1);
}

describe('a table whose Scan never answers', () => {
  it('fails that table on the call timeout and finishes the others', async () => {
    const { prefix, via, close } = await stuckSetup({ requestTimeoutMs: 2_000 });
    try {
      const report = await sweepTables(via, prefix, POLICY);
      expectOthersFinished(report, prefix, /^failed after 0 items: TimeoutError: .*requestTimeout/);
    } finally {
      await close();
    }
  });

  it('stops reading it when its time budget is spent, even without a call timeout', async () => {
    const { prefix, via, close } = await stuckSetup();
    try {
      const report = await sweepTables(via, prefix, POLICY, { placeBudgetMs: 3_000 });
      expectOthersFinished(
        report,
        prefix,
        /^stopped after 0 items: no answer within the time budget; the rest/,
      );
    } finally {
      await close();
    }
  });

  it('stops at once when the run is told to stop (a signal, the Lambda deadline)', async () => {
    const stop = new AbortController();
    // Told to stop while the stuck table's Scan is awaited.
    const { prefix, via, close } = await stuckSetup(undefined, () => setTimeout(() => stop.abort(), 50));
    try {
      const report = await sweepTables(via, prefix, POLICY, { signal: stop.signal, concurrency: 3 });
      const stuck = report.tables.find((t) => t.name === `${prefix}-stuck`);
      expect(stuck?.error).toMatch(/^stopped after 0 items: the run was told to stop/);
    } finally {
      await close();
    }
  });
});

describe('a server that repeats a page key', () => {
  /** A client whose every Scan answer carries the same LastEvaluatedKey, as a broken server's would. */
  function loopingScans(): DynamoDBClient {
    const looping = testClient();
    looping.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args);
        if (context.commandName === 'ScanCommand')
          (out as { output: { LastEvaluatedKey?: object } }).output = {
            ...(out.output as object),
            LastEvaluatedKey: { LockID: { S: 'acme/again' } },
          };
        return out;
      },
      { step: 'initialize', name: 'repeatTheKey' },
    );
    return looping;
  }

  it('ends that table with a clear error instead of reading forever, and finishes the run', async () => {
    const prefix = uniqueName('looping');
    await createLockTable(client, `${prefix}-a`);
    await putItems(client, `${prefix}-a`, [lockAged('a.tfstate', 2 * HOUR)]);
    const looping = loopingScans();
    try {
      const report = await sweepTables(looping, prefix, POLICY);
      expect(report.tables[0].error).toMatch(
        /Scan of .* returned a page key it had returned before .* the server is looping/,
      );
      // The first page was read and judged; the second, identical key stopped the table.
      expect(report.tables[0].items).toBeGreaterThanOrEqual(1);
    } finally {
      looping.destroy();
    }
  });
});

describe('PageKeys', () => {
  it('passes new keys through and stops at the first repeated one, however far back', () => {
    const keys = new PageKeys<object>('Query of t');
    expect(keys.next({ pk: { S: 'a' } })).toEqual({ pk: { S: 'a' } });
    expect(keys.next({ pk: { S: 'b' } })).toEqual({ pk: { S: 'b' } });
    expect(keys.next(undefined)).toBeUndefined();
    expect(() => keys.next({ pk: { S: 'a' } })).toThrow(
      /Query of t returned a page key it had returned before/,
    );
  });
});
