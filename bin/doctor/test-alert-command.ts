// CLI: `test-alert`: invokes the deployed janitor with {"testAlert": {...}} and tells what it answered.
import { userInfo } from 'node:os';
import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { describeError } from '../../lambda/core/errors';
import { printable } from '../../lambda/core/message/format';
import { doctorClientConfig } from './client-config';
import type { Want } from './flags';

type Io = { out: (text: string) => void; err: (text: string) => void };

/** What the janitor answers to `{"testAlert": {}}` (lambda/handler.ts TestAlertAnswer). */
type Answer = {
  testAlert?: { published?: boolean; topicArn?: string; subject?: string; releaseButton?: boolean };
};

/** Invokes the janitor (synchronously) for one test notification; exit 0 when SNS accepted it. */
export async function runTestAlert(want: Want, io: Io, client?: LambdaClient): Promise<number> {
  const lambda = client ?? newLambdaClient(want.region, want.profile);
  const { InvokeCommand } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  const functionName = want.functionName ?? (await stackJanitor(want, lambda));
  const payload = {
    testAlert: { requestedBy: `OS user ${JSON.stringify(userInfo().username)} with the CLI` },
  };
  let out: InvokeCommandOutput;
  try {
    out = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Payload: Buffer.from(JSON.stringify(payload)) }),
    );
  } catch (e) {
    io.err(
      `tf-lock-janitor: could not invoke ${printable(functionName, 64)} in ${want.region}: ${printable(describeError(e), 1000)}`,
    );
    io.err(
      'tf-lock-janitor: the test alert needs lambda:InvokeFunction on the janitor function for your credentials',
    );
    return 1;
  }
  const text = out.Payload ? Buffer.from(out.Payload).toString('utf8') : '';
  if (out.FunctionError) {
    const error = parsed<{ errorType?: string; errorMessage?: string }>(text);
    io.err(
      `tf-lock-janitor: the janitor failed to publish the test alert: ${printable(`${error?.errorType ?? out.FunctionError}: ${error?.errorMessage ?? text}`, 2000)}`,
    );
    return 1;
  }
  const answer = parsed<Answer>(text)?.testAlert;
  if (want.json)
    io.out(JSON.stringify({ functionName, region: want.region, ...(answer ?? { answer: text }) }, null, 2));
  if (!answer?.published) {
    io.err(
      `tf-lock-janitor: the janitor did not confirm the test alert (it answered ${printable(text, 500)}); is ${printable(functionName, 64)} a tf-lock-janitor of this version?`,
    );
    return 1;
  }
  if (!want.json) for (const line of published(answer)) io.out(line);
  return 0;
}

function published(answer: NonNullable<Answer['testAlert']>): string[] {
  return [
    `Published "${printable(answer.subject ?? '', 99)}" to ${printable(answer.topicArn ?? '', 256)}.`,
    'Every confirmed e-mail address and chat channel on the topic gets it within a minute; an address pending confirmation gets nothing (tf-lock-janitor doctor lists them).',
    answer.releaseButton
      ? 'In chat, press its "Release lock" button once: the janitor answers that the test names no real lock and releases nothing, which shows the button reaches it.'
      : 'It has no Release button: this janitor may not release locks (mode alert without allowRelease).',
  ];
}

function parsed<T>(text: string): T | undefined {
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

function newLambdaClient(region: string, profile?: string): LambdaClient {
  const { LambdaClient } = require('@aws-sdk/client-lambda') as typeof import('@aws-sdk/client-lambda');
  return new LambdaClient(doctorClientConfig(region, profile));
}

async function stackJanitor(want: Want, lambda: LambdaClient): Promise<string> {
  const { CloudFormationClient } =
    require('@aws-sdk/client-cloudformation') as typeof import('@aws-sdk/client-cloudformation');
  const { stackFunction } = require('./read-function') as typeof import('./read-function');
  const cfn = new CloudFormationClient(doctorClientConfig(want.region, want.profile));
  return stackFunction(cfn, lambda, want.stack ?? '');
}
