// Test support: a deployed janitor's resources on moto (role, function, topic, schedule, dead-letter queue, logs).
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  CreateLogStreamCommand,
  PutLogEventsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { DoctorClients } from '../../bin/doctor/doctor';

export const REGION = 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

/** Clients for moto, with one attempt (no retries hide a bug); the doctor gets the same kind. */
export function motoClients(
  endpoint: string,
  snsEndpoint = endpoint,
): DoctorClients & { raw: { sns: SNSClient; iam: IAMClient } } {
  const config = { region: REGION, endpoint, credentials, maxAttempts: 1 };
  const sns = new SNSClient({ ...config, endpoint: snsEndpoint });
  const lambda = new LambdaClient(config);
  return {
    lambda,
    chatbot: { credentials: lambda.config.credentials, sha256: lambda.config.sha256 },
    scheduler: new SchedulerClient(config),
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
    iam: new IAMClient(config),
    sns: () => sns,
    cloudformation: () => {
      throw new Error('not used');
    },
    raw: { sns: new SNSClient(config), iam: new IAMClient(config) },
  };
}

/** How the seeded janitor looks. */
export type Seed = {
  readonly name: string;
  readonly policy?: string;
  readonly scheduleState?: 'ENABLED' | 'DISABLED';
  readonly schedule?: boolean;
  readonly deadLetters?: number;
  readonly emails?: readonly string[];
  /** The janitor's log lines (JSON objects), each with its age in minutes. */
  readonly logLines?: readonly { readonly minutesAgo: number; readonly line: object }[];
};

/** A "run finished" summary line as the handler writes it. */
export function runFinished(errors: number, extra: object = {}): object {
  return {
    level: errors ? 'WARN' : 'INFO',
    message: 'run finished',
    counts: { locks: 3, stale: 1, alerted: 1, deleted: 0, changed: 0, skipped: 0, errors },
    ...extra,
  };
}

/** Creates the janitor's resources on moto as the LockJanitor construct deploys them; returns their names. */
export async function seedJanitor(clients: ReturnType<typeof motoClients>, seed: Seed, nowMs: number) {
  const role = await clients.raw.iam.send(
    new CreateRoleCommand({
      RoleName: `${seed.name}-role`,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
        ],
      }),
    }),
  );
  const { TopicArn } = await clients.raw.sns.send(new CreateTopicCommand({ Name: `${seed.name}-alerts` }));
  for (const email of seed.emails ?? [])
    await clients.raw.sns.send(new SubscribeCommand({ TopicArn, Protocol: 'email', Endpoint: email }));
  const fn = await clients.lambda.send(
    new CreateFunctionCommand({
      FunctionName: seed.name,
      Runtime: 'nodejs22.x',
      Role: role.Role?.Arn,
      Handler: 'index.handler',
      Code: { ZipFile: zipOfIndex() },
      Environment: {
        Variables: {
          POLICY: seed.policy ?? '{"mode":"alert","tables":{"include":["tf-locks-*"]}}',
          STATE_TABLE: `${seed.name}-state`,
          TOPIC_ARN: TopicArn ?? '',
          METRICS: 'errors',
        },
      },
    }),
  );
  const dlq = await clients.sqs.send(new CreateQueueCommand({ QueueName: `${seed.name}-dlq` }));
  const { Attributes } = await clients.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  for (let i = 0; i < (seed.deadLetters ?? 0); i++)
    await clients.sqs.send(new SendMessageCommand({ QueueUrl: dlq.QueueUrl, MessageBody: '{}' }));
  if (seed.schedule ?? true)
    await clients.scheduler.send(
      new CreateScheduleCommand({
        Name: `${seed.name}-schedule`,
        ScheduleExpression: 'rate(15 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        State: seed.scheduleState ?? 'ENABLED',
        Target: {
          Arn: fn.FunctionArn,
          RoleArn: role.Role?.Arn,
          DeadLetterConfig: { Arn: Attributes?.QueueArn },
          Input: '{"source":"tf-lock-janitor.schedule"}',
        },
      }),
    );
  const logGroupName = `/aws/lambda/${seed.name}`;
  await clients.logs.send(new CreateLogGroupCommand({ logGroupName }));
  await clients.logs.send(new CreateLogStreamCommand({ logGroupName, logStreamName: 's1' }));
  const events = (seed.logLines ?? [])
    .map(({ minutesAgo, line }) => ({
      timestamp: nowMs - minutesAgo * 60_000,
      message: JSON.stringify(line),
    }))
    .sort((a, b) => a.timestamp - b.timestamp);
  if (events.length)
    await clients.logs.send(
      new PutLogEventsCommand({ logGroupName, logStreamName: 's1', logEvents: events }),
    );
  return {
    functionArn: fn.FunctionArn ?? '',
    topicArn: TopicArn ?? '',
    queueUrl: dlq.QueueUrl ?? '',
    roleArn: role.Role?.Arn ?? '',
  };
}

/** A zip archive holding an empty `index.js` (stored, not deflated): enough for CreateFunction. */
function zipOfIndex(): Uint8Array {
  const name = Buffer.from('index.js');
  const data = Buffer.from('exports.handler=async()=>({});');
  const crc = crc32(data);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(data.length, 22);
  local.writeUInt16LE(name.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt32LE(crc, 16);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(data.length, 24);
  central.writeUInt16LE(name.length, 28);
  const localSize = local.length + name.length + data.length;
  const centralSize = central.length + name.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(centralSize, 12);
  end.writeUInt32LE(localSize, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
