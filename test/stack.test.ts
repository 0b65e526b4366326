// Tests: the synthesized template of the stack and the construct.
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { PolicyError, UsageError } from '../lambda/core/errors';
import { parsePolicy } from '../lambda/core/policy';
import { JanitorStack } from '../lib/janitor-stack';
import { lockTableActions, tableNamePatterns, toIamPattern } from '../lib/table-access';

/** Synthesizes the stack from context, as `cdk synth -c ...` would, without bundling the function. */
function synth(context: Record<string, unknown> = {}): Template {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });
  return Template.fromStack(new JanitorStack(app, 'Test'));
}

const TEAM = '8a3c1f2e-1b2c-4d5e-9f00-112233445566';
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

/** Every statement of every identity policy in the template. */
function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (r) => r.Properties.PolicyDocument.Statement as Statement[],
  );
}
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);
const grantsOf = (template: Template, action: string) =>
  statements(template).filter((s) => list(s.Action).includes(action));
const tableArn = (name: string, region?: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ...(region ? [`:dynamodb:${region}:`] : [':dynamodb:', { Ref: 'AWS::Region' }, ':']),
      { Ref: 'AWS::AccountId' },
      `:table/${name}`,
    ],
  ],
});
const ref = (template: Template, type: string) => ({ Ref: Object.keys(template.findResources(type))[0] });
const arnOf = (template: Template, type: string) => ({
  'Fn::GetAtt': [Object.keys(template.findResources(type))[0], 'Arn'],
});

describe('the schedule', () => {
  it('runs every 15 minutes by default, with 2 retries, a 10-minute event age and a dead-letter queue', () => {
    const t = synth();
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(15 minutes)',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: {
        Arn: arnOf(t, 'AWS::Lambda::Function'),
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 600 },
        DeadLetterConfig: { Arn: arnOf(t, 'AWS::SQS::Queue') },
        Input: Match.serializedJson(Match.objectLike({ source: 'tf-lock-janitor.schedule' })),
      },
    });
  });

  it('takes a cron with a time zone from context', () => {
    const t = synth({ schedule: 'cron(0 8 ? * MON-FRI *)', scheduleTimeZone: 'Europe/Berlin' });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 8 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Berlin',
    });
  });

  it('is paused with enabled=false (a string, as -c passes it)', () => {
    synth({ enabled: 'false' }).hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });

  it.each([
    [{ schedule: 'every 15 minutes' }, /context "schedule": "every 15 minutes" is not a schedule/],
    [{ schedule: 'rate(5 minutes)', scheduleTimeZone: 'Europe/Berlin' }, /applies only to a cron/],
    [{ schedule: 'cron(0 8 * * ? *)', scheduleTimeZone: 'Mars/Olympus' }, /"Mars\/Olympus" is not an IANA/],
  ])('rejects a bad schedule %j', (context, message) => {
    expect(() => synth(context)).toThrow(UsageError);
    expect(() => synth(context)).toThrow(message);
  });
});

describe('the function', () => {
  const policy = { mode: 'alert', tables: { include: ['tf-locks-*'] } };

  it('runs the newest Node.js on arm64 with reserved concurrency 1, a 5-minute timeout and no Lambda retries', () => {
    const t = synth({ policy });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 300,
      ReservedConcurrentExecutions: 1,
      Handler: 'index.handler',
    });
    t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', { MaximumRetryAttempts: 0 });
    t.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
  });

  it('reserves no concurrency with reserveConcurrency=false (accounts still at the quota of 10)', () => {
    const t = synth({ reserveConcurrency: 'false' });
    t.hasResourceProperties('AWS::Lambda::Function', { ReservedConcurrentExecutions: Match.absent() });
  });

  it('outputs the names an operator needs', () => {
    const outputs = Object.keys(synth().findOutputs('*'));
    expect(outputs.sort()).toEqual([
      'DashboardName',
      'FunctionName',
      'ScheduleName',
      'StateTableName',
      'TopicArn',
    ]);
  });

  it('gets the policy, the state table, the topic and source maps from its environment', () => {
    const t = synth({ policy });
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          POLICY: JSON.stringify(policy),
          STATE_TABLE: ref(t, 'AWS::DynamoDB::Table'),
          TOPIC_ARN: ref(t, 'AWS::SNS::Topic'),
          NODE_OPTIONS: '--enable-source-maps',
        },
      },
    });
  });

  it('accepts the policy as JSON text, as -c passes it', () => {
    synth({ policy: JSON.stringify(policy) }).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ POLICY: JSON.stringify(policy) }) },
    });
  });
});

