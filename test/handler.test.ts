// Tests: the Lambda handler (config, sweep, release, logs, metrics).

import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateSubnetCommand,
  CreateVpcCommand,
  EC2Client,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import type { Context } from 'aws-lambda';
import { lockItem } from '../bin/demo/terraform-lock';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { readConfig } from '../lambda/config';
import { PolicyError, UsageError } from '../lambda/core/errors';
import { countRun } from '../lambda/core/report';
import { parseEvent } from '../lambda/events';
import { METRIC_NAMES, renderEmf } from '../lambda/metrics';
import {
  createLockTable,
  createStateTable,
  endpoint,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { HANG, startFaultProxy } from './support/fault-proxy';
import { motoAvailable, startMoto } from './support/moto';

type RawLock = { LockID: { S: string }; Info: { S: string } };

const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
const env = (extra: Record<string, string | undefined> = {}) => ({
  AWS_REGION: 'eu-west-1',
  POLICY: '{"mode":"delete"}',
  ...extra,
});

describe('configuration from the environment', () => {
  it('reads the policy, topic and state table, sweeping the own region by default', () => {
    const config = readConfig(env({ TOPIC_ARN: 'arn:aws:sns:eu-west-1:1:t', STATE_TABLE: 'state' }));
    expect(config).toMatchObject({
      regions: ['eu-west-1'],
      homeRegion: 'eu-west-1',
      topicArn: 'arn:aws:sns:eu-west-1:1:t',
      stateTable: 'state',
      logLevel: 'info',
      metrics: 'errors',
    });
    expect(config.policy.mode).toBe('delete');
  });

  it.each([
    [{ POLICY: '{"regions":["eu-west-1","us-east-2"]}' }, ['eu-west-1', 'us-east-2']],
    [
      { POLICY: '{"regions":["eu-west-1"]}', REGIONS: 'ap-south-1, eu-north-1' },
      ['ap-south-1', 'eu-north-1'],
    ],
  ])('takes regions from REGIONS, else the policy (%j)', (extra, regions) => {
    expect(readConfig(env(extra)).regions).toEqual(regions);
  });

  it.each([
    ['no POLICY', { POLICY: undefined }, UsageError, /POLICY is not set/],
    ['POLICY that is not JSON', { POLICY: '{mode:' }, PolicyError, /POLICY is not valid JSON/],
    ['a bad policy', { POLICY: '{"mode":"purge"}' }, PolicyError, /mode: must be one of/],
    ['a POLICY of null', { POLICY: 'null' }, PolicyError, /policy: must be a JSON object/],
    [
      'a POLICY with a key twice',
      { POLICY: '{"mode":"alert","mode":"delete"}' },
      PolicyError,
      /mode: is given twice/,
    ],
    [
      'a bad REGIONS',
      { REGIONS: 'eu-west-1,Frankfurt' },
      PolicyError,
      /REGIONS\[1\]: must be an AWS region name/,
    ],
    ['no AWS_REGION', { AWS_REGION: undefined }, UsageError, /AWS_REGION is not set/],
    [
      'a METRICS level that does not exist',
      { METRICS: 'some' },
      UsageError,
      /METRICS is "some"; set "errors"/,
    ],
  ])('rejects %s, naming the variable', (_name, extra, type, message) => {
    expect(() => readConfig(env(extra))).toThrow(type);
    expect(() => readConfig(env(extra))).toThrow(message);
  });
});

describe('events', () => {
  it.each([
    [
      "the schedule's input",
      { source: 'tf-lock-janitor.schedule', scheduledTime: 'x', executionId: 'e', attempt: '1' },
    ],
    ['an empty test event', {}],
    ['no event at all', null],
  ])('runs a sweep for %s', (_name, event) => {
    expect(parseEvent(event).kind).toBe('sweep');
  });

  it('routes {"release": ...} to a release', () => {
    expect(parseEvent({ release: { table: 't', lockId: 'b/k', id: 'abc' } })).toEqual({
      kind: 'release',
      payload: { table: 't', lockId: 'b/k', id: 'abc' },
    });
  });

  it.each([
    [
      'a mis-cased release',
      { Release: { table: 't', lockId: 'b/k', id: 'x' } },
      /Unknown key "Release": did you mean "release"/,
    ],
    ['an unknown key', { relase: {} }, /unknown "relase"/],
    [
      'a release with extra keys',
      { release: { table: 't', lockId: 'b/k', id: 'x' }, force: true },
      /remove "force"/,
    ],
    ['a string', 'release', /must be a JSON object/],
    ['an array', [], /must be a JSON object/],
  ])('rejects %s instead of sweeping', (_name, event, message) => {
    expect(() => parseEvent(event)).toThrow(UsageError);
    expect(() => parseEvent(event)).toThrow(message);
  });

  it('rejects a release request with missing or unknown fields instead of sweeping', () => {
    expect(() => parseEvent({ release: { table: 't', lockId: 'b/k' } })).toThrow(/release\.id: /);
    expect(() => parseEvent({ release: { table: 't', lockId: 'b/k', id: 'x', force: true } })).toThrow(
      /release: .*"force"/,
    );
    expect(() => parseEvent({ release: { table: 't', lockId: 'b/k', id: 'x', region: 'mars' } })).toThrow(
      /release\.region: must be an AWS region name/,
    );
  });
});

describe('metrics', () => {
  it.each([
    [undefined, 'errors'],
    ['all', 'all'],
  ])('reads METRICS=%s as the level %s', (value, level) => {
    expect(readConfig(env({ METRICS: value })).metrics).toBe(level);
  });

  it('declares only the errors metric by default, keeping the other counts as plain log fields', () => {
    const counts = { ...countRun([], []), locks: 4, deleted: 1, errors: 2 };
    const line = JSON.parse(renderEmf(counts, 'janitor-fn', 1_700_000_000_000, 'errors'));
    expect(line._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: 'TfLockJanitor',
        Dimensions: [['FunctionName']],
        Metrics: [{ Name: 'errors', Unit: 'Count' }],
      },
    ]);
    expect(line).toMatchObject({ FunctionName: 'janitor-fn', errors: 2, locks: 4, deleted: 1 });
  });

  it('renders one EMF line with every run count as a metric at level all', () => {
    const counts = { ...countRun([], []), locks: 4, stale: 2, deleted: 1, errors: 1 };
    const line = JSON.parse(renderEmf(counts, 'janitor-fn', 1_700_000_000_000, 'all'));
    expect(line._aws).toEqual({
      Timestamp: 1_700_000_000_000,
      CloudWatchMetrics: [
        {
          Namespace: 'TfLockJanitor',
          Dimensions: [['FunctionName']],
          Metrics: METRIC_NAMES.map((Name) => ({ Name, Unit: 'Count' })),
        },
      ],
    });
    expect(line).toMatchObject({
      FunctionName: 'janitor-fn',
      locks: 4,
      stale: 2,
      deleted: 1,
      errors: 1,
      changed: 0,
    });
  });
});

