// CLI: the `doctor` and `test-alert` commands: their flags, their SDK clients (loaded only here) and their output.
import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { perRegion } from '../../lambda/per-region';
import { checklistJson, doctorExitCode, renderChecklist } from './checklist';
import { doctorClientConfig } from './client-config';
import type { DoctorClients } from './doctor';
import type { Want } from './flags';

type Io = { out: (text: string) => void; err: (text: string) => void };

/** Runs `doctor` or `test-alert` on the janitor its flags name; resolves to the exit code. */
export async function runDoctorCommand(
  command: 'doctor' | 'test-alert',
  want: Want,
  io: Io,
): Promise<number> {
  if (command === 'test-alert') {
    const { runTestAlert } = require('./test-alert-command') as typeof import('./test-alert-command');
    return runTestAlert(want, io);
  }
  const { runDoctor } = require('./doctor') as typeof import('./doctor');
  const { target, checks } = await runDoctor(want, doctorClients(want.region, want.profile), Date.now());
  if (want.json) io.out(checklistJson(target, checks));
  else for (const line of renderChecklist(target, checks)) io.out(line);
  return doctorExitCode(checks);
}

/**
 * The doctor's SDK clients, loaded here only: they are dependencies of the CLI, outside its bundle and the
 * Lambda's. Endpoints follow the SDK's own settings (AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_<SERVICE>); credentials the
 * SDK's chain, from `--profile` when given.
 */
export function doctorClients(region: string, profile?: string): DoctorClients {
  const config = doctorClientConfig(region, profile);
  const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  const { SchedulerClient } =
    require('@aws-sdk/client-scheduler') as typeof import('@aws-sdk/client-scheduler');
  const { SQSClient } = require('@aws-sdk/client-sqs') as typeof import('@aws-sdk/client-sqs');
  const { CloudWatchLogsClient } =
    require('@aws-sdk/client-cloudwatch-logs') as typeof import('@aws-sdk/client-cloudwatch-logs');
  const { IAMClient } = require('@aws-sdk/client-iam') as typeof import('@aws-sdk/client-iam');
  let cloudformation: CloudFormationClient | undefined;
  const lambda = new LambdaClient(config);
  return {
    lambda,
    // Chatbot calls are signed with the Lambda client's credential chain and hash: the same profile and keys.
    chatbot: { credentials: lambda.config.credentials, sha256: lambda.config.sha256 },
    scheduler: new SchedulerClient(config),
    sqs: new SQSClient(config),
    logs: new CloudWatchLogsClient(config),
    iam: new IAMClient(config),
    sns: perRegion((topicRegion) => {
      const { SNSClient } = require('@aws-sdk/client-sns') as typeof import('@aws-sdk/client-sns');
      return new SNSClient(doctorClientConfig(topicRegion || region, profile));
    }),
    cloudformation: () => {
      const { CloudFormationClient } =
        require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
      cloudformation ??= new CloudFormationClient(config);
      return cloudformation;
    },
  };
}
