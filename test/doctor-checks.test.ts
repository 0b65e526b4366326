// Tests: the doctor's pure parts: the checklist rendering and exit code, each judge, the pinned IAM simulation requests.
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { mockClient } from 'aws-sdk-client-mock';
import { accessRequests, homeOf } from '../bin/doctor/access-requests';
import { type Check, checklistJson, doctorExitCode, renderChecklist } from '../bin/doctor/checklist';
import type { ChatChannelFacts, RunLine, ScheduleFacts, SubscriptionFacts } from '../bin/doctor/facts';
import {
  judgeAccess,
  judgeChat,
  judgeRuns,
  judgeSubscriptions,
  ratePeriodMs,
  unknownCheck,
} from '../bin/doctor/judge';
import { runLine } from '../bin/doctor/read-runs';
import { simulateAccess, simulation } from '../bin/doctor/simulate-access';
import { parsePolicy } from '../lambda/core/policy';
import { releaseCommand } from '../lib/release-command';

const target = { functionName: 'tf-lock-janitor', region: 'eu-west-1' };
const ok: Check = { id: 'function', verdict: 'ok', detail: 'fine' };

describe('the checklist', () => {
  it.each<[string, Check[], 0 | 1]>([
    ['every check ok', [ok, { ...ok, id: 'schedule' }], 0],
    ['one FAIL', [ok, { id: 'schedule', verdict: 'FAIL', detail: 'x', fix: 'y' }], 1],
    [
      'one unknown (never counted as ok)',
      [ok, { id: 'access', verdict: 'unknown', detail: 'x', fix: 'y' }],
      1,
    ],
    ['no check at all', [], 1],
  ])('exits %s → %i', (_name, checks, code) => {
    expect(doctorExitCode(checks)).toBe(code);
  });

  it('prints one line per check with its verdict, the fix under it, and the overall verdict', () => {
    const lines = renderChecklist({ ...target, stack: 'TfLockJanitor' }, [
      ok,
      { id: 'subscriptions', verdict: 'FAIL', detail: '1 pending', fix: 'confirm it' },
      {
        id: 'access',
        verdict: 'unknown',
        detail: 'could not simulate',
        fix: 'allow iam:SimulatePrincipalPolicy',
      },
    ]);
    expect(lines).toEqual([
      'tf-lock-janitor doctor: tf-lock-janitor in eu-west-1 (stack TfLockJanitor)',
      '  ok       function and policy      fine',
      '  FAIL     alert subscriptions      1 pending',
      '                                    fix: confirm it',
      "  unknown  role's access            could not simulate",
      '                                    fix: allow iam:SimulatePrincipalPolicy',
      '1 failed, 1 could not be checked of 3 checks: the janitor is not working as deployed; see each fix above.',
    ]);
  });

  it('shows hostile values inert (no terminal escapes, no line breaks)', () => {
    const [, line] = renderChecklist(target, [{ ...ok, detail: 'a\u001b[31mred\nline' }]);
    expect(line).toBe('  ok       function and policy      a\\u{1b}[31mred\\u{a}line');
  });

  it('says "not known to work" when nothing failed but something could not be checked', () => {
    const lines = renderChecklist(target, [ok, { id: 'chat', verdict: 'unknown', detail: 'x', fix: 'y' }]);
    expect(lines.at(-1)).toBe(
      '1 could not be checked of 2 checks: the janitor is not known to work; see each fix above.',
    );
  });

  it('gives machines every check with its title, and ok only when the exit code is 0', () => {
    const json = JSON.parse(checklistJson(target, [ok]));
    expect(json).toEqual({
      functionName: 'tf-lock-janitor',
      region: 'eu-west-1',
      ok: true,
      checks: [{ id: 'function', title: 'function and policy', verdict: 'ok', detail: 'fine' }],
    });
  });
});