describe('the handler', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  /** Invokes a fresh copy of the handler module (a cold start) and captures its stdout lines. */
  async function coldInvoke(
    event: unknown,
    remainingMs = 60_000,
  ): Promise<{ error?: Error; lines: Record<string, unknown>[]; result?: unknown }> {
    const lines: string[] = [];
    const realWriteSync = fs.writeSync;
    // Only stdout is captured: jest itself writes its transform cache with writeSync on other descriptors.
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((
      fd: number,
      data: string,
      ...rest: never[]
    ) => {
      if (fd !== 1) return realWriteSync(fd, data, ...rest);
      lines.push(String(data));
      return Buffer.byteLength(String(data));
    }) as typeof fs.writeSync);
    let error: Error | undefined;
    let result: unknown;
    try {
      let mod: typeof import('../lambda/handler') | undefined;
      jest.isolateModules(() => {
        mod = require('../lambda/handler');
      });
      const context = {
        awsRequestId: 'req-9',
        getRemainingTimeInMillis: () => remainingMs,
      } as unknown as Context;
      result = await mod!.handler(event, context);
    } catch (e) {
      error = e as Error;
    } finally {
      spy.mockRestore();
    }
    return {
      error,
      result,
      lines: lines
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l)),
    };
  }

  it('fails the invocation on a bad policy, logging the field with the request id', async () => {
    Object.assign(process.env, { POLICY: '{"mode":"purge"}' });
    const { error, lines } = await coldInvoke({});
    expect(error).toBeInstanceOf(Error);
    expect(error!.message).toMatch(/mode: must be one of/);
    expect(lines).toEqual([
      expect.objectContaining({ level: 'ERROR', requestId: 'req-9', message: 'invocation failed' }),
    ]);
  });

  /** The state a janitor keeps after announcing `item` of `table` as stale (a delivered alert named it). */
  async function announce(client: DynamoDBClient, stateTable: string, table: string, item: RawLock) {
    const state = new DynamoStateStore(client, stateTable);
    const key = { region: 'us-east-1', table, lockId: item.LockID.S, id: JSON.parse(item.Info.S).ID };
    await state.observe(key, item.Info.S, Date.now() - 60_000);
    await state.markAlerted([key], Date.now() - 60_000);
  }

  it('releases a lock it announced in mode alert when the stack allowed releases (RELEASE_ALLOWED)', async () => {
    const client = testClient();
    const table = uniqueName('handler-release');
    const stateTable = uniqueName('handler-release-state');
    await createLockTable(client, table);
    await createStateTable(client, stateTable);
    const lock = lockItem({
      bucket: 'b',
      path: 'k',
      operation: 'OperationTypeApply',
      who: 'a@b',
      createdMs: 0,
    });
    await putItems(client, table, [lock]);
    await announce(client, stateTable, table, lock);
    Object.assign(process.env, {
      POLICY: '{"mode":"alert"}',
      RELEASE_ALLOWED: 'true',
      STATE_TABLE: stateTable,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
    });
    const id = JSON.parse(lock.Info.S).ID as string;
    const { error, lines, result } = await coldInvoke({ release: { table, lockId: 'b/k', id } });
    expect(error).toBeUndefined();
    expect(lines).toContainEqual(
      expect.objectContaining({ message: 'release finished', outcome: 'released' }),
    );
    expect(await lockIds(client, table)).toEqual([]);
    // What `aws lambda invoke` prints: small and readable, no internal fields (the log line has those).
    expect(result).toEqual({
      released: true,
      outcome: 'released',
      reason: `released ${table} (us-east-1) b/k (ID ${id})`,
      where: { region: 'us-east-1', table, lockId: 'b/k' },
      id,
      runId: 'req-9',
    });
    const again = await coldInvoke({ release: { table, lockId: 'b/k', id } });
    expect(again.result).toMatchObject({ released: false, outcome: 'not-found' });
    client.destroy();
  });

  it('releases through the Lambda only a lock it announced, with the Info it announced (issue 19 #8)', async () => {
    // Prepare: a live lock never announced, and an announced one whose item was then rewritten under its ID.
    const client = testClient();
    const table = uniqueName('handler-forged');
    const stateTable = uniqueName('handler-forged-state');
    await createLockTable(client, table);
    await createStateTable(client, stateTable);
    const lock = (path: string, operation = 'OperationTypeApply') =>
      lockItem({ bucket: 'b', path, operation, who: 'ci@x', createdMs: Date.now() - 3_600_000 });
    const live = lock('live');
    const announced = lock('announced', 'OperationTypePlan');
    await putItems(client, table, [live, announced]);
    await announce(client, stateTable, table, announced);
    const rewritten = {
      ...announced,
      Info: { S: announced.Info.S.replace('OperationTypePlan', 'OperationTypeApply') },
    };
    await putItems(client, table, [rewritten]);
    Object.assign(process.env, {
      POLICY: '{"mode":"delete"}',
      STATE_TABLE: stateTable,
      AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
    });
    // Act: the payloads a forged button would carry (requestedBy "chat", or nothing at all).
    const idOf = (item: RawLock) => JSON.parse(item.Info.S).ID as string;
    const forged = await coldInvoke({
      release: { table, lockId: 'b/live', id: idOf(live), requestedBy: 'chat' },
    });
    const changed = await coldInvoke({ release: { table, lockId: 'b/announced', id: idOf(announced) } });
    // Assess: both refused, nothing deleted, the refusal says what to do instead.
    for (const { result } of [forged, changed])
      expect(result).toMatchObject({
        released: false,
        outcome: 'not-announced',
        reason: expect.stringContaining('tf-lock-janitor release'),
      });
    expect(await lockIds(client, table)).toEqual(['b/announced', 'b/live']);
    client.destroy();
  });

  it('stops before the Lambda timeout and reports the tables it did not reach', async () => {
    const client = testClient();
    const prefix = uniqueName('handler-late');
    await createLockTable(client, `${prefix}-a`);
    await createLockTable(client, `${prefix}-b`);
    Object.assign(process.env, {
      POLICY: JSON.stringify({ mode: 'alert', tables: { include: [`${prefix}-*`] } }),
      AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
    });
    // Less time left than the handler keeps back (STOP_MARGIN_MS): no table is started.
    const { error, lines } = await coldInvoke({ source: 'tf-lock-janitor.schedule' }, 5_000);
    expect(error).toBeUndefined();
    const summary = lines.find((l) => l.message === 'run finished') as { failedTables: { error: string }[] };
    expect(summary.failedTables).toHaveLength(2);
    for (const t of summary.failedTables) expect(t.error).toMatch(/^not reached: the time limit came first/);
    const emf = lines.find((l) => '_aws' in l) as { errors: number };
    expect(emf.errors).toBe(2);
    client.destroy();
  });

  it('lists every failure in the summary line: an audit write that failed after a delete keeps the full Info', async () => {
    const client = testClient();
    const prefix = uniqueName('handler-audit');
    const stateTable = uniqueName('handler-state');
    await createLockTable(client, `${prefix}-locks`);
    await createStateTable(client, stateTable);
    const lock = lockItem({
      bucket: 'b',
      path: 'stuck',
      operation: 'OperationTypePlan',
      who: 'ci@x',
      createdMs: Date.now() - 3 * 3_600_000,
    });
    await putItems(client, `${prefix}-locks`, [lock]);
    // The state table refuses the audit PutItem (as a missing permission would); everything else goes through.
    const proxy = await startFaultProxy(endpoint(), ({ operation, body }) =>
      operation === 'PutItem' &&
      body.TableName === stateTable &&
      String((body.Item as { pk?: { S?: string } }).pk?.S).startsWith('AUDIT#')
        ? {
            status: 400,
            type: 'AccessDeniedException',
            message: 'not authorized to perform: dynamodb:PutItem',
          }
        : undefined,
    );
    Object.assign(process.env, {
      POLICY: JSON.stringify({
        mode: 'delete',
        minSightings: 1,
        tables: { include: [`${prefix}-*`] },
        rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
      }),
      STATE_TABLE: stateTable,
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    });
    try {
      const { error, lines } = await coldInvoke({ source: 'tf-lock-janitor.schedule' });
      expect(error).toBeUndefined();
      expect(await lockIds(client, `${prefix}-locks`)).toEqual([]);
      const summary = lines.find((l) => l.message === 'run finished') as { failures: unknown[] };
      expect(summary.failures).toEqual([
        expect.objectContaining({
          kind: 'audit',
          table: `${prefix}-locks`,
          lock: { lockId: 'b/stuck', id: JSON.parse(lock.Info.S).ID, info: lock.Info.S },
          message: expect.stringContaining('AccessDeniedException'),
        }),
      ]);
      expect(lines).toContainEqual(
        expect.objectContaining({ level: 'ERROR', message: 'audit record not written' }),
      );
    } finally {
      await proxy.close();
      client.destroy();
    }
  });

  it('writes its summary and metrics before the deadline even when a call is stuck past it', async () => {
    const stateTable = uniqueName('handler-stuck-state');
    const client = testClient();
    await createStateTable(client, stateTable);
    // Every state-table Query hangs: the run cannot finish on its own.
    const proxy = await startFaultProxy(endpoint(), ({ operation, body }) =>
      operation === 'Query' && body.TableName === stateTable ? HANG : undefined,
    );
    Object.assign(process.env, {
      POLICY: JSON.stringify({ mode: 'alert', tables: { include: ['handler-stuck-none-*'] } }),
      STATE_TABLE: stateTable,
      AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
    });
    try {
      // 3.5 s left: the run is told to stop at once, and its last word is due 0.5 s later.
      const { error, lines } = await coldInvoke({ source: 'tf-lock-janitor.schedule' }, 3_500);
      expect(error).toBeUndefined();
      const summary = lines.find((l) => l.message === 'run finished');
      expect(summary).toMatchObject({ level: 'ERROR', cutOff: true, counts: { errors: 1 } });
      expect(JSON.stringify(summary)).toContain('did not finish 3 s before the Lambda timeout');
      expect(lines.find((l) => '_aws' in l)).toMatchObject({ errors: 1 });
    } finally {
      await proxy.close();
      client.destroy();
    }
  });

  (motoAvailable() ? it : it.skip)(
    "checks the holders' hosts on EC2 when evidence.ec2Hosts is on: a terminated runner's lock goes before any deleteAfter",
    async () => {
      const moto = await startMoto();
      const client = testClient();
      const ec2 = new EC2Client({ region: 'eu-west-1', endpoint: moto.endpoint, maxAttempts: 1 });
      try {
        const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
        const subnet = await ec2.send(
          new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.0.12.0/24' }),
        );
        const run = await ec2.send(
          new RunInstancesCommand({
            ImageId: 'ami-12c6146b',
            MinCount: 1,
            MaxCount: 1,
            SubnetId: subnet.Subnet?.SubnetId,
            PrivateIpAddress: '10.0.12.40',
          }),
        );
        await ec2.send(
          new TerminateInstancesCommand({ InstanceIds: [run.Instances?.[0]?.InstanceId ?? ''] }),
        );
        const prefix = uniqueName('handler-hosts');
        await createLockTable(client, `${prefix}-locks`);
        const lock = (who: string, path: string) =>
          lockItem({
            bucket: 'b',
            path,
            operation: 'OperationTypeApply',
            who,
            createdMs: Date.now() - 20 * 60_000,
          });
        await putItems(client, `${prefix}-locks`, [
          lock('ci@ip-10-0-12-40', 'dead'),
          lock('ci@laptop', 'alive'),
        ]);
        Object.assign(process.env, {
          POLICY: JSON.stringify({
            mode: 'delete',
            minSightings: 1,
            tables: { include: [`${prefix}-*`] },
            evidence: { ec2Hosts: true },
            rules: [{ name: 'runners', match: {}, deleteWhenHolderGone: '15m' }],
          }),
          AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
          AWS_ENDPOINT_URL_EC2: moto.endpoint,
        });
        const { error } = await coldInvoke({ source: 'tf-lock-janitor.schedule' });
        expect(error).toBeUndefined();
        expect(await lockIds(client, `${prefix}-locks`)).toEqual(['b/alive']);
      } finally {
        ec2.destroy();
        client.destroy();
        await moto.stop();
      }
    },
    60_000,
  );

  it('refuses a release when the policy mode is not delete (the role has no DeleteItem then)', async () => {
    Object.assign(process.env, { POLICY: '{"mode":"alert"}' });
    const { error } = await coldInvoke({ release: { table: 't', lockId: 'b/k', id: 'x' } });
    expect(error!.message).toMatch(
      /runs in mode "alert", so its role has no dynamodb:DeleteItem; deploy it with -c allowRelease=true/,
    );
  });
});
