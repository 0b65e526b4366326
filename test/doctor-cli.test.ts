// Tests: `tf-lock-janitor doctor` and `test-alert` from the command line: usage, exit codes, output, a real invoke path.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { CreateTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { main } from '../bin/cli';
import { runDoctor } from '../bin/doctor/doctor';
import { awsClientConfig } from '../lambda/adapters/aws-client-config';
import { TEST_ALERT_SUBJECT } from '../lambda/core/message/test-alert';
import { motoClients, REGION, runFinished, seedJanitor } from './support/deployed-janitor';
import { MOTO_MISSING, type Moto, motoAvailable, startMoto } from './support/moto';

const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

async function cli(...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, out, err };
}

describe('doctor and test-alert usage', () => {
  it.each([
    [['doctor', '--region', 'eu-west-1'], /name the janitor with --function NAME or --stack NAME/],
    [['doctor', '--function', 'a', '--stack', 'b', '--region', 'eu-west-1'], /one of them/],
    [
      ['test-alert', '--function', 'a', 'extra', '--region', 'eu-west-1'],
      /takes no argument, but got "extra"/,
    ],
    [['doctor', '--function', 'a', '--region', 'eu-west-1', '--region', 'us-east-1'], /pass --region once/],
    [['doctor', '--function', 'a', '--region', 'Ireland'], /is not an AWS region/],
    [['doctor', '--function', 'a', '--policy', 'p.json'], /doctor does not take --policy/],
    [
      ['doctor', '--function', 'a', '--region', 'eu-west-1', '--output', 'tsv'],
      /--output takes table or json here/,
    ],
  ])('refuses %j with exit 2 and the reason, on one line', async (argv, message) => {
    const { code, err } = await cli(...argv);
    expect(code).toBe(2);
    expect(err.join('\n')).toMatch(message);
    expect(err).toHaveLength(1);
    expect(err[0]).not.toContain('\n');
  });

  it('prints its help with exit 0', async () => {
    const { code, out } = await cli('doctor', '--help');
    expect(code).toBe(0);
    expect(out.join('\n')).toMatch(/^Usage: tf-lock-janitor doctor \[flags\]/);
    expect(out.join('\n')).toContain('--function NAME');
    expect(out.join('\n')).toContain('--stack NAME');
  });
});

describe('the doctor against a silent endpoint', () => {
  it('reports the function as unknown with the timeout, and every other check as not reached, instead of hanging', async () => {
    // Prepare: a server that accepts connections and never answers.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const timeouts = { connectionTimeoutMs: 200, requestTimeoutMs: 300 };
    const config = {
      ...awsClientConfig({ region: REGION, endpoint, maxAttempts: 1, timeouts }),
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    };
    const clients = { ...motoClients(endpoint), lambda: new LambdaClient(config) };

    // Act
    const { checks } = await runDoctor(
      { functionName: 'tf-lock-janitor', region: REGION },
      clients,
      Date.now(),
    );

    // Assess
    expect(checks[0]).toMatchObject({
      id: 'function',
      verdict: 'unknown',
      detail: expect.stringMatching(/^could not read the function tf-lock-janitor: TimeoutError/),
    });
    expect(checks.slice(1).map((c) => c.detail)).toEqual(
      Array(6).fill('not checked: the function could not be read'),
    );
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });
});

const runMoto = motoAvailable();
if (!runMoto) console.warn(MOTO_MISSING);

/**
 * A stand-in for the Lambda Invoke API (`POST /2015-03-31/functions/NAME/invocations`, synchronous) that runs the real
 * handler in this process, answering as Lambda does: the result as JSON, or, when the handler throws, status 200 with
 * `X-Amz-Function-Error: Unhandled` and `{errorType, errorMessage}`; an unknown function is a 404
 * ResourceNotFoundException. moto's Lambda needs Docker to invoke, which this machine does not have.
 */