describe('a check that could not run', () => {
  const PERMISSION = 'use credentials allowed lambda:GetFunction on it';
  it.each([
    [
      'no credentials',
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
      /^no AWS credentials were found: pass --profile/,
    ],
    ['a refused endpoint', new Error('connect ECONNREFUSED 127.0.0.1:9'), /^AWS did not answer/],
    [
      'refused credentials',
      Object.assign(new Error('The security token included in the request is invalid.'), {
        name: 'UnrecognizedClientException',
      }),
      /^the credentials were refused/,
    ],
    [
      'a missing permission',
      Object.assign(new Error('User: x is not authorized to perform: lambda:GetFunction'), {
        name: 'AccessDeniedException',
      }),
      new RegExp(`^${PERMISSION}$`),
    ],
  ])('names the fix for %s, and the permission only when a permission would help', (_, error, fix) => {
    const check = unknownCheck('function', 'read the function j', error, PERMISSION);
    expect(check.verdict).toBe('unknown');
    expect(check.fix).toMatch(fix);
  });
});

describe('judging the last runs', () => {
  const schedule: ScheduleFacts = {
    name: 's',
    group: 'default',
    state: 'ENABLED',
    expression: 'rate(15 minutes)',
  };
  const window = { ms: 24 * 3_600_000, logGroup: '/aws/lambda/tf-lock-janitor', region: 'eu-west-1' };
  const now = 1_800_000_000_000;
  const run = (minutesAgo: number, errors = 0): RunLine => ({
    timeMs: now - minutesAgo * 60_000,
    kind: 'run',
    complete: errors === 0,
    errors,
  });

  it('is ok when the last run was complete, though an earlier one had errors', () => {
    expect(judgeRuns([run(30, 1), run(15)], window, [schedule], now)).toEqual({
      id: 'runs',
      verdict: 'ok',
      detail: '2 runs in the last 24 h; the last, 15 min ago, was complete (1 with errors)',
    });
  });

  it('fails on a failed invocation, naming its error', () => {
    const failed: RunLine = {
      timeMs: now,
      kind: 'failed',
      complete: false,
      errors: 1,
      error: 'POLICY is not set',
    };
    expect(judgeRuns([run(15), failed], window, [schedule], now)).toMatchObject({
      verdict: 'FAIL',
      detail: '1 invocation failed in the last 24 h (last: POLICY is not set)',
    });
  });

  it.each<[string, ScheduleFacts[], string]>([
    ['a 15-minute schedule: runs were due', [schedule], 'FAIL'],
    [
      'a weekly cron: none may have been due',
      [{ ...schedule, expression: 'cron(0 8 ? * MON *)' }],
      'unknown',
    ],
    ['a daily rate: one may not have been due', [{ ...schedule, expression: 'rate(1 day)' }], 'unknown'],
  ])('without any run in the window, with %s → %s', (_name, schedules, verdict) => {
    expect(judgeRuns([], window, schedules, now).verdict).toBe(verdict);
  });

  it.each([
    ['rate(15 minutes)', 900_000],
    ['rate(1 hour)', 3_600_000],
    ['rate(2 days)', 172_800_000],
    ['cron(0 8 * * ? *)', undefined],
  ])('reads the period of %s', (expression, ms) => {
    expect(ratePeriodMs(expression)).toBe(ms);
  });

  it.each([
    [
      'a complete run',
      '{"level":"INFO","message":"run finished","counts":{"errors":0,"locks":4,"stale":1}}',
      { kind: 'run', complete: true, locks: 4 },
    ],
    [
      'a run with errors',
      '{"message":"run finished","counts":{"errors":2}}',
      { kind: 'run', complete: false, errors: 2 },
    ],
    [
      'a cut-off run',
      '{"message":"run finished","cutOff":true,"counts":{"errors":0}}',
      { kind: 'run', complete: false },
    ],
    [
      'a failed invocation',
      '{"message":"invocation failed","err":{"message":"boom"}}',
      { kind: 'failed', error: 'boom' },
    ],
  ])('reads %s from its log line', (_name, text, expected) => {
    expect(runLine(text, 5)).toMatchObject({ timeMs: 5, ...expected });
  });

  it.each([
    ['a decision line', '{"message":"lock kept"}'],
    ['a plain text line', 'START RequestId: 1 Version: $LATEST'],
    ['a summary without counts', '{"message":"run finished"}'],
  ])('leaves out %s', (_name, text) => {
    expect(runLine(text, 5)).toBeUndefined();
  });
});

