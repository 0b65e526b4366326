// Tests: `alerted` only when SNS took a message naming the lock; otherwise `unsent`, never remembered (issue 18, case 3).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { renderReport } from '../bin/format';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { SnsNotifier } from '../lambda/adapters/sns-notifier';
import {
  createLockTable,
  createStateTable,
  endpoint,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
const dir = mkdtempSync(join(tmpdir(), 'tflj-outcomes-'));
const client = testClient();
afterAll(() => client.destroy());

const POLICY = { rules: [{ name: 'stale', match: {}, alertAfter: '1h' }] };

async function staleTable(prefix: string): Promise<string> {
  const table = `${prefix}-locks`;
  await createLockTable(client, table);
  await putItems(client, table, [lockAged('a.tfstate', 3 * HOUR), lockAged('b.tfstate', 2 * HOUR)]);
  return table;
}

describe('sweep without a topic (dynalite)', () => {
  it('says unsent on every stale row and in the summary, and once that nobody was told', async () => {
    // Prepare: locks made against the real clock, since the CLI judges at the time it runs.
    const prefix = uniqueName('no-topic');
    const table = `${prefix}-locks`;
    await createLockTable(client, table);
    await putItems(client, table, [
      lockAged('a.tfstate', NOW - Date.now() + 3 * HOUR),
      lockAged('b.tfstate', NOW - Date.now() + 2 * HOUR),
    ]);
    const policy = join(dir, `${prefix}.json`);
    writeFileSync(policy, JSON.stringify({ ...POLICY, tables: { include: [table] } }));
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_REGION: '' };

    // Act
    const { stdout } = await run(
      process.execPath,
      [CLI, 'sweep', '--endpoint', endpoint(), '--policy', policy],
      {
        env,
      },
    );

    // Assess
    expect(stdout).not.toMatch(/alert\s+alerted/);
    expect(stdout.match(/alert\s+unsent/g)).toHaveLength(2);
    expect(stdout).toContain('0 alerted, 2 unsent');
    expect(
      stdout.match(/Not alerted: no alert topic, so nobody was told of the 2 unsent locks/g),
    ).toHaveLength(1);
  });
});

describeOnMoto('sweep with a topic on moto (SNS)', () => {
  let engine: Moto;
  let sns: SNSClient;
  beforeAll(async () => {
    engine = await startMoto();
    sns = new SNSClient({ endpoint: engine.endpoint, region: 'us-east-1', maxAttempts: 1 });
  }, 60_000);
  afterAll(async () => {
    sns?.destroy();
    await engine?.stop();
  });

  async function setup(name: string) {
    const prefix = uniqueName(name);
    await staleTable(prefix);
    const stateTable = `${prefix}-state`;
    await createStateTable(client, stateTable);
    return { prefix, state: new DynamoStateStore(client, stateTable) };
  }

  it('a failed publish: rows unsent with the reason, nothing remembered, alerted again next run', async () => {
    // Prepare: a topic that does not exist, so SNS refuses the publish.
    const { prefix, state } = await setup('failed-publish');
    const missing = new SnsNotifier(sns, 'arn:aws:sns:us-east-1:123456789012:no-such-topic');
    const real = await sns.send(new CreateTopicCommand({ Name: uniqueName('alerts') }));
    const working = new SnsNotifier(sns, real.TopicArn ?? '');

    // Act
    const failed = await sweepTables(client, prefix, POLICY, { state, notifier: missing });
    const next = await sweepTables(client, prefix, POLICY, {
      state,
      notifier: working,
      now: new Date(NOW + 10 * MINUTE),
    });
    const after = await sweepTables(client, prefix, POLICY, {
      state,
      notifier: working,
      now: new Date(NOW + 20 * MINUTE),
    });

    // Assess: the failed run claims no alert, and its memory holds none, so the next run alerts.
    expect(failed.notification).toMatchObject({ sent: false, error: expect.stringContaining('NotFound') });
    expect(failed.locks.map((l) => l.outcome)).toEqual(['unsent', 'unsent']);
    expect(failed.locks[0].reason).toContain('not alerted: the notification failed');
    expect(failed.counts).toMatchObject({ alerted: 0, unsent: 2 });
    const text = renderReport(failed);
    expect(text).toMatch(/Notification: failed/);
    expect(text).not.toMatch(/alert\s+alerted/);
    expect(next.locks.map((l) => l.outcome)).toEqual(['alerted', 'alerted']);
    expect(next.counts).toMatchObject({ alerted: 2, unsent: 0 });
    expect(after.locks.map((l) => l.outcome)).toEqual(['alerted-earlier', 'alerted-earlier']);
    expect(after.counts).toMatchObject({ alerted: 0, alertedEarlier: 2 });
  });
});