async function lambdaInvokeServer(
  functionName: string,
  canned?: unknown,
): Promise<{ endpoint: string; close(): Promise<void>; events: unknown[]; authorizations: string[] }> {
  const events: unknown[] = [];
  const authorizations: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? '');
      if (!match || decodeURIComponent(match[1]) !== functionName) {
        res.writeHead(404, {
          'content-type': 'application/json',
          'x-amzn-errortype': 'ResourceNotFoundException',
        });
        res.end(JSON.stringify({ Type: 'User', message: `Function not found: ${match?.[1]}` }));
        return;
      }
      const event = JSON.parse(Buffer.concat(chunks).toString('utf8') || 'null');
      events.push(event);
      authorizations.push(String(req.headers.authorization ?? ''));
      if (canned !== undefined) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(canned));
        return;
      }
      const spy = jest
        .spyOn(fs, 'writeSync')
        .mockImplementation(((_fd: number, data: string) =>
          Buffer.byteLength(String(data))) as typeof fs.writeSync);
      try {
        let mod: typeof import('../lambda/handler') | undefined;
        jest.isolateModules(() => {
          mod = require('../lambda/handler');
        });
        const context = {
          awsRequestId: 'req-cli',
          getRemainingTimeInMillis: () => 60_000,
        } as unknown as Context;
        const result = await mod!.handler(event, context);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result));
      } catch (e) {
        res.writeHead(200, { 'content-type': 'application/json', 'x-amz-function-error': 'Unhandled' });
        res.end(JSON.stringify({ errorType: (e as Error).name, errorMessage: (e as Error).message }));
      } finally {
        spy.mockRestore();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    events,
    authorizations,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

(runMoto ? describe : describe.skip)('doctor and test-alert against moto', () => {
  const savedEnv = { ...process.env };
  let moto: Moto;

  beforeAll(async () => {
    moto = await startMoto();
  }, 60_000);
  afterEach(() => {
    process.env = { ...savedEnv };
  });
  afterAll(async () => {
    await moto?.stop();
  });

  it('prints the checklist and exits 1 when a check could not be run (moto has no IAM simulation); --json says the same', async () => {
    // Prepare
    await seedJanitor(
      motoClients(moto.endpoint),
      { name: 'cli-janitor', logLines: [{ minutesAgo: 3, line: runFinished(0) }] },
      Date.now(),
    );
    process.env.AWS_ENDPOINT_URL = moto.endpoint;

    // Act
    const text = await cli('doctor', '--function', 'cli-janitor', '--region', REGION);
    const json = await cli('doctor', '--function', 'cli-janitor', '--region', REGION, '--json');

    // Assess
    expect(text.code).toBe(1);
    expect(text.out[0]).toBe(`tf-lock-janitor doctor: cli-janitor in ${REGION}`);
    expect(
      text.out
        .filter((l) => /^ {2}(ok|FAIL|unknown) /.test(l))
        .map((l) =>
          l
            .trim()
            .split(/\s{2,}/)
            .slice(0, 2),
        ),
    ).toEqual([
      ['ok', 'function and policy'],
      ['ok', 'schedule'],
      ['ok', 'last runs'],
      ['FAIL', 'alert subscriptions'],
      ['ok', 'chat and Release button'],
      ['unknown', "role's access"],
      ['ok', 'dead-letter queue'],
    ]);
    expect(text.out.at(-1)).toBe(
      '1 failed, 1 could not be checked of 7 checks: the janitor is not working as deployed; see each fix above.',
    );
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.out.join('\n'));
    expect(parsed.ok).toBe(false);
    expect(parsed.checks.map((c: { verdict: string }) => c.verdict)).toEqual([
      'ok',
      'ok',
      'ok',
      'FAIL',
      'ok',
      'unknown',
      'ok',
    ]);
  });

  it('test-alert: the janitor publishes the test notification through moto SNS; exit 0 and what to look for', async () => {
    // Prepare
    const sns = new SNSClient({ region: REGION, endpoint: moto.endpoint });
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: 'cli-test-alert' }));
    const lambda = await lambdaInvokeServer('tf-lock-janitor');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_ENDPOINT_URL_SNS: moto.endpoint,
      POLICY: '{"mode":"delete"}',
      TOPIC_ARN: TopicArn,
      AWS_LAMBDA_FUNCTION_NAME: 'tf-lock-janitor',
    });

    // Act
    const { code, out, err } = await cli('test-alert', '--function', 'tf-lock-janitor', '--region', REGION);

    // Assess
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toBe(`Published "${TEST_ALERT_SUBJECT}" to ${TopicArn}.`);
    expect(out[2]).toMatch(/press its "Release lock" button once/);
    expect(lambda.events).toEqual([
      { testAlert: { requestedBy: expect.stringMatching(/^OS user ".*" with the CLI$/) } },
    ]);
    await lambda.close();
    sns.destroy();
  });

  it('takes the region and the credentials from --profile (a fake ~/.aws/config), and --output json', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'doctor-profile-'));
    writeFileSync(path.join(dir, 'config'), '[profile ops]\nregion = eu-west-3\n');
    writeFileSync(
      path.join(dir, 'credentials'),
      '[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = secret\n',
    );
    const answer = {
      testAlert: {
        published: true,
        topicArn: 'arn:aws:sns:eu-west-3:123456789012:t',
        subject: TEST_ALERT_SUBJECT,
        releaseButton: false,
      },
    };
    const lambda = await lambdaInvokeServer('tf-lock-janitor', answer);
    for (const key of [
      'AWS_ACCESS_KEY_ID',
      'AWS_SECRET_ACCESS_KEY',
      'AWS_REGION',
      'AWS_DEFAULT_REGION',
      'AWS_PROFILE',
    ])
      delete process.env[key];
    Object.assign(process.env, {
      AWS_CONFIG_FILE: path.join(dir, 'config'),
      AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'credentials'),
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_ENDPOINT_URL: moto.endpoint,
    });

    // Act
    const alert = await cli(
      'test-alert',
      '--function',
      'tf-lock-janitor',
      '--profile',
      'ops',
      '--output',
      'json',
    );
    const doctor = await cli(
      'doctor',
      '--function',
      'tf-lock-janitor',
      '--profile',
      'ops',
      '--output',
      'json',
    );

    // Assess
    expect(alert.err).toEqual([]);
    expect(alert.code).toBe(0);
    expect(JSON.parse(alert.out.join('\n'))).toMatchObject({
      functionName: 'tf-lock-janitor',
      region: 'eu-west-3',
      published: true,
    });
    expect(lambda.authorizations[0]).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAOPS\/\d{8}\/eu-west-3\/lambda\/aws4_request/,
    );
    const report = JSON.parse(doctor.out.join('\n'));
    expect(report).toMatchObject({ region: 'eu-west-3', ok: false });
    expect(report.checks[0]).toMatchObject({
      id: 'function',
      verdict: 'FAIL',
      detail: 'no function named tf-lock-janitor in eu-west-3',
    });
    expect((await cli('doctor', '--function', 'x', '--profile', 'ops', '--output', 'yaml')).code).toBe(2);
    await lambda.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("test-alert: exit 1 with the janitor's own error when its publish fails, and with the reason for a missing function", async () => {
    const lambda = await lambdaInvokeServer('tf-lock-janitor');
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_LAMBDA: lambda.endpoint,
      AWS_ENDPOINT_URL_SNS: moto.endpoint,
      POLICY: '{"mode":"alert"}',
      TOPIC_ARN: `arn:aws:sns:${REGION}:123456789012:gone`,
    });
    const failed = await cli('test-alert', '--function', 'tf-lock-janitor', '--region', REGION);
    expect(failed.code).toBe(1);
    expect(failed.err.join('\n')).toMatch(
      /^tf-lock-janitor: the janitor failed to publish the test alert: NotFoundException: /,
    );
    const missing = await cli('test-alert', '--function', 'other-janitor', '--region', REGION);
    expect(missing.code).toBe(1);
    expect(missing.err.join('\n')).toMatch(
      /could not invoke other-janitor in us-east-1: ResourceNotFoundException: Function not found/,
    );
    expect(missing.err.join('\n')).toMatch(/needs lambda:InvokeFunction/);
    await lambda.close();
  });
});
