// Tests: sweeps and releases under injected faults (throttling, lost responses, failures).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand, DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { dynamoClientFactory } from '../bin/cli-context';
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { DynamoStateStore, listAudit } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { SnsNotifier } from '../lambda/adapters/sns-notifier';
import type { RenderedMessage } from '../lambda/core/message/sns';
import type { PolicyInput } from '../lambda/core/policy';
import type { Notifier, StateStore } from '../lambda/core/ports';
import { hasErrors, type RunReport } from '../lambda/core/report';
import {
  createLockTable,
  createStateTable,
  endpoint,
  infoOf,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { type Fault, type FaultProxy, type ProxiedCall, startFaultProxy } from './support/fault-proxy';
import { HOUR, lockAged, MINUTE, sweepTables, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const CLEANUP: PolicyInput = {
  mode: 'delete',
  minSightings: 1,
  maxDeletionsPerRun: 1000,
  rules: [{ name: 'default', match: {}, alertAfter: '30m', deleteAfter: '2h' }],
};

const THROTTLED: Fault = {
  status: 400,
  type: 'ProvisionedThroughputExceededException',
  message: 'The level of configured provisioned throughput for the table was exceeded.',
};
const THROTTLING: Fault = {
  status: 400,
  type: 'ThrottlingException',
  message: 'Rate of requests exceeds the allowed throughput.',
};
const INTERNAL: Fault = { status: 500, type: 'InternalServerError', message: 'Internal server error' };
const UNAVAILABLE: Fault = { status: 503, type: 'ServiceUnavailable', message: 'Service Unavailable' };
const DENIED: Fault = {
  status: 400,
  type: 'AccessDeniedException',
  message: 'User: arn:aws:sts::123456789012:assumed-role/janitor is not authorized to perform: dynamodb:Scan',
};

type RetryStrategyV2 = Extract<
  NonNullable<DynamoDBClientConfig['retryStrategy']>,
  { recordSuccess: unknown }
>;

/** The SDK's retry rules (throttling and transient errors, `maxAttempts` in all) without its back-off delays. */
function fastRetries(maxAttempts: number): RetryStrategyV2 {
  const token = (count: number) => ({ getRetryCount: () => count, getRetryDelay: () => 1 });
  return {
    acquireInitialRetryToken: async () => token(0),
    async refreshRetryTokenForRetry(previous, { errorType, error }) {
      const retryable = errorType === 'THROTTLING' || errorType === 'TRANSIENT';
      if (!retryable || previous.getRetryCount() + 1 >= maxAttempts) throw error;
      return token(previous.getRetryCount() + 1);
    },
    recordSuccess: () => {},
  };
}

const MAX_ATTEMPTS = 3;

/** A DynamoDB client through the fault proxy, retrying like the SDK (3 attempts) but without waiting. */
function proxiedClient(proxy: FaultProxy): DynamoDBClient {
  return new DynamoDBClient({
    endpoint: proxy.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    maxAttempts: MAX_ATTEMPTS,
    retryStrategy: fastRetries(MAX_ATTEMPTS),
  });
}

/** Runs `fn` with a proxy answering what `fault` chooses and a client that goes through it. */
async function throughProxy<T>(
  fault: (call: ProxiedCall) => Fault | undefined,
  fn: (viaProxy: DynamoDBClient, proxy: FaultProxy) => Promise<T>,
): Promise<T> {
  const proxy = await startFaultProxy(endpoint(), fault);
  const viaProxy = proxiedClient(proxy);
  try {
    return await fn(viaProxy, proxy);
  } finally {
    viaProxy.destroy();
    await proxy.close();
  }
}

/** Sweeps the `<prefix>-*` tables through `viaProxy`, reading 3 items a Scan page. */
function sweepVia(
  viaProxy: DynamoDBClient,
  prefix: string,
  extra: Parameters<typeof sweepTables>[3] = {},
  policy: PolicyInput = CLEANUP,
): Promise<RunReport> {
  return sweepTables(viaProxy, prefix, policy, {
    wrap: () => new DynamoLockStore(viaProxy, 'us-east-1', 3),
    ...extra,
  });
}

const STALE = 6;
/** Tables `<prefix>-<name>`, each with 6 stale locks, 1 fresh lock and 1 digest (8 items, 3 Scan pages). */
async function seedTables(prefix: string, names: readonly string[]): Promise<string[]> {
  const tables = names.map((n) => `${prefix}-${n}`);
  for (const table of tables) {
    await createLockTable(client, table);
    await putItems(client, table, [
      ...Array.from({ length: STALE }, (_, i) => lockAged(`stale-${i}.tfstate`, 3 * HOUR)),
      lockAged('fresh.tfstate', 10 * MINUTE),
      digestItem('acme', 'fresh.tfstate'),
    ]);
  }
  return tables;
}

const LEFT_AFTER_CLEANUP = ['acme/fresh.tfstate', 'acme/fresh.tfstate-md5'];

const scansOf = (proxy: FaultProxy, table: string) =>
  proxy.calls.filter((c) => c.operation === 'Scan' && c.body.TableName === table);

const tableNamed = (report: RunReport, name: string) => report.tables.find((t) => t.name === name);

describe('transient DynamoDB errors', () => {
  it.each([
    ['ProvisionedThroughputExceededException', THROTTLED],
    ['ThrottlingException', THROTTLING],
    ['InternalServerError (500)', INTERNAL],
    ['ServiceUnavailable (503)', UNAVAILABLE],
  ])('retries %s on every third request and completes the run as if nothing happened', async (_, fault) => {
    const prefix = uniqueName('flaky');
    const tables = await seedTables(prefix, ['a', 'b', 'c']);
    let n = 0;
    const faulted = new Map<string, string>();
    const report = await throughProxy(
      (call) => {
        // Never the same request twice, so every retry of a faulted request gets through. The first request of
        // each operation is faulted too, so Scan and DeleteItem are hit whatever order the tables interleave in.
        const key = `${call.operation} ${JSON.stringify(call.body)}`;
        const first = ![...faulted.values()].includes(call.operation);
        if ((++n % 3 !== 0 && !first) || faulted.has(key)) return undefined;
        faulted.set(key, call.operation);
        return fault;
      },
      async (viaProxy, proxy) => {
        const swept = await sweepVia(viaProxy, prefix);
        const attempts = (key: string) =>
          proxy.calls.filter((c) => `${c.operation} ${JSON.stringify(c.body)}` === key).length;
        for (const key of faulted.keys()) expect(attempts(key)).toBe(2);
        return swept;
      },
    );
    expect(faulted.size).toBeGreaterThanOrEqual(8);
    expect([...faulted.values()]).toEqual(expect.arrayContaining(['Scan', 'DeleteItem']));
    expect(report.tables.map((t) => [t.name, t.items, t.error])).toEqual(
      tables.map((t) => [t, 8, undefined]),
    );
    expect(report.counts).toMatchObject({ locks: 3 * (STALE + 1), deleted: 3 * STALE, errors: 0 });
    for (const t of tables) expect(await lockIds(client, t)).toEqual(LEFT_AFTER_CLEANUP);
  });

  it("rides out throttling with the CLI's own client settings", async () => {
    const prefix = uniqueName('cli-retry');
    const [table] = await seedTables(prefix, ['a']);
    let throttled = 0;
    const proxy = await startFaultProxy(endpoint(), ({ operation }) =>
      operation === 'Scan' && throttled++ === 0 ? THROTTLED : undefined,
    );
    const viaProxy = dynamoClientFactory({ endpoint: proxy.endpoint })('us-east-1');
    try {
      const report = await sweepTables(viaProxy, prefix, CLEANUP);
      expect(report.counts).toMatchObject({ deleted: STALE, errors: 0 });
      expect(scansOf(proxy, table)).toHaveLength(2);
    } finally {
      viaProxy.destroy();
      await proxy.close();
    }
  });
});

describe('one table failing', () => {
  it.each([
    ['persistent throttling', THROTTLED, MAX_ATTEMPTS],
    ['persistent 500s', INTERNAL, MAX_ATTEMPTS],
    ['AccessDenied on Scan (not retried)', DENIED, 1],
  ])('reports the table with %s and completes the others', async (_, fault, attempts) => {
    const prefix = uniqueName('one-bad');
    const [a, bad, c] = await seedTables(prefix, ['a', 'bad', 'c']);
    const report = await throughProxy(
      ({ operation, body }) => (operation === 'Scan' && body.TableName === bad ? fault : undefined),
      async (viaProxy, proxy) => {
        const swept = await sweepVia(viaProxy, prefix);
        expect(scansOf(proxy, bad)).toHaveLength(attempts);
        return swept;
      },
    );
    expect(tableNamed(report, bad)).toEqual({
      region: 'us-east-1',
      name: bad,
      items: 0,
      locks: 0,
      digests: 0,
      unparseable: 0,
      error: `failed after 0 items: ${fault.type}: ${fault.message}`,
      notify: true,
    });
    expect(tableNamed(report, a)?.error).toBeUndefined();
    expect(tableNamed(report, c)?.error).toBeUndefined();
    expect(report.counts).toMatchObject({ deleted: 2 * STALE, errors: 1 });
    expect(hasErrors(report)).toBe(true);
    expect(await lockIds(client, a)).toEqual(LEFT_AFTER_CLEANUP);
    expect(await lockIds(client, bad)).toHaveLength(STALE + 2);
  });

  it('marks each lock whose delete is denied as failed, and gives its place under the cap to the next', async () => {
    const prefix = uniqueName('no-delete');
    const [denied, allowed] = await seedTables(prefix, ['a', 'b']);
    const report = await throughProxy(
      ({ operation, body }) =>
        operation === 'DeleteItem' && body.TableName === denied
          ? { ...DENIED, message: DENIED.message.replace('Scan', 'DeleteItem') }
          : undefined,
      (viaProxy) => sweepVia(viaProxy, prefix, { concurrency: 1 }, { ...CLEANUP, maxDeletionsPerRun: STALE }),
    );
    const outcomes = (table: string) =>
      report.locks.filter((l) => l.table === table && l.decision === 'delete').map((l) => l.outcome);
    expect(outcomes(denied)).toEqual(Array(STALE).fill('failed'));
    expect(outcomes(allowed)).toEqual(Array(STALE).fill('deleted'));
    expect(report.locks.find((l) => l.outcome === 'failed')?.reason).toContain(
      'delete failed: AccessDeniedException',
    );
    expect(report.counts).toMatchObject({ deleted: STALE, errors: STALE });
    expect(await lockIds(client, denied)).toHaveLength(STALE + 2);
  });

  it('reports a table deleted between two Scan pages; the locks it read were judged, the others complete', async () => {
    const prefix = uniqueName('vanish');
    const [a, doomed, c] = await seedTables(prefix, ['a', 'doomed', 'c']);
    const state = new MemoryStateStore();
    const forgetScopes: string[][] = [];
    const spying: StateStore = {
      observe: (k, i, n) => state.observe(k, i, n),
      markAlerted: (k, n) => state.markAlerted(k, n),
      audit: (r) => state.audit(r),
      recordIntent: (r) => state.recordIntent(r),
      forgetLock: (k) => state.forgetLock(k),
      clearIntent: (k) => state.clearIntent(k),
      intents: () => state.intents(),
      noteTableFailures: (f, r, n) => state.noteTableFailures(f, r, n),
      markTableFailuresAlerted: (t, n) => state.markTableFailuresAlerted(t, n),
      lastCompleteSweep: (t) => state.lastCompleteSweep(t),
      audited: (i) => state.audited(i),
      announced: (k, i) => state.announced(k, i),
      noteCompleteSweeps: (t, n) => state.noteCompleteSweeps(t, n),
      forgetGone(scanned, seen, n) {
        forgetScopes.push(scanned.map((s) => s.table));
        return state.forgetGone(scanned, seen, n);
      },
    };
    let dropped = false;
    const report = await throughProxy(
      () => undefined,
      (viaProxy) => {
        const store = new DynamoLockStore(viaProxy, 'us-east-1', 3);
        return sweepVia(viaProxy, prefix, {
          state: spying,
          wrap: () =>
            withOverrides(store, {
              async *scan(t) {
                for await (const page of store.scan(t)) {
                  yield page;
                  if (t === doomed && !dropped) {
                    dropped = true;
                    await client.send(new DeleteTableCommand({ TableName: t }));
                  }
                }
              },
            }),
        });
      },
    );
    // The store reads one page ahead, so the page after the first may still arrive before the table is gone.
    const read = tableNamed(report, doomed)?.items ?? 0;
    expect(tableNamed(report, doomed)?.error).toMatch(
      new RegExp(`^failed after ${read} items: ResourceNotFoundException`),
    );
    expect([3, 6]).toContain(read);
    const judged = report.locks.filter((l) => l.table === doomed);
    expect(judged).toHaveLength(tableNamed(report, doomed)?.locks ?? -1);
    // Locks of a page that arrived just before the table went fail their delete, visibly.
    const failed = judged.filter((l) => l.outcome === 'failed');
    for (const l of failed) expect(l.reason).toContain('delete failed: ResourceNotFoundException');
    expect(tableNamed(report, a)?.error).toBeUndefined();
    expect(tableNamed(report, c)?.error).toBeUndefined();
    expect(forgetScopes).toEqual([[a, c]]);
    expect(report.counts.errors).toBe(1 + failed.length);
    expect(await lockIds(client, c)).toEqual(LEFT_AFTER_CLEANUP);
  });
});

describe('the time budget', () => {
  it('stops after the page where the time ran out and lists the tables it did not reach', async () => {
    const prefix = uniqueName('budget');
    const [first, second, third] = await seedTables(prefix, ['a', 'b', 'c']);
    const report = await throughProxy(
      () => undefined,
      async (viaProxy, proxy) => {
        // The Lambda's remaining time runs out once 4 Scan pages have been read: one table and one page.
        const scans = () => proxy.calls.filter((call) => call.operation === 'Scan').length;
        const swept = await sweepVia(viaProxy, prefix, {
          concurrency: 1,
          remainingMs: () => (scans() >= 4 ? 0 : 60_000),
        });
        expect(scansOf(proxy, third)).toEqual([]);
        return swept;
      },
    );
    expect(report.tables.map((t) => [t.name, t.items, t.error])).toEqual([
      [first, 8, undefined],
      [second, 3, 'stopped before the time limit after 3 items; the rest of the table was not read this run'],
      [third, 0, 'not reached: the time limit came first; it will be read next run'],
    ]);
    expect(report.counts).toMatchObject({ deleted: STALE + 3, errors: 2 });
    expect(await lockIds(client, third)).toHaveLength(STALE + 2);
  });
});

/** An SNS endpoint that refuses every Publish the way SNS does when the role may not publish. */
async function deniedSns(): Promise<{ endpoint: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(403, { 'content-type': 'text/xml' });
      res.end(
        '<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type>' +
          '<Code>AuthorizationError</Code><Message>User is not authorized to perform: SNS:Publish</Message>' +
          '</Error><RequestId>6a9e7c1b-0000-4000-8000-000000000000</RequestId></ErrorResponse>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('the notifier failing', () => {
  const throwing: Notifier = {
    publish: async () => {
      throw new Error('connect ETIMEDOUT sns.eu-west-1.amazonaws.com');
    },
  };

  it.each([
    ['a notifier that throws', async () => ({ notifier: throwing, close: async () => {} }), 'ETIMEDOUT'],
    [
      'SNS refusing the Publish',
      async () => {
        const sns = await deniedSns();
        const snsClient = new SNSClient({
          endpoint: sns.endpoint,
          region: 'eu-west-1',
          credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
          maxAttempts: 1,
        });
        const notifier = new SnsNotifier(snsClient, 'arn:aws:sns:eu-west-1:123456789012:janitor');
        const close = () => {
          snsClient.destroy();
          return sns.close();
        };
        return { notifier, close };
      },
      'not authorized to perform: SNS:Publish',
    ],
  ])('keeps the audit records and marks the run failed with %s', async (_, makeNotifier, why) => {
    const prefix = uniqueName('notify');
    const [table] = await seedTables(prefix, ['a']);
    const state = new MemoryStateStore();
    const { notifier, close } = await makeNotifier();
    try {
      const report = await sweepTables(client, prefix, CLEANUP, { state, notifier });
      expect(state.audits.map((a) => a.lockId).sort()).toEqual(
        Array.from({ length: STALE }, (_, i) => `acme/stale-${i}.tfstate`),
      );
      expect(report.counts).toMatchObject({ deleted: STALE, errors: 1 });
      expect(report.failures).toEqual([
        { kind: 'notification', message: expect.stringMatching(/^notification failed: /) },
      ]);
      expect(report.failures[0].message).toContain(why);
      expect(report.notification).toEqual({ sent: false, error: expect.stringContaining(why) });
      expect(await lockIds(client, table)).toEqual(LEFT_AFTER_CLEANUP);
    } finally {
      await close();
    }
  });

  it('alerts again on the next run when the notification of an alert failed', async () => {
    const prefix = uniqueName('realert');
    await seedTables(prefix, ['a']);
    const state = new MemoryStateStore();
    const alertOnly = { ...CLEANUP, mode: 'alert' as const };
    const failed = await sweepTables(client, prefix, alertOnly, { state, notifier: throwing });
    expect(failed.locks.filter((l) => l.notify)).toHaveLength(STALE);
    const told: RenderedMessage[] = [];
    const recording: Notifier = { publish: async (m) => void told.push(m) };
    const retold = await sweepTables(client, prefix, alertOnly, { state, notifier: recording });
    expect(retold.locks.filter((l) => l.notify)).toHaveLength(STALE);
    expect(told.filter((m) => m.audience === 'all')).toHaveLength(1);
    expect(told.filter((m) => m.audience === 'chat')).toHaveLength(
      Math.min(STALE, 10) + (STALE > 10 ? 1 : 0),
    );
    const after = await sweepTables(client, prefix, alertOnly, { state, notifier: recording });
    expect(after.locks.filter((l) => l.notify)).toEqual([]);
  });
});

describe('the state store failing', () => {
  async function stateTable(): Promise<string> {
    const name = uniqueName('janitor-state');
    await createStateTable(client, name);
    return name;
  }

  it.each([
    [
      'a state store whose observe throws',
      async (run: (state: StateStore) => Promise<RunReport>) => {
        const memory = new MemoryStateStore();
        return run({
          observe: async () => {
            throw new Error('state store unavailable');
          },
          markAlerted: (k, n) => memory.markAlerted(k, n),
          forgetGone: (s, seen, n) => memory.forgetGone(s, seen, n),
          audit: (r) => memory.audit(r),
          recordIntent: (r) => memory.recordIntent(r),
          forgetLock: (k) => memory.forgetLock(k),
          clearIntent: (k) => memory.clearIntent(k),
          intents: () => memory.intents(),
          noteTableFailures: (f, r, n) => memory.noteTableFailures(f, r, n),
          markTableFailuresAlerted: (t, n) => memory.markTableFailuresAlerted(t, n),
          lastCompleteSweep: (t) => memory.lastCompleteSweep(t),
          audited: (i) => memory.audited(i),
          announced: (k, i) => memory.announced(k, i),
          noteCompleteSweeps: (t, n) => memory.noteCompleteSweeps(t, n),
        });
      },
      'state store unavailable',
    ],
    [
      'the state table denying UpdateItem',
      async (run: (state: StateStore) => Promise<RunReport>) => {
        const name = await stateTable();
        return throughProxy(
          ({ operation, body }) =>
            operation === 'UpdateItem' && body.TableName === name
              ? { ...DENIED, message: DENIED.message.replace('Scan', 'UpdateItem') }
              : undefined,
          (viaProxy) => run(new DynamoStateStore(viaProxy, name)),
        );
      },
      'AccessDeniedException',
    ],
  ])('deletes nothing when it cannot record sightings (%s), and says why', async (_, withState, why) => {
    const prefix = uniqueName('no-memory');
    const [table] = await seedTables(prefix, ['a']);
    const report = await withState((state) => sweepTables(client, prefix, CLEANUP, { state }));
    // A table denying UpdateItem cannot remember the complete sweep either: one more failure, said as such.
    const more = report.failures.filter((f) => f.kind === 'sweep-memory').length;
    expect(await lockIds(client, table)).toHaveLength(STALE + 2);
    expect(report.counts).toMatchObject({ deleted: 0, errors: STALE + 1 + more });
    expect(report.locks.map((l) => l.outcome).sort()).toEqual(['kept', ...Array(STALE).fill('unsent')]);
    expect(report.locks.find((l) => l.outcome === 'unsent')?.reason).toContain(
      'seen on 0 of the 1 run needed',
    );
    expect(report.failures).toHaveLength(STALE + 1 + more);
    expect(report.failures[0]).toMatchObject({ kind: 'sighting' });
    expect(report.failures[0].message).toMatch(/^could not record the sighting of .* acme\/.*\.tfstate: /);
    expect(report.failures[0].message).toContain(why);
  });

  it('reports the full Info of a deletion whose audit record could not be written', async () => {
    const prefix = uniqueName('no-audit');
    const [table] = await seedTables(prefix, ['a']);
    const name = await stateTable();
    const report = await throughProxy(
      ({ operation, body }) =>
        operation === 'PutItem' && body.TableName === name && isAuditPut(body)
          ? { ...DENIED, message: DENIED.message.replace('Scan', 'PutItem') }
          : undefined,
      (viaProxy) => sweepTables(client, prefix, CLEANUP, { state: new DynamoStateStore(viaProxy, name) }),
    );
    expect(await lockIds(client, table)).toEqual(LEFT_AFTER_CLEANUP);
    expect(report.counts).toMatchObject({ deleted: STALE, errors: STALE });
    for (const lock of report.locks.filter((l) => l.outcome === 'deleted')) {
      const failure = report.failures.find((f) => f.lock?.id === lock.id);
      expect(failure).toMatchObject({ kind: 'audit', lock: { lockId: lock.lockId } });
      expect(failure?.lock?.info).toContain(`"Created":"${lock.created}"`);
      expect(failure?.message).toContain('AccessDeniedException');
    }
    expect(await listAudit(client, name, 'us-east-1', table)).toEqual([]);
  });
});

/** An audit record's PutItem (pk `AUDIT#...`), as opposed to the intent record written before each delete. */
function isAuditPut(body: Record<string, unknown>): boolean {
  return String((body.Item as { pk?: { S?: string } } | undefined)?.pk?.S).startsWith('AUDIT#');
}

describe('a lost response', () => {
  /** A client retrying like the SDK (3 attempts, no waiting) whose first DeleteItem goes wrong as `fault` says. */
  function faultyDeletes(fault: (args: unknown, next: () => Promise<unknown>) => Promise<unknown>) {
    const retrying = new DynamoDBClient({
      endpoint: endpoint(),
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      maxAttempts: MAX_ATTEMPTS,
      retryStrategy: fastRetries(MAX_ATTEMPTS),
    });
    let first = true;
    retrying.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName !== 'DeleteItemCommand' || !first) return next(args);
        first = false;
        return (await fault(args, () => next(args))) as Awaited<ReturnType<typeof next>>;
      },
      { step: 'deserialize', name: 'firstDeleteGoesWrong' },
    );
    return retrying;
  }

  // DynamoDB applied the guarded delete but the response was lost (a connection reset, or a 500 that "may or
  // may not have succeeded"); the SDK retried and the retry's condition failed because the item is gone. The
  // janitor cannot tell its own delete from a release by the holder: outcome `gone`, audited as such, not
  // counted as a deletion (invariant 2).
  it('reports and audits a lock that vanished around a delete whose response was lost as gone, not deleted', async () => {
    const prefix = uniqueName('lost');
    const table = `${prefix}-a`;
    await createLockTable(client, table);
    await putItems(client, table, [lockAged('stale.tfstate', 3 * HOUR)]);
    const retrying = faultyDeletes(async (_args, send) => {
      await send();
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    });
    const state = new MemoryStateStore();
    try {
      const report = await sweepTables(retrying, prefix, CLEANUP, { state });
      expect(await lockIds(client, table)).toEqual([]);
      expect(report.locks.map((l) => l.outcome)).toEqual(['gone']);
      expect(report.locks[0].reason).toContain('deleted by this run or released by its holder meanwhile');
      expect(report.counts).toMatchObject({ deleted: 0, changed: 1, errors: 0 });
      expect(state.audits.map((a) => [a.lockId, a.action])).toEqual([['acme/stale.tfstate', 'gone']]);
      expect(await state.intents()).toEqual([]);
    } finally {
      retrying.destroy();
    }
  });

  // The first DeleteItem is throttled (not applied); before the retry, the holder releases the lock and a new
  // run takes it. The retry's condition fails on the new Info: the new lock is kept and nothing is claimed.
  it('keeps a lock re-taken between a throttled delete and its retry, and claims no deletion', async () => {
    const prefix = uniqueName('retaken');
    const table = `${prefix}-a`;
    await createLockTable(client, table);
    await putItems(client, table, [lockAged('stale.tfstate', 3 * HOUR)]);
    const next = lockAged('stale.tfstate', 0, 'OperationTypeApply', 'alice@laptop');
    const retrying = faultyDeletes(async () => {
      await putItems(client, table, [next]);
      throw Object.assign(new Error('Rate exceeded'), {
        name: 'ThrottlingException',
        $metadata: { httpStatusCode: 400 },
      });
    });
    const state = new MemoryStateStore();
    try {
      const report = await sweepTables(retrying, prefix, CLEANUP, { state });
      expect(await infoOf(client, table, 'acme/stale.tfstate')).toBe(next.Info.S);
      expect(report.locks.map((l) => l.outcome)).toEqual(['changed']);
      expect(report.counts.deleted).toBe(0);
      expect(state.audits).toEqual([]);
      expect(await state.intents()).toEqual([]);
    } finally {
      retrying.destroy();
    }
  });
});
