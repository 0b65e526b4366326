// The embedded demo: two janitor runs against an in-process DynamoDB, printed with their messages.
import { randomUUID } from 'node:crypto';
import { BatchWriteItemCommand, DynamoDBClient, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { DynamoLockStore } from '../../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../../lambda/adapters/memory-state-store';
import { S3LockfileStore, s3ClientConfig } from '../../lambda/adapters/s3-lockfile-store';
import { RELEASE_PAYLOAD_KEY } from '../../lambda/core/contract';
import type { RenderedMessage } from '../../lambda/core/message/sns';
import { parsePolicy } from '../../lambda/core/policy';
import type { Notifier } from '../../lambda/core/ports';
import { sweep } from '../../lambda/run/sweep';
import { fitText, renderReport } from '../format';
import {
  BUCKET,
  DEMO_POLICY,
  type DemoLockfile,
  demoItems,
  demoLockfiles,
  LOCK_TABLE,
  OTHER_TABLE,
} from './demo-data';
import { startDynalite } from './local-dynamo';
import { startLocalS3 } from './local-s3';
import { createTableReady, LOCK_TABLE_SCHEMA } from './tables';

const REGION = 'us-east-1';
const SCHEDULE_MS = 15 * 60_000;

/**
 * The embedded demo: an in-process DynamoDB engine, a realistic lock table, and two janitor runs 15 minutes
 * apart (the second run is the one that may delete: the policy wants two sightings). No AWS account needed.
 */
export async function runDemo(print: (text: string) => void, width?: number): Promise<number> {
  // Every line fits `width` (the terminal's): reports fitted, prose wrapped, commands continued with `\`.
  const out = (text: string) => print(fitText(text, width));
  const engine = await startDynalite();
  let s3Clock = Date.now();
  const s3 = await startLocalS3({ now: () => s3Clock });
  const client = new DynamoDBClient({
    endpoint: engine.endpoint,
    region: REGION,
    credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
  });
  const s3Client = new S3Client(
    s3ClientConfig({
      region: REGION,
      endpoint: s3.endpoint,
      credentials: { accessKeyId: 'demo', secretAccessKey: 'demo' },
    }),
  );
  try {
    const start = Date.now();
    const bucket = demoLockfiles(start);
    await seed(client, start, bucket.doubleItem);
    await seedBucket(s3Client, bucket.lockfiles, (ms) => {
      s3Clock = ms;
    });
    s3Clock = start;
    out(
      `tf-lock-janitor demo: dynalite on ${engine.endpoint}, lock table "${LOCK_TABLE}" seeded, "${OTHER_TABLE}" is not a lock table;\n` +
        `an in-process S3 on ${s3.endpoint} holds the state bucket "${BUCKET}" with its .tflock lockfiles.`,
    );
    out(`Policy: ${JSON.stringify(DEMO_POLICY, null, 2)}`);
    const policy = parsePolicy(DEMO_POLICY);
    const state = new MemoryStateStore();
    const store = new DynamoLockStore(client, REGION);
    const lockfiles = new S3LockfileStore(s3Client);
    let code = 0;
    for (const [i, label] of ['Run 1 (now)', 'Run 2 (15 minutes later)'].entries()) {
      const notifier = new CapturingNotifier();
      const report = await sweep({
        policy,
        regions: [REGION],
        lockStores: () => store,
        lockfileStores: () => lockfiles,
        state,
        notifier,
        // As the deployed Lambda would: the e-mail shows `aws lambda invoke` of the function, chat the button.
        render: {
          janitor: { functionName: 'tf-lock-janitor', region: REGION, canRelease: policy.mode === 'delete' },
        },
        now: new Date(start + i * SCHEDULE_MS),
        runId: randomUUID(),
      });
      out(`\n=== ${label} ===\n${renderReport(report, width)}`);
      out(notifier.describe());
      if (report.counts.errors) code = 1;
    }
    // One record per place: a double lock's two halves are two records of one deleted lock.
    const locks = new Set(state.audits.map((a) => JSON.stringify([a.region, a.lockId, a.id]))).size;
    out(
      `\nAudit trail (${state.audits.length} records of ${locks} deleted locks; a double lock has one per half):`,
    );
    for (const a of state.audits) out(`  ${a.at} ${a.table} ${a.lockId} ID ${a.id} by rule "${a.rule}"`);
    return code;
  } finally {
    client.destroy();
    s3Client.destroy();
    await s3.close();
    await engine.close();
  }
}

/** Keeps the messages the Lambda would publish to SNS, instead of publishing them. */
class CapturingNotifier implements Notifier {
  private readonly messages: RenderedMessage[] = [];

  async publish(message: RenderedMessage): Promise<void> {
    this.messages.push(message);
  }

  describe(): string {
    const [run, ...chats] = this.messages;
    if (!run) return '\nNo news this run: nothing would be published.';
    return [
      `\n--- The SNS message (e-mail) ---\nSubject: ${run.subject}\n\n${run.text}`,
      `\n--- The same run for Slack / Teams (Amazon Q Developer custom notification) ---\n${JSON.stringify(run.chat, null, 2)}`,
      ...chats.map(describeChat),
    ].join('\n');
  }
}

/** A chat-only notification: what the channel shows, and the variables the Release button reads. */
function describeChat(message: RenderedMessage, i: number): string {
  const { content, metadata } = message.chat;
  const lines = [
    `\n--- Slack / Teams notification ${i + 1} (${metadata.eventType}, thread ${metadata.threadId}) ---`,
    content.title,
    ...content.description.split('\n').map((l) => `  ${l}`),
    ...content.nextSteps.map((step) => `  - ${step}`),
  ];
  const payload = metadata.additionalContext[RELEASE_PAYLOAD_KEY];
  if (payload)
    lines.push(
      `  Button variable payload = event.metadata.additionalContext.${RELEASE_PAYLOAD_KEY} = ${payload}`,
      `  decoded: ${Buffer.from(payload, 'base64').toString('utf8')}`,
    );
  return lines.join('\n');
}

/** The state bucket: a state object, and each lockfile written (If-None-Match: *, as Terraform does) at its time. */
async function seedBucket(
  client: S3Client,
  lockfiles: readonly DemoLockfile[],
  setClock: (ms: number) => void,
): Promise<void> {
  await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  await client.send(
    new PutObjectCommand({ Bucket: BUCKET, Key: 'network/vpc/terraform.tfstate', Body: '{"version":4}' }),
  );
  for (const { key, body, atMs } of lockfiles) {
    setClock(atMs);
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
  }
}

async function seed(
  client: DynamoDBClient,
  nowMs: number,
  doubleItem: Record<string, { S: string }>,
): Promise<void> {
  await createTableReady(client, { TableName: LOCK_TABLE, ...LOCK_TABLE_SCHEMA });
  const ignored = await createTableReady(client, {
    TableName: 'sandbox-terraform-locks',
    ...LOCK_TABLE_SCHEMA,
  });
  await client.send(
    new TagResourceCommand({
      ResourceArn: ignored,
      Tags: [{ Key: 'tf-lock-janitor:ignore', Value: 'true' }],
    }),
  );
  await createTableReady(client, {
    TableName: OTHER_TABLE,
    AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
  });
  const items = [...demoItems(nowMs), doubleItem];
  const requests = items.map((Item) => ({ PutRequest: { Item } }));
  await client.send(new BatchWriteItemCommand({ RequestItems: { [LOCK_TABLE]: requests } }));
}
