// Tests: the CLI's EC2 host check (loaded only when the policy asks for it) against moto's DynamoDB and EC2.
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTableCommand, DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type EC2Client, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { LOCK_TABLE_SCHEMA } from '../bin/demo/tables';
import { lockItem } from '../bin/demo/terraform-lock';
import type { RunReport } from '../lambda/core/report';
import { createSubnet, ec2TestClient, launchInstance } from './support/ec2';
import { MINUTE } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };

describeOnMoto('tf-lock-janitor sweep with evidence.ec2Hosts, against moto', () => {
  let engine: Moto;
  let dynamo: DynamoDBClient;
  let ec2: EC2Client;
  beforeAll(async () => {
    engine = await startMoto();
    dynamo = new DynamoDBClient({ endpoint: engine.endpoint, region: REGION, credentials });
    ec2 = ec2TestClient(engine.endpoint, REGION);
  }, 60_000);
  afterAll(async () => {
    dynamo?.destroy();
    ec2?.destroy();
    await engine?.stop();
  });

  it('deletes the lock of a terminated runner under deleteWhenHolderGone and keeps the running one', async () => {
    // Prepare: a terminated and a running runner, each holding a 20-minute-old lock.
    const subnetId = await createSubnet(ec2);
    const gone = await launchInstance(ec2, subnetId, '10.0.12.40');
    const running = await launchInstance(ec2, subnetId, '10.0.12.41');
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
    const table = 'cli-hosts-locks';
    await dynamo.send(
      new CreateTableCommand({ TableName: table, BillingMode: 'PAY_PER_REQUEST', ...LOCK_TABLE_SCHEMA }),
    );
    const lockOf = (path: string, who: string) =>
      lockItem({
        bucket: 'acme',
        path,
        operation: 'OperationTypeApply',
        who,
        createdMs: Date.now() - 20 * MINUTE,
      });
    for (const item of [lockOf('gone', 'runner@ip-10-0-12-40'), lockOf('running', 'runner@ip-10-0-12-41')])
      await dynamo.send(new PutItemCommand({ TableName: table, Item: item }));
    const dir = mkdtempSync(join(tmpdir(), 'tflj-hosts-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        mode: 'delete',
        minSightings: 1,
        tables: { include: [table] },
        evidence: { ec2Hosts: true },
        rules: [
          { name: 'runners', match: {}, alertAfter: '1h', deleteAfter: '2h', deleteWhenHolderGone: '15m' },
        ],
      }),
    );

    // Act
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_REGION: '' };
    const audit = join(mkdtempSync(join(tmpdir(), 'tflj-hosts-')), 'audit.jsonl');
    const args = ['sweep', '--endpoint', engine.endpoint, '--region', REGION, '--policy', policy];
    args.push('--audit-file', audit, '--json');
    const { stdout } = await run(process.execPath, [CLI, ...args], { env, timeout: 60_000 });

    // Assess
    const report = JSON.parse(stdout) as RunReport;
    const line = (path: string) => report.locks.find((l) => l.lockId === `acme/${path}`);
    expect(line('gone')).toMatchObject({
      decision: 'delete',
      outcome: 'deleted',
      holder: { outcome: 'gone', instanceId: gone, state: 'terminated' },
    });
    expect(line('running')).toMatchObject({
      decision: 'keep',
      holder: { outcome: 'running', instanceId: running },
    });
    const left = await dynamo.send(new ScanCommand({ TableName: table }));
    expect(left.Items?.map((i) => i.LockID.S)).toEqual(['acme/running']);
  }, 120_000);
});
