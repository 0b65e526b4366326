// CLI: the `doctor` and `test-alert` commands: their flags, their SDK clients (loaded only here) and their output.
import { parseArgs } from 'node:util';
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig } from '../../lambda/adapters/aws-client-config';
import { UsageError } from '../../lambda/core/errors';
import { resolveRegions } from '../cli-context';
import { checklistJson, doctorExitCode, renderChecklist } from './checklist';
import type { DoctorClients } from './doctor';

type Io = { out: (text: string) => void; err: (text: string) => void };

export const DOCTOR_USAGE = `Usage: tf-lock-janitor doctor (--function NAME | --stack NAME) [--region R] [--json]
       tf-lock-janitor test-alert (--function NAME | --stack NAME) [--region R] [--json]

doctor      checks a deployed janitor, read-only: its function and policy, schedule, last runs, alert
            subscriptions (pending confirmation), chat channel, the role's access to the policy's tables and
            buckets (IAM simulation) and the dead-letter queue. One line per check: ok, FAIL (with the fix) or
            unknown (could not be checked). Exit 0 only when every check is ok, 1 otherwise, 2 bad usage.
test-alert  asks the janitor to publish one labelled test notification to its e-mail and chat subscribers
            (lambda:InvokeFunction on it); in chat its Release lock button names no real lock and is refused.
            Exit 0 when SNS accepted it, 1 otherwise, 2 bad usage.

  --function NAME   the janitor's Lambda function (the stack output FunctionName; default name tf-lock-janitor)
  --stack NAME      a CloudFormation stack holding one janitor (its function is found among the stack's)
  --region R        the janitor's region (default: AWS_REGION, AWS_DEFAULT_REGION)
  --json            machine-readable output
Credentials and profile: the AWS SDK's own chain (AWS_PROFILE, environment, SSO, instance role).`;

const OPTIONS = {
  function: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What both commands are pointed at. */
export type Want = {
  readonly functionName?: string;
  readonly stack?: string;
  readonly region: string;
  readonly json: boolean;
};

/** The flags of `doctor` and `test-alert`; a usage error names the problem and shows this command's usage. */
export function parseWant(command: string, argv: string[]): Want | 'help' {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}\n\n${DOCTOR_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length)
    throw new UsageError(`${command}: unexpected argument "${positionals[0]}"\n\n${DOCTOR_USAGE}`);
  if ((values.function === undefined) === (values.stack === undefined))
    throw new UsageError(
      `${command}: name the janitor with --function NAME or --stack NAME (one of them)\n\n${DOCTOR_USAGE}`,
    );
  const regions = resolveRegions({ region: values.region });
  if (regions.length > 1)
    throw new UsageError(`${command}: works on one janitor in one region: pass --region once`);
  return {
    ...(values.function !== undefined ? { functionName: values.function } : {}),
    ...(values.stack !== undefined ? { stack: values.stack } : {}),
    region: regions[0],
    json: values.json ?? false,
  };
}

/** Runs `doctor` or `test-alert`; resolves to the exit code. */
export async function runDoctorCommand(
  command: 'doctor' | 'test-alert',
  argv: string[],
  io: Io,
): Promise<number> {
  const want = parseWant(command, argv);
  if (want === 'help') {
    io.out(DOCTOR_USAGE);
    return 0;
  }
  if (command === 'test-alert') {
    const { runTestAlert } = require('./test-alert-command') as typeof import('./test-alert-command');
    return runTestAlert(want, io);
  }
  const { runDoctor } = require('./doctor') as typeof import('./doctor');
  const { target, checks } = await runDoctor(want, doctorClients(want.region), Date.now());
  if (want.json) io.out(checklistJson(target, checks));
  else for (const line of renderChecklist(target, checks)) io.out(line);
  return doctorExitCode(checks);
}

/**
 * The doctor's SDK clients, loaded here only: they are dependencies of the CLI, outside its bundle and the
 * Lambda's. Endpoints follow the SDK's own settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>).
 */
export function doctorClients(region: string): DoctorClients {
  const config = awsClientConfig({ region, maxAttempts: 3 });
  const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  const { SchedulerClient } =
    require('@aws-sdk/client-scheduler') as typeof import('@aws-sdk/client-scheduler');
  const { SQSClient } = require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs');
  const { CloudWatchLogsClient } =
    require('@aws-sdk/client-cloudwatch-logs') as typeof import('@aws-sdk/client-cloudwatch-logs');
  const { IAMClient } = require('@aws-sdk/client-iam') as typeof import('@aws-sdk/client-iam');
  const sns = new Map<string, SNSClient>();
  let cloudformation: CloudFormationClient | undefined;
  return {
    lambda: new LambdaClient(config),
    scheduler: new SchedulerClient(config),
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
    iam: new IAMClient(config),
    sns: (topicRegion) => {
      const { SNSClient } = require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns');
      const client =
        sns.get(topicRegion) ??
        new SNSClient(awsClientConfig({ region: topicRegion || region, maxAttempts: 3 }));
      sns.set(topicRegion, client);
      return client;
    },
    cloudformation: () => {
      const { CloudFormationClient } =
        require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
      cloudformation ??= new CloudFormationClient(config);
      return cloudformation;
    },
  };
}