describe('judging subscriptions and chat', () => {
  const topic = 'arn:aws:sns:eu-west-1:123456789012:alerts';
  const chat = {
    protocol: 'https',
    endpoint: 'https://global.sns-api.chatbot.amazonaws.com',
    pending: false,
  };

  it('fails a topic nobody subscribed to', () => {
    expect(judgeSubscriptions(topic, [])).toMatchObject({
      verdict: 'FAIL',
      detail: `${topic} has no subscription, so the janitor's alerts reach nobody`,
    });
  });

  it('names the chat subscription as chat, not by its endpoint', () => {
    expect(judgeSubscriptions(topic, [chat]).detail).toBe(
      '1 confirmed: https (chat); 0 pending confirmation',
    );
  });

  const command = releaseCommand('tf-lock-janitor', 'eu-west-1');
  const button = { canRelease: true, command };
  const slack = { kind: 'slack' as const, name: 'ops-slack', state: 'ENABLED', commands: [command] };

  it.each<[string, SubscriptionFacts[], ChatChannelFacts[], typeof button, string, RegExp]>([
    ['no chat channel', [], [], button, 'ok', /^no chat channel is subscribed/],
    [
      'a channel with the Release button',
      [chat],
      [slack],
      button,
      'ok',
      /^slack ops-slack with the Release button$/,
    ],
    [
      'a channel of a janitor that cannot release (no button expected)',
      [chat],
      [{ ...slack, commands: [] }],
      { ...button, canRelease: false },
      'ok',
      /^slack ops-slack \(no Release button: the janitor cannot release\)$/,
    ],
    [
      'a channel without the button',
      [chat],
      [{ ...slack, commands: [] }],
      button,
      'FAIL',
      /^slack ops-slack has no Release button for this janitor$/,
    ],
    [
      'a button for another function or region',
      [chat],
      [{ ...slack, commands: [releaseCommand('tf-lock-janitor', 'us-east-1')] }],
      button,
      'FAIL',
      /has no Release button for this janitor/,
    ],
    [
      'a disabled channel',
      [chat],
      [{ ...slack, state: 'DISABLED' }],
      button,
      'FAIL',
      /^slack ops-slack is DISABLED$/,
    ],
    [
      'a chat subscription no configuration shows',
      [chat],
      [],
      button,
      'unknown',
      /no Slack or Teams channel configuration read in us-east-2 shows it/,
    ],
  ])('judges %s', (_name, subs, channels, wanted, verdict, detail) => {
    const check = judgeChat(subs, channels, wanted, 'us-east-2');
    expect(check.verdict).toBe(verdict);
    expect(check.detail).toMatch(detail);
    if (verdict === 'FAIL') expect(check.fix).toContain(`running \`${command}\``);
  });
});

