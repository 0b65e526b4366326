// Tests: the really bundled Lambda handler against dynalite and a fake SNS.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { App } from 'aws-cdk-lib';
import type { Context } from 'aws-lambda';
import { digestItem, lockItem } from '../bin/demo/terraform-lock';
import { JanitorStack } from '../lib/janitor-stack';
import {
  allItems,
  createLockTable,
  createStateTable,
  endpoint,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';

type Resource = { Type: string; Properties: unknown; Metadata?: Record<string, unknown> };
type FunctionResource = {
  Properties: { Code: { S3Key: string }; Environment: { Variables: { POLICY: string; METRICS: string } } };
  Metadata: { 'aws:asset:path': string };
};
type ScheduleResource = { Properties: { Target: { Input: string } } };
type LogLine = Record<string, unknown>;
type Handler = (event: unknown, context: Context) => Promise<unknown>;

const HOUR = 3_600_000;
// The real fs module, the one the bundle's pino (sonic-boom) and EMF writes reach.
const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

/** A stand-in for SNS's Query API: answers Publish with the XML SNS sends, and remembers each request. */
async function startFakeSns(published: URLSearchParams[]): Promise<Server> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const params = new URLSearchParams(body);
      published.push(params);
      res.writeHead(200, { 'content-type': 'text/xml' });
      res.end(
        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>m-${published.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${published.length}</RequestId></ResponseMetadata></PublishResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

describe('the bundled handler', () => {
  const prefix = uniqueName('tfj-bundled');
  const lockTable = `${prefix}-main`;
  const otherTable = uniqueName('elsewhere-locks');
  const stateTable = uniqueName('janitor-state');
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-bundle-'));
  const published: URLSearchParams[] = [];
  const savedEnv = { ...process.env };
  let client: DynamoDBClient;
  let sns: Server;

  beforeAll(async () => {
    client = testClient();
    sns = await startFakeSns(published);
  });

  afterAll(async () => {
    process.env = savedEnv;
    client.destroy();
    await new Promise((resolve) => sns.close(resolve));
    rmSync(outdir, { recursive: true, force: true });
  });

  it('runs from the synthesized asset: deletes a stale lock on its second sighting, keeps the rest, logs the report', async () => {
    // Synthesize for real (esbuild bundling) with a policy that may delete in the test's own tables only.
    const policy = {
      mode: 'delete' as const,
      tables: { include: [`${prefix}-*`] },
      rules: [{ name: 'stale', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
      // The two invocations below are moments apart; a deployed janitor keeps the default 5m gap.
      sightingGap: '0s',
      allowShortDurations: true,
    };
    // Asset metadata on, as the CDK CLI sets it, so the template names the asset directory.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    new JanitorStack(app, 'Bundled', { policy, acknowledgeUnsafeShortDurations: true });
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, 'Bundled.template.json'), 'utf8'));
    const resources = Object.values(template.Resources) as Resource[];
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function') as unknown as FunctionResource;
    const assetDir = fn.Metadata['aws:asset:path'];
    expect(fn.Properties.Code.S3Key).toBe(`${assetDir.replace(/^asset\./, '')}.zip`);
    const bundle = path.join(outdir, assetDir, 'index.js');
    expect(statSync(bundle).size).toBeGreaterThan(0);
    const schedule = resources.find(
      (r) => r.Type === 'AWS::Scheduler::Schedule',
    ) as unknown as ScheduleResource;

    // What AWS would have: Terraform-shaped lock items, a state table, the function's environment.
    const now = Date.now();
    const stale = lockItem({
      bucket: 'tf-state',
      path: 'env:/prod/network.tfstate',
      operation: 'OperationTypeApply',
      who: 'runner@ci-17',
      createdMs: now - 5 * HOUR,
    });
    const fresh = lockItem({
      bucket: 'tf-state',
      path: 'app.tfstate',
      operation: 'OperationTypePlan',
      who: 'alice@laptop',
      createdMs: now - 5 * 60_000,
    });
    const elsewhere = lockItem({
      bucket: 'tf-state',
      path: 'old.tfstate',
      operation: 'OperationTypeApply',
      who: 'bob@laptop',
      createdMs: now - 48 * HOUR,
    });
    await createLockTable(client, lockTable);
    await createLockTable(client, otherTable);
    await createStateTable(client, stateTable);
    await putItems(client, lockTable, [stale, fresh, digestItem('tf-state', 'app.tfstate')]);
    await putItems(client, otherTable, [elsewhere]);
    const topicArn = 'arn:aws:sns:us-east-1:000000000000:janitor-alerts';
    Object.assign(process.env, {
      // The policy exactly as the stack passes it to the function.
      POLICY: fn.Properties.Environment.Variables.POLICY,
      METRICS: fn.Properties.Environment.Variables.METRICS,
      STATE_TABLE: stateTable,
      TOPIC_ARN: topicArn,
      AWS_LAMBDA_FUNCTION_NAME: 'tf-lock-janitor-test',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
      AWS_ENDPOINT_URL_SNS: `http://127.0.0.1:${(sns.address() as AddressInfo).port}`,
    });

    const { handler } = require(bundle) as { handler: Handler };
    const invoke = async (requestId: string) => {
      const event = JSON.parse(
        schedule.Properties.Target.Input.replace('<aws.scheduler.scheduled-time>', new Date().toISOString())
          .replace('<aws.scheduler.execution-id>', `exec-${requestId}`)
          .replace('<aws.scheduler.attempt-number>', '1'),
      );
      const context = {
        awsRequestId: requestId,
        functionName: 'tf-lock-janitor-test',
        getRemainingTimeInMillis: () => 300_000,
      } as unknown as Context;
      const lines: string[] = [];
      const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string) => {
        if (fd !== 1) throw new Error(`unexpected write to fd ${fd}`);
        lines.push(...String(data).split('\n').filter(Boolean));
        return Buffer.byteLength(String(data));
      }) as typeof fs.writeSync);
      try {
        const result = await handler(event, context);
        return { result, logs: lines.map((l) => JSON.parse(l) as LogLine) };
      } finally {
        spy.mockRestore();
      }
    };
    const lockIds = async (table: string) =>
      (await allItems(client, table)).map((i) => (i.LockID as { S: string }).S).sort();

    // First run: the stale lock is past deleteAfter, but one sighting is never enough.
    const first = await invoke('req-1');
    expect(first.result).toMatchObject({
      runId: 'req-1',
      complete: true,
      counts: { locks: 2, stale: 1, deleted: 0 },
    });
    expect(await lockIds(lockTable)).toEqual(
      [stale.LockID.S, fresh.LockID.S, digestItem('tf-state', 'app.tfstate').LockID.S].sort(),
    );

    // Second run: same Info seen twice -> deleted; the fresh lock, the digest and other tables stay.
    const second = await invoke('req-2');
    expect(second.result).toMatchObject({
      runId: 'req-2',
      complete: true,
      counts: { locks: 2, stale: 1, deleted: 1, errors: 0 },
    });
    expect(await lockIds(lockTable)).toEqual([fresh.LockID.S, 'tf-state/app.tfstate-md5'].sort());
    expect(await lockIds(otherTable)).toEqual([elsewhere.LockID.S]);

    // The report as logged: one JSON line per decision and one summary, each with the request id; then EMF.
    const logs = second.logs.filter((l) => !l._aws);
    expect(logs.every((l) => l.requestId === 'req-2' && l.level && l.timestamp)).toBe(true);
    const judged = logs.filter((l) => l.message === 'lock judged');
    expect(judged.map((l) => [l.lockId, l.decision, l.outcome]).sort()).toEqual(
      [
        [fresh.LockID.S, 'keep', 'kept'],
        [stale.LockID.S, 'delete', 'deleted'],
      ].sort(),
    );
    const summaries = logs.filter((l) => l.message === 'run finished');
    expect(summaries).toHaveLength(1);
    expect(summaries[0]).toMatchObject({
      runId: 'req-2',
      mode: 'delete',
      counts: { deleted: 1 },
      failedTables: [],
    });
    const emf = second.logs.filter((l) => l._aws);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      // The default deployment declares only the metric its alarm needs; the counts are plain fields.
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'TfLockJanitor',
            Dimensions: [['FunctionName']],
            Metrics: [{ Name: 'errors', Unit: 'Count' }],
          },
        ],
      },
      FunctionName: 'tf-lock-janitor-test',
      locks: 2,
      deleted: 1,
      errors: 0,
    });

    // The deletion was audited in the state table and told through SNS.
    const audit = JSON.stringify(await allItems(client, stateTable));
    expect(audit).toContain(JSON.parse(stale.Info.S).ID);
    const publishes = published.filter((p) => p.get('Action') === 'Publish');
    expect(publishes.length).toBeGreaterThanOrEqual(1);
    expect(publishes.every((p) => p.get('TopicArn') === topicArn)).toBe(true);
    expect(publishes.at(-1)!.get('Message')).toContain(stale.LockID.S);
  });
});