describe('least privilege', () => {
  it('never grants a wildcard action', () => {
    const t = synth({ policy: { mode: 'delete' }, slack: { workspaceId: 'T1', channelId: 'C1' } });
    const actions = statements(t).flatMap((s) => list(s.Action));
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('lists tables on * (ListTables has no resource-level permissions) and nothing else there', () => {
    const t = synth({ policy: { tables: { include: ['tf-locks-*'] } } });
    const onStar = statements(t).filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(onStar.flatMap((s) => list(s.Action))).toEqual(['dynamodb:ListTables']);
  });

  it('reads and scans only the tables the include globs name, in alert mode without DeleteItem', () => {
    const t = synth({ policy: { mode: 'alert', tables: { include: ['tf-locks-*', 'infra-state-lock'] } } });
    const [scan] = grantsOf(t, 'dynamodb:Scan');
    expect(list(scan.Action).sort()).toEqual(
      ['dynamodb:DescribeTable', 'dynamodb:GetItem', 'dynamodb:ListTagsOfResource', 'dynamodb:Scan'].sort(),
    );
    expect(scan.Resource).toEqual([tableArn('infra-state-lock'), tableArn('tf-locks-*')]);
    // DeleteItem only on the janitor's own state table.
    expect(grantsOf(t, 'dynamodb:DeleteItem').map((s) => s.Resource)).toEqual([
      [arnOf(t, 'AWS::DynamoDB::Table')],
    ]);
  });

  it('grants DeleteItem on the lock tables only in delete mode', () => {
    const t = synth({ policy: { mode: 'delete', tables: { include: ['tf-locks-*'] } } });
    const lockTableGrant = grantsOf(t, 'dynamodb:Scan')[0];
    expect(list(lockTableGrant.Action)).toContain('dynamodb:DeleteItem');
    expect(lockTableGrant.Resource).toEqual(tableArn('tf-locks-*'));
  });

  it('grants DeleteItem in alert mode only with allowRelease, and tells the function', () => {
    const t = synth({ allowRelease: 'true', policy: { mode: 'alert', tables: { include: ['tf-locks-*'] } } });
    expect(list(grantsOf(t, 'dynamodb:Scan')[0].Action)).toContain('dynamodb:DeleteItem');
    t.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ RELEASE_ALLOWED: 'true' }) },
    });
    const plain = synth({ policy: { mode: 'alert' } });
    expect(grantsOf(plain, 'dynamodb:DeleteItem').map((s) => s.Resource)).not.toContainEqual(tableArn('*'));
    plain.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.not(Match.objectLike({ RELEASE_ALLOWED: Match.anyValue() })) },
    });
  });

  it('reaches table/* when include is *, in every policy region', () => {
    const t = synth({ policy: { regions: ['eu-west-1', 'us-east-1'] } });
    expect(grantsOf(t, 'dynamodb:Scan')[0].Resource).toEqual([
      tableArn('*', 'eu-west-1'),
      tableArn('*', 'us-east-1'),
    ]);
  });

  it('reads and writes its state table, publishes to its topic and uses its key, nothing more', () => {
    const t = synth();
    const stateGrant = grantsOf(t, 'dynamodb:PutItem');
    expect(stateGrant.map((s) => s.Resource)).toEqual([[arnOf(t, 'AWS::DynamoDB::Table')]]);
    expect(grantsOf(t, 'sns:Publish').map((s) => s.Resource)).toEqual([ref(t, 'AWS::SNS::Topic')]);
    const kms = grantsOf(t, 'kms:GenerateDataKey');
    expect(kms.map((s) => [list(s.Action).sort(), s.Resource])).toEqual([
      [['kms:Decrypt', 'kms:GenerateDataKey'], arnOf(t, 'AWS::KMS::Key')],
    ]);
  });

  it.each([
    [['*'], ['*']],
    [['tf-locks-*', 'tf-locks-*'], ['tf-locks-*']],
    [
      ['tf-[ab]-locks', 'x'],
      ['tf-?-locks', 'x'],
    ],
    [['lock-[!x]?', '*'], ['*']],
  ])('turns include globs %j into IAM name patterns %j', (include, patterns) => {
    expect(tableNamePatterns(parsePolicy({ tables: { include } }))).toEqual(patterns);
  });

  it('maps a glob set to ? even when it starts with ]', () => {
    expect(toIamPattern('a[]b]c')).toBe('a?c');
    expect(lockTableActions(parsePolicy({ mode: 'report' }))).not.toContain('dynamodb:DeleteItem');
  });
});

describe('encryption and retention', () => {
  it('encrypts the topic with a rotating customer key and refuses plain HTTP', () => {
    const t = synth();
    t.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(t, 'AWS::KMS::Key') });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });

  it('lets CloudWatch alarms use the key, so they can publish to the encrypted topic', () => {
    synth().hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          }),
        ]),
      },
    });
  });

  it('encrypts the dead-letter queue and refuses plain HTTP', () => {
    const t = synth();
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: [
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ],
      },
    });
  });

  it('keeps the state table on-demand, recoverable, expiring by expiresAt, and retained', () => {
    const t = synth();
    t.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
      },
    });
  });
});