describe('the role access simulation (IAM SimulatePrincipalPolicy)', () => {
  // No engine here simulates IAM (moto 5.2.1 has no SimulatePrincipalPolicy), so the requests are pinned against the
  // API's rules: PolicySourceArn a role ARN, action names `service:Action`, ContextKeyType from the API's enum
  // (string, stringList, ...), resource ARNs in each service's format.
  const home = homeOf('arn:aws:lambda:eu-west-1:123456789012:function:tf-lock-janitor');
  const role = 'arn:aws:iam::123456789012:role/TfLockJanitor-Role';

  it('reads the partition, account and region of the function', () => {
    expect(home).toEqual({ partition: 'aws', account: '123456789012', region: 'eu-west-1' });
  });

  it('asks, for a policy in mode delete, for every action a run takes on each table and bucket glob in each region', () => {
    const policy = parsePolicy({
      mode: 'delete',
      regions: ['eu-west-1', 'us-east-2'],
      tables: { include: ['tf-locks-*'] },
      buckets: { include: ['acme-tfstate*'] },
      rules: [{ name: 'all', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
    });
    const requests = accessRequests(policy, ['eu-west-1', 'us-east-2'], home, true).map((r) =>
      simulation(role, r),
    );
    expect(requests).toEqual([
      { PolicySourceArn: role, ActionNames: ['dynamodb:ListTables'], ResourceArns: ['*'] },
      ...['eu-west-1', 'us-east-2'].map((region) => ({
        PolicySourceArn: role,
        ActionNames: [
          'dynamodb:DescribeTable',
          'dynamodb:ListTagsOfResource',
          'dynamodb:Scan',
          'dynamodb:GetItem',
          'dynamodb:BatchGetItem',
          'dynamodb:DeleteItem',
        ],
        ResourceArns: [`arn:aws:dynamodb:${region}:123456789012:table/tf-locks-*`],
        ContextEntries: [
          {
            ContextKeyName: 'dynamodb:Attributes',
            ContextKeyType: 'stringList',
            ContextKeyValues: ['LockID', 'Info', 'Digest'],
          },
          {
            ContextKeyName: 'dynamodb:Select',
            ContextKeyType: 'string',
            ContextKeyValues: ['SPECIFIC_ATTRIBUTES'],
          },
        ],
      })),
      {
        PolicySourceArn: role,
        ActionNames: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketTagging'],
        ResourceArns: ['arn:aws:s3:::acme-tfstate*'],
      },
      {
        PolicySourceArn: role,
        ActionNames: ['s3:GetObject', 's3:DeleteObject'],
        ResourceArns: ['arn:aws:s3:::acme-tfstate*/env/terraform.tfstate.tflock'],
      },
    ]);
    for (const r of requests) {
      expect(r.PolicySourceArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
      for (const a of r.ActionNames) expect(a).toMatch(/^[a-z0-9]+:[A-Za-z]+$/);
    }
  });

  it('asks for no delete when the janitor may not delete', () => {
    const requests = accessRequests(parsePolicy({}), ['eu-west-1'], home, false);
    expect(requests.flatMap((r) => r.actions)).not.toContain('dynamodb:DeleteItem');
  });

  it('is never ok when IAM answers for fewer actions than asked (a truncated or odd answer): unknown, naming them', async () => {
    // Prepare: an answer that evaluates only the first action asked (IAM pages results with IsTruncated/Marker).
    const iam = new IAMClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    const mock = mockClient(iam);
    mock.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
      EvaluationResults: [{ EvalActionName: input.ActionNames[0], EvalDecision: 'allowed' }],
      IsTruncated: true,
      Marker: 'next',
    }));
    const requests = accessRequests(parsePolicy({}), ['eu-west-1'], home, false);
    // Act
    const facts = await simulateAccess(iam, role, requests);
    const check = judgeAccess(facts);
    // Assess
    expect(facts[1].denied.map((d) => d.action)).toEqual([
      'dynamodb:ListTagsOfResource',
      'dynamodb:Scan',
      'dynamodb:GetItem',
      'dynamodb:BatchGetItem',
    ]);
    expect(check.verdict).toBe('unknown');
    expect(check.detail).toContain('dynamodb:Scan not evaluated');
    mock.restore();
  });

  it('fails the places where an action is denied, naming the action and the decision', () => {
    expect(
      judgeAccess([
        { place: 'table discovery', denied: [] },
        {
          place: 'table tf-locks-* in eu-west-1',
          denied: [{ action: 'dynamodb:Scan', decision: 'explicitDeny' }],
        },
      ]),
    ).toMatchObject({ verdict: 'FAIL', detail: 'table tf-locks-* in eu-west-1: dynamodb:Scan explicitDeny' });
  });
});
