// Tests: the bundled Lambda against moto's SNS and SQS: the alert names its own invoke, no noise, a release announced.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateTopicCommand, PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { App } from 'aws-cdk-lib';
import type { Context } from 'aws-lambda';
import { lockItem } from '../bin/demo/terraform-lock';
import { JanitorStack } from '../lib/janitor-stack';
import {
  createLockTable,
  createStateTable,
  endpoint,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { MOTO_MISSING, type Moto, motoAvailable, startMoto } from './support/moto';
import { subscribeQueue } from './support/sns-queue';

type Resource = { Type: string; Properties: Record<string, unknown>; Metadata?: Record<string, string> };
type Handler = (event: unknown, context: Context) => Promise<unknown>;
/** What an SQS queue subscribed to the topic receives (raw delivery off): the SNS envelope. */

const HOUR = 3_600_000;
const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

const runMoto = motoAvailable();
if (!runMoto) console.warn(MOTO_MISSING);

(runMoto ? describe : describe.skip)('the bundled handler with SNS, chat and e-mail on moto', () => {
  const prefix = uniqueName('tfj-action');
  const lockTable = `${prefix}-main`;
  const stateTable = uniqueName('janitor-state');
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-action-'));
  const savedEnv = { ...process.env };
  let moto: Moto;
  let client: DynamoDBClient;

  beforeAll(async () => {
    moto = await startMoto();
    client = testClient();
  }, 60_000);

  afterAll(async () => {
    process.env = savedEnv;
    client?.destroy();
    await moto?.stop();
    rmSync(outdir, { recursive: true, force: true });
  });

  it('alerts with its own invoke command, says nothing after its deletion, and announces a release as a release', async () => {
    const policy = {
      mode: 'delete' as const,
      tables: { include: [`${prefix}-*`] },
      rules: [{ name: 'stale', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
      sightingGap: '0s',
      allowShortDurations: true,
    };
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    new JanitorStack(app, 'Action', {
      policy,
      alertEmails: ['ops@example.com'],
      acknowledgeUnsafeShortDurations: true,
    });
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, 'Action.template.json'), 'utf8'));
    const resources = Object.values(template.Resources) as Resource[];
    const fn = resources.find((r) => r.Type === 'AWS::Lambda::Function')!;
    const email = resources.find(
      (r) => r.Type === 'AWS::SNS::Subscription' && r.Properties.Protocol === 'email',
    )!;
    const functionName = fn.Properties.FunctionName as string;
    expect(functionName).toBe('tf-lock-janitor');

    const sns = new SNSClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'janitor-alerts' }));
    const chatInbox = await subscribeQueue(moto, sns, TopicArn!, 'chat');
    const emailInbox = await subscribeQueue(moto, sns, TopicArn!, 'email', email.Properties.FilterPolicy);
    sns.destroy();

    const now = Date.now();
    const stale = (p: string) =>
      lockItem({
        bucket: 'tf-state',
        path: p,
        operation: 'OperationTypeApply',
        who: 'ci@runner',
        createdMs: now - 5 * HOUR,
      });
    const first = stale('env:/prod/network.tfstate');
    await createLockTable(client, lockTable);
    await createStateTable(client, stateTable);
    await putItems(client, lockTable, [first]);
    const variables = fn.Properties.Environment as { Variables: Record<string, string> };
    Object.assign(process.env, {
      POLICY: variables.Variables.POLICY,
      STATE_TABLE: stateTable,
      TOPIC_ARN: TopicArn,
      AWS_LAMBDA_FUNCTION_NAME: functionName,
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
      AWS_ENDPOINT_URL_SNS: moto.endpoint,
    });
    const { handler } = require(path.join(outdir, fn.Metadata!['aws:asset:path'], 'index.js')) as {
      handler: Handler;
    };
    let n = 0;
    const invoke = async (event: unknown) => {
      const context = {
        awsRequestId: `req-${++n}`,
        getRemainingTimeInMillis: () => 300_000,
      } as unknown as Context;
      const spy = jest
        .spyOn(fs, 'writeSync')
        .mockImplementation(((_fd: number, data: string) =>
          Buffer.byteLength(String(data))) as typeof fs.writeSync);
      try {
        return await handler(event, context);
      } finally {
        spy.mockRestore();
      }
    };
    const sweep = () => invoke({ source: 'tf-lock-janitor.schedule' });

    // Run 1: the stale lock is alerted. E-mail gets the run message with the invoke of this very function;
    // chat gets it too, plus the stale-lock notification with the button's payload.
    await sweep();
    const mails = await emailInbox();
    expect(mails.map((m) => m.Subject)).toEqual([`tf-lock-janitor us-east-1/${lockTable}: 1 newly stale`]);
    expect(mails[0].Message).toContain(
      `aws lambda invoke --function-name ${functionName} --region us-east-1 --cli-binary-format raw-in-base64-out --payload '{"release":{"table":"${lockTable}","lockId":"${first.LockID.S}"`,
    );
    expect(mails[0].Message).not.toContain('npx');
    const chats = await chatInbox();
    expect(chats.map((m) => m.MessageAttributes?.audience?.Value).sort()).toEqual(['all', 'chat']);
    const notification = JSON.parse(
      chats.find((m) => m.MessageAttributes?.audience?.Value === 'chat')!.Message,
    );
    expect(notification.metadata).toMatchObject({
      eventType: 'TfLockJanitorStaleLock',
      threadId: `tf-lock-janitor/us-east-1/${lockTable}`,
    });

    // Run 2 deletes it (second sighting) and says so; run 3 has no news: nothing at all, no "resolved".
    await sweep();
    expect((await emailInbox()).map((m) => m.Subject)).toEqual([
      `tf-lock-janitor us-east-1/${lockTable}: 1 deleted`,
    ]);
    expect(await chatInbox()).toHaveLength(1);
    await sweep();
    expect(await emailInbox()).toEqual([]);
    expect(await chatInbox()).toEqual([]);

    // A new stale lock, released by pressing the button: the notification's payload, decoded as the CLI does.
    // It is in a table no run has read yet: in the one read in full a moment ago it could not be 5 hours old.
    const laterTable = `${prefix}-later`;
    await createLockTable(client, laterTable);
    const second = stale('app.tfstate');
    await putItems(client, laterTable, [second]);
    await sweep();
    const pressed = JSON.parse(
      (await chatInbox()).find((m) => m.MessageAttributes?.audience?.Value === 'chat')!.Message,
    );
    await emailInbox();
    const payload = Buffer.from(pressed.metadata.additionalContext.releasePayload, 'base64').toString('utf8');
    const answer = await invoke(JSON.parse(payload));
    expect(answer).toEqual({
      released: true,
      outcome: 'released',
      reason: `released ${laterTable} (us-east-1) tf-state/app.tfstate (ID ${JSON.parse(second.Info.S).ID})`,
      where: { region: 'us-east-1', table: laterTable, lockId: 'tf-state/app.tfstate' },
      id: JSON.parse(second.Info.S).ID,
      runId: 'req-5',
    });
    const told = await emailInbox();
    expect(told.map((m) => m.Subject)).toEqual([
      `tf-lock-janitor: Released on request: ${laterTable} tf-state/app.tfstate`,
    ]);
    expect(told[0].Message).toContain(
      'Requested by: "chat" (claimed by the caller) through Lambda request req-5',
    );
    expect(told[0].Message).toContain('How:          the chat Release button');
    expect(told[0].Message).not.toMatch(/Deleted by the janitor|rule/i);
    expect((await chatInbox()).map((m) => m.Subject)).toEqual([told[0].Subject]);

    // And the run after the release has no news either.
    await sweep();
    expect(await emailInbox()).toEqual([]);
    expect(await chatInbox()).toEqual([]);

    // A CloudWatch alarm publishes without attributes: e-mail still gets it.
    const alarms = new SNSClient({ endpoint: moto.endpoint, region: 'us-east-1' });
    await alarms.send(new PublishCommand({ TopicArn, Subject: 'ALARM: janitor errors', Message: '{}' }));
    alarms.destroy();
    expect((await emailInbox()).map((m) => m.Subject)).toEqual(['ALARM: janitor errors']);
  }, 120_000);
});
