// Tests: the doctor against a janitor deployed on moto (Lambda, Scheduler, SNS, SQS, CloudWatch Logs); IAM simulation pinned.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CloudFormationClient, CreateStackCommand } from '@aws-sdk/client-cloudformation';
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { SubscribeCommand } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { type Check, checklistJson, doctorExitCode, renderChecklist } from '../bin/doctor/checklist';
import { runDoctor } from '../bin/doctor/doctor';
import { releaseCommand } from '../lib/release-command';
import { standIn } from './support/chatbot-stand-in';
import { motoClients, REGION, runFinished, seedJanitor } from './support/deployed-janitor';
import { MOTO_MISSING, type Moto, motoAvailable, startMoto } from './support/moto';

const runMoto = motoAvailable();
if (!runMoto) console.warn(MOTO_MISSING);

/**
 * An HTTP proxy in front of moto's SNS that lists each e-mail subscription the way SNS lists an unconfirmed one:
 * `<SubscriptionArn>PendingConfirmation</SubscriptionArn>` (SNS API reference, ListSubscriptionsByTopic). moto
 * confirms every subscription at once, so it cannot show a pending one itself.
 */
async function pendingEmailProxy(target: string): Promise<{ endpoint: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const out = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          const parts: Buffer[] = [];
          up.on('data', (c: Buffer) => parts.push(c));
          up.on('end', () => {
            let text = Buffer.concat(parts).toString('utf8');
            if (body.toString('utf8').includes('Action=ListSubscriptionsByTopic'))
              text = text.replace(/<member>[\s\S]*?<\/member>/g, (member) =>
                member.includes('<Protocol>email</Protocol>')
                  ? member.replace(
                      /<SubscriptionArn>[^<]*<\/SubscriptionArn>/,
                      '<SubscriptionArn>PendingConfirmation</SubscriptionArn>',
                    )
                  : member,
              );
            const headers = { ...up.headers, 'content-length': String(Buffer.byteLength(text)) };
            res.writeHead(up.statusCode ?? 500, headers);
            res.end(text);
          });
        },
      );
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The doctor's IAM client answers every simulation `allowed` (moto 5.2 has no SimulatePrincipalPolicy). */
function simulatingAllowed(clients: ReturnType<typeof motoClients>) {
  const iam = mockClient(clients.iam);
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
    EvaluationResults: input.ActionNames.map((a) => ({ EvalActionName: a, EvalDecision: 'allowed' })),
  }));
  return iam;
}
const byId = (checks: readonly Check[]) => Object.fromEntries(checks.map((c) => [c.id, c]));