describe('alerts and monitoring', () => {
  it('subscribes each alert e-mail (list or comma-separated)', () => {
    const t = synth({ alertEmails: 'ops@example.com, sre@example.com' });
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 2);
    t.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'sre@example.com' });
    expect(() => synth({ alertEmails: ['not-an-address'] })).toThrow(/"not-an-address" is not an e-mail/);
  });

  it('alarms on function errors, dead letters and runs with errors, all to the topic', () => {
    const t = synth();
    const topic = ref(t, 'AWS::SNS::Topic');
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topic]);
    }
    t.hasResourceProperties('AWS::CloudWatch::Alarm', { Namespace: 'AWS/Lambda', MetricName: 'Errors' });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
    });
    t.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'TfLockJanitor',
      MetricName: 'errors',
      Dimensions: [{ Name: 'FunctionName', Value: ref(t, 'AWS::Lambda::Function') }],
      Threshold: 1,
    });
  });

  it('has a dashboard of locks seen, stale, alerted, deleted and errors', () => {
    const t = synth();
    const body = JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['locks', 'stale', 'alerted', 'deleted', 'errors']) {
      expect(body).toContain(`\\"TfLockJanitor\\",\\"${metric}\\"`);
    }
  });

  it('adds no chat channel unless asked', () => {
    const t = synth();
    t.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    t.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
  });

  it('adds Slack and Teams channels on the topic with a read-only guardrail, never AdministratorAccess', () => {
    const t = synth({
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
      teams: JSON.stringify({ teamId: TEAM, channelId: '19:abc123@thread.tacv2', tenantId: TENANT }),
    });
    const guardrail = [
      { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess']] },
    ];
    const topic = ref(t, 'AWS::SNS::Topic');
    t.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', {
      SlackWorkspaceId: 'T0123ABCD',
      SlackChannelId: 'C0123ABCD',
      SnsTopicArns: [topic],
      GuardrailPolicies: guardrail,
    });
    t.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', {
      TeamId: TEAM,
      TeamsChannelId: '19%3Aabc123%40thread.tacv2',
      TeamsTenantId: TENANT,
      SnsTopicArns: [topic],
      GuardrailPolicies: guardrail,
    });
    expect(JSON.stringify(t.toJSON())).not.toContain('AdministratorAccess');
  });

  it.each([
    [{ slack: { workspaceId: 'T1' } }, /slack\.channelId: /],
    [
      { slack: { workspaceId: 'my-workspace', channelId: 'C1' } },
      /slack\.workspaceId: must be the Slack workspace id/,
    ],
    [
      { teams: { teamId: 'team-1', channelId: '19:a@thread.tacv2', tenantId: TENANT } },
      /teams\.teamId: must be/,
    ],
    [{ teams: { teamId: TEAM, channelId: 'general', tenantId: TENANT } }, /teams\.channelId: must be/],
  ])('rejects chat channel %j, naming the field', (context, message) => {
    expect(() => synth(context)).toThrow(message);
  });
});

describe('the policy at synth', () => {
  it.each([
    [{ mode: 'purge' }, /mode: must be one of "report", "alert", "delete"/],
    [
      { rules: [{ name: 'prod', match: { lockId: '*/prod/*' }, alertAfter: '1h' }] },
      /rules\[0\]\.match: the last rule/,
    ],
    [{ tables: { include: ['tf-[locks'] } }, /tables\.include\[0\]: "tf-\[locks" is not a valid glob/],
    [{ minSightings: 2, surprise: true }, /policy: unknown key "surprise"/],
  ])('fails synth on %j, naming the field', (policy, message) => {
    expect(() => synth({ policy })).toThrow(PolicyError);
    expect(() => synth({ policy })).toThrow(message);
  });

  it('fails synth on policy text that is not JSON', () => {
    expect(() => synth({ policy: '{mode: alert}' })).toThrow(/context "policy": is not valid JSON/);
  });

  it('fails synth on policy text that gives a key twice', () => {
    expect(() => synth({ policy: '{"mode": "alert", "mode": "delete"}' })).toThrow(
      /context "policy": mode is given twice in one object/,
    );
  });

  it('fails synth when the policy would not fit the 4 KB Lambda environment', () => {
    const rules = Array.from({ length: 60 }, (_, i) => ({
      name: `rule-${i}`,
      match: { lockId: `terraform-state-bucket/team-${i}/*` },
      alertAfter: '1h',
    }));
    const policy = { rules: [...rules, { name: 'default', match: {}, alertAfter: '4h' }] };
    expect(() => synth({ policy })).toThrow(/policy: is \d+ bytes as JSON, more than the 3072/);
  });
});