(runMoto ? describe : describe.skip)('tf-lock-janitor doctor on moto', () => {
  let moto: Moto;
  let proxy: Awaited<ReturnType<typeof pendingEmailProxy>>;
  const now = Date.now();

  beforeAll(async () => {
    moto = await startMoto();
    proxy = await pendingEmailProxy(moto.endpoint);
  }, 60_000);
  afterAll(async () => {
    await proxy?.close();
    await moto?.stop();
  });

  it('passes every check of a healthy janitor: exit 0, one ok line each', async () => {
    // Prepare
    const clients = motoClients(moto.endpoint);
    // No engine here simulates IAM: the requests are pinned in doctor-checks.test.ts.
    const iam = simulatingAllowed(clients);
    await seedJanitor(
      clients,
      {
        name: 'healthy-janitor',
        logLines: [
          { minutesAgo: 30, line: runFinished(0) },
          { minutesAgo: 15, line: runFinished(0) },
          { minutesAgo: 20, line: { level: 'INFO', message: 'lock kept' } },
        ],
      },
      now,
    );
    await clients.raw.sns.send(
      new SubscribeCommand({
        TopicArn: `arn:aws:sns:${REGION}:123456789012:healthy-janitor-alerts`,
        Protocol: 'sqs',
        Endpoint: `arn:aws:sqs:${REGION}:123456789012:healthy-janitor-dlq`,
      }),
    );

    // Act
    const { target, checks } = await runDoctor(
      { functionName: 'healthy-janitor', region: REGION },
      clients,
      now,
    );

    // Assess
    expect(checks.map((c) => [c.id, c.verdict])).toEqual([
      ['function', 'ok'],
      ['schedule', 'ok'],
      ['runs', 'ok'],
      ['subscriptions', 'ok'],
      ['chat', 'ok'],
      ['access', 'ok'],
      ['dead-letters', 'ok'],
    ]);
    const c = byId(checks);
    expect(c.function.detail).toBe(
      'healthy-janitor: Active, mode alert, policy valid (1 rules, regions us-east-1)',
    );
    expect(c.schedule.detail).toBe('default/healthy-janitor-schedule rate(15 minutes) ENABLED');
    expect(c.runs.detail).toBe(
      '2 runs in the last 24 h; the last, 15 min ago, was complete, 3 locks, 1 stale',
    );
    expect(c['dead-letters'].detail).toBe('healthy-janitor-dlq: 0 messages');
    expect(doctorExitCode(checks)).toBe(0);
    const lines = renderChecklist(target, checks);
    expect(lines[0]).toBe('tf-lock-janitor doctor: healthy-janitor in us-east-1');
    expect(lines.at(-1)).toBe('All 7 checks passed: the janitor is deployed and working.');
    // The role simulated for the policy's table glob in its region, with the projection a real Scan carries.
    const simulated = iam.commandCalls(SimulatePrincipalPolicyCommand).map((call) => call.args[0].input);
    expect(simulated.map((i) => i.ResourceArns)).toEqual([
      ['*'],
      [`arn:aws:dynamodb:${REGION}:123456789012:table/tf-locks-*`],
    ]);
    expect(
      simulated.every((i) => i.PolicySourceArn === `arn:aws:iam::123456789012:role/healthy-janitor-role`),
    ).toBe(true);
  });

  it('fails what is broken, each with its fix: disabled schedule, pending e-mail, run with errors, dead letters', async () => {
    // Prepare
    const clients = motoClients(moto.endpoint, proxy.endpoint);
    simulatingAllowed(clients);
    await seedJanitor(
      clients,
      {
        name: 'broken-janitor',
        scheduleState: 'DISABLED',
        deadLetters: 2,
        emails: ['ops@example.com'],
        logLines: [
          { minutesAgo: 40, line: runFinished(0) },
          { minutesAgo: 10, line: runFinished(2) },
        ],
      },
      now,
    );

    // Act
    const { target, checks } = await runDoctor(
      { functionName: 'broken-janitor', region: REGION },
      clients,
      now,
    );

    // Assess
    const c = byId(checks);
    expect(c.schedule).toMatchObject({ verdict: 'FAIL', fix: expect.stringMatching(/-c enabled=true/) });
    expect(c.schedule.detail).toMatch(/DISABLED: not enabled, so the janitor does not run$/);
    expect(c.subscriptions).toMatchObject({
      verdict: 'FAIL',
      detail: '0 confirmed; 1 pending confirmation: email ops@example.com',
      fix: expect.stringMatching(/Subscription Confirmation/),
    });
    expect(c.runs).toMatchObject({
      verdict: 'FAIL',
      detail: expect.stringMatching(/the last, 10 min ago, ended with 2 errors \(1 with errors\)$/),
    });
    expect(c.runs.fix).toContain('aws logs tail /aws/lambda/broken-janitor --region us-east-1 --since 1d');
    expect(c['dead-letters']).toMatchObject({
      verdict: 'FAIL',
      detail: expect.stringMatching(/^broken-janitor-dlq: 2 messages/),
    });
    expect(c['dead-letters'].fix).toMatch(
      /aws sqs receive-message --queue-url \S+broken-janitor-dlq --message-attribute-names All$/,
    );
    expect(doctorExitCode(checks)).toBe(1);
    const json = JSON.parse(checklistJson(target, checks));
    expect(json).toMatchObject({ functionName: 'broken-janitor', region: REGION, ok: false });
    expect(json.checks.find((x: Check) => x.id === 'schedule')).toMatchObject({
      title: 'schedule',
      verdict: 'FAIL',
    });
  });

  it.each([
    ['linked to the Release button: ok', true, 'ok', /^slack ops with the Release button$/],
    ['without the Release button: FAIL', false, 'FAIL', /^slack ops has no Release button for this janitor$/],
  ])(
    'checks a chat channel on the topic through the Chatbot API (stand-in), %s',
    async (_name, linked, verdict, detail) => {
      // Prepare
      const name = `chat-janitor-${linked}`;
      const clients = motoClients(moto.endpoint);
      simulatingAllowed(clients);
      const { topicArn } = await seedJanitor(
        clients,
        { name, policy: '{"mode":"delete"}', logLines: [{ minutesAgo: 5, line: runFinished(0) }] },
        now,
      );
      await clients.raw.sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'https',
          Endpoint: 'https://global.sns-api.chatbot.amazonaws.com',
        }),
      );
      const action = `arn:aws:chatbot::123456789012:custom-action/${name}-release-${REGION}`;
      const api = await standIn(({ path, body }) => {
        if (path === '/describe-slack-channel-configurations')
          return {
            body: {
              SlackChannelConfigurations: [
                {
                  ChatConfigurationArn: 'arn:aws:chatbot::123456789012:chat-configuration/slack-channel/ops',
                  ConfigurationName: 'ops',
                  SnsTopicArns: [topicArn],
                  State: 'ENABLED',
                },
              ],
            },
          };
        if (path === '/list-associations')
          return { body: { Associations: linked ? [{ Resource: action }] : [] } };
        if (path === '/get-custom-action')
          return {
            body: {
              CustomAction: {
                CustomActionArn: body.CustomActionArn,
                Definition: { CommandText: releaseCommand(name, REGION) },
              },
            },
          };
        return { body: {} };
      });
      process.env.AWS_ENDPOINT_URL_CHATBOT = api.endpoint;

      // Act
      const { checks } = await runDoctor({ functionName: name, region: REGION }, clients, now);

      // Assess
      delete process.env.AWS_ENDPOINT_URL_CHATBOT;
      await api.close();
      expect(byId(checks).chat).toMatchObject({ verdict, detail: expect.stringMatching(detail) });
      expect(byId(checks).subscriptions.detail).toMatch(/https \(chat\)/);
      expect(api.seen.map((s) => s.path)).toContain('/list-associations');
    },
  );

  it('finds the janitor function of a CloudFormation stack (--stack), and refuses a stack without one', async () => {
    // Prepare
    const config = {
      region: REGION,
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    };
    const cfn = new CloudFormationClient(config);
    const clients = { ...motoClients(moto.endpoint), cloudformation: () => cfn };
    simulatingAllowed(clients);
    const { roleArn } = await seedJanitor(clients, { name: 'stack-seed' }, now);
    const fn = (name: string, env: Record<string, string>) => ({
      Type: 'AWS::Lambda::Function',
      Properties: {
        FunctionName: name,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Role: roleArn,
        Code: { ZipFile: 'exports.handler=async()=>({});' },
        Environment: { Variables: env },
      },
    });
    const template = (resources: object) =>
      JSON.stringify({ AWSTemplateFormatVersion: '2010-09-09', Resources: resources });
    await cfn.send(
      new CreateStackCommand({
        StackName: 'TfLockJanitor',
        TemplateBody: template({
          Janitor: fn('stack-janitor', {
            POLICY: '{}',
            STATE_TABLE: 'state',
            TOPIC_ARN: 'arn:aws:sns:us-east-1:123456789012:t',
          }),
          Other: fn('stack-other', { LOG_LEVEL: 'info' }),
        }),
      }),
    );
    await cfn.send(
      new CreateStackCommand({
        StackName: 'NoJanitor',
        TemplateBody: template({ Other: fn('nojanitor-other', {}) }),
      }),
    );

    // Act
    const { target, checks } = await runDoctor({ stack: 'TfLockJanitor', region: REGION }, clients, now);

    // Assess
    expect(target).toEqual({ functionName: 'stack-janitor', region: REGION, stack: 'TfLockJanitor' });
    expect(checks[0]).toMatchObject({ id: 'function', detail: expect.stringMatching(/^stack-janitor: /) });
    await expect(runDoctor({ stack: 'NoJanitor', region: REGION }, clients, now)).rejects.toThrow(
      /stack "NoJanitor" has no tf-lock-janitor function \(of its 1 Lambda functions, none has the janitor's POLICY and STATE_TABLE\); pass --function NAME/,
    );
    cfn.destroy();
  });

  it('says FAIL for a missing function and leaves every other check unknown, never ok', async () => {
    const { checks } = await runDoctor(
      { functionName: 'no-such-janitor', region: REGION },
      motoClients(moto.endpoint),
      now,
    );
    expect(checks[0]).toMatchObject({
      id: 'function',
      verdict: 'FAIL',
      detail: `no function named no-such-janitor in ${REGION}`,
    });
    expect(checks.slice(1).every((c) => c.verdict === 'unknown')).toBe(true);
    expect(doctorExitCode(checks)).toBe(1);
  });

  it("fails a policy the janitor would refuse at cold start, with the loader's own message; no schedule, no run", async () => {
    const clients = motoClients(moto.endpoint);
    await seedJanitor(
      clients,
      { name: 'bad-policy-janitor', policy: '{"mode":"purge"}', schedule: false },
      now,
    );
    const { checks } = await runDoctor({ functionName: 'bad-policy-janitor', region: REGION }, clients, now);
    const c = byId(checks);
    expect(c.function).toMatchObject({
      verdict: 'FAIL',
      detail: expect.stringMatching(
        /would fail every run: .*mode: must be one of "report", "alert", "delete"/,
      ),
    });
    expect(c.schedule).toMatchObject({
      verdict: 'FAIL',
      detail: expect.stringMatching(/^no EventBridge Scheduler schedule/),
    });
    expect(c.runs).toMatchObject({
      verdict: 'unknown',
      detail: 'no run finished in the last 24 h; the schedule may not have been due',
    });
    expect(c.access).toMatchObject({ verdict: 'unknown', detail: 'not checked: the policy does not load' });
    expect(c['dead-letters'].verdict).toBe('unknown');
  });

  it('reports a check it cannot run as unknown, with the error and the permission: moto has no IAM simulation', async () => {
    const clients = motoClients(moto.endpoint);
    await seedJanitor(
      clients,
      { name: 'unsimulated-janitor', logLines: [{ minutesAgo: 5, line: runFinished(0) }] },
      now,
    );
    const { checks } = await runDoctor({ functionName: 'unsimulated-janitor', region: REGION }, clients, now);
    expect(byId(checks).access).toMatchObject({
      verdict: 'unknown',
      detail: expect.stringMatching(
        /^could not simulate the role arn:aws:iam::123456789012:role\/unsimulated-janitor-role: /,
      ),
      fix: 'use credentials allowed iam:SimulatePrincipalPolicy on the role',
    });
    expect(doctorExitCode(checks)).toBe(1);
  });
});
