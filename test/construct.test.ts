// Tests: each LockJanitor prop, built directly with `new LockJanitor(stack, 'J', props)`, in the template.
import { Duration, Stack, TimeZone } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { PolicyError, UsageError } from '../lambda/core/errors';
import { LockJanitor } from '../lib/lock-janitor';
import { arnOf, grantsOf, ref, statement, synthJanitor, tableArn, unbundledApp } from './support/cdk';

const TEAM = '8a3c1f2e-1b2c-4d5e-9f00-112233445566';
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const env = (t: Template) =>
  Object.values(t.findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;

describe('defaults', () => {
  it('runs every 15 minutes, enabled, with 2 retries, a 10-minute event age and a dead-letter queue', () => {
    const t = synthJanitor();
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

  it('runs the newest Node.js on arm64: 256 MB, 5 minutes, reserved concurrency 1, no Lambda retries', () => {
    const t = synthJanitor();
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

  it('passes the policy, state table, topic, metrics level and source maps in the environment', () => {
    const policy = { mode: 'alert' as const, tables: { include: ['tf-locks-*'] } };
    const t = synthJanitor({ policy });
    expect(env(t)).toEqual({
      POLICY: JSON.stringify(policy),
      STATE_TABLE: ref(t, 'AWS::DynamoDB::Table'),
      TOPIC_ARN: ref(t, 'AWS::SNS::Topic'),
      METRICS: 'errors',
      NODE_OPTIONS: '--enable-source-maps',
    });
  });

  it('creates an SSL-only topic without a KMS key, three alarms to it and no dashboard', () => {
    const t = synthJanitor();
    t.resourceCountIs('AWS::KMS::Key', 0);
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.absent() });
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    t.resourceCountIs('AWS::CloudWatch::Dashboard', 0);
    expect(grantsOf(t, 'kms:GenerateDataKey')).toEqual([]);
  });
});

describe('each prop', () => {
  it('alertTopic: publishes notifications and alarms to the given topic and creates none', () => {
    const stack = new Stack(unbundledApp(), 'Test');
    const topic = sns.Topic.fromTopicArn(stack, 'Ops', 'arn:aws:sns:eu-west-1:111122223333:ops');
    new LockJanitor(stack, 'J', { alertTopic: topic });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::SNS::Topic', 0);
    expect(env(t).TOPIC_ARN).toBe(topic.topicArn);
    for (const alarm of Object.values(t.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toEqual([topic.topicArn]);
    }
    expect(grantsOf(t, 'sns:Publish').map((s) => s.Resource)).toEqual([topic.topicArn]);
  });

  it('encryptAlertTopic: a rotating customer key that the function and CloudWatch alarms may use', () => {
    const t = synthJanitor({ encryptAlertTopic: true });
    t.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:GenerateDataKey', 'kms:Decrypt'],
          }),
        ]),
      },
    });
    t.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: arnOf(t, 'AWS::KMS::Key') });
    expect(statement(t, 'EncryptNotifications').Resource).toEqual(arnOf(t, 'AWS::KMS::Key'));
  });

  it.each([
    ['memorySize', { memorySize: 512 }, { MemorySize: 512 }],
    ['timeout', { timeout: Duration.minutes(2) }, { Timeout: 120 }],
    ['reserveConcurrency', { reserveConcurrency: false }, { ReservedConcurrentExecutions: Match.absent() }],
  ])('%s reaches the function', (_name, props, expected) => {
    synthJanitor(props).hasResourceProperties('AWS::Lambda::Function', expected);
  });

  it('logRetention: keeps the logs as long as asked', () => {
    synthJanitor({ logRetention: RetentionDays.ONE_WEEK }).hasResourceProperties('AWS::Logs::LogGroup', {
      RetentionInDays: 7,
    });
  });

  it.each([
    ['a rate', ScheduleExpression.rate(Duration.hours(1)), { ScheduleExpression: 'rate(1 hour)' }],
    [
      'a cron in a time zone',
      ScheduleExpression.expression('cron(0 8 ? * MON-FRI *)', TimeZone.EUROPE_BERLIN),
      { ScheduleExpression: 'cron(0 8 ? * MON-FRI *)', ScheduleExpressionTimezone: 'Europe/Berlin' },
    ],
  ])('schedule: %s reaches the schedule', (_name, schedule, expected) => {
    synthJanitor({ schedule }).hasResourceProperties('AWS::Scheduler::Schedule', expected);
  });

  it.each([
    ['cron(garbage)', /schedule: "cron\(garbage\)" has 1 field; a cron needs 6/],
    ['rate(1 minutes)', /a rate of 1 takes the singular/],
    ['at(2030-01-01T00:00:00)', /is not a recurring schedule/],
  ])('schedule: %s fails synth with a clear message', (expression, message) => {
    const schedule = ScheduleExpression.expression(expression);
    expect(() => synthJanitor({ schedule })).toThrow(UsageError);
    expect(() => synthJanitor({ schedule })).toThrow(message);
  });

  it('enabled: false pauses the schedule', () => {
    synthJanitor({ enabled: false }).hasResourceProperties('AWS::Scheduler::Schedule', { State: 'DISABLED' });
  });

  it('allowRelease: DeleteItem on the lock tables in alert mode, and the function is told', () => {
    const policy = { mode: 'alert' as const, tables: { include: ['tf-locks-*'] } };
    const t = synthJanitor({ policy, allowRelease: true });
    expect(statement(t, 'DeleteLocks').Resource).toEqual(tableArn('tf-locks-*'));
    expect(env(t).RELEASE_ALLOWED).toBe('true');
    const plain = synthJanitor({ policy });
    expect(grantsOf(plain, 'dynamodb:DeleteItem').map((s) => s.Sid)).not.toContain('DeleteLocks');
    expect(env(plain).RELEASE_ALLOWED).toBeUndefined();
  });

  it('alertEmails: subscribes each address, and rejects one that is not an address', () => {
    const t = synthJanitor({ alertEmails: ['ops@example.com', 'sre@example.com'] });
    t.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 2);
    t.hasResourceProperties('AWS::SNS::Subscription', { Endpoint: 'sre@example.com' });
    // E-mail never gets the chat-only stale-lock notifications, but gets run messages and alarms (no attribute).
    t.resourcePropertiesCountIs(
      'AWS::SNS::Subscription',
      {
        Protocol: 'email',
        FilterPolicy: { audience: [{ exists: false }, { 'anything-but': ['chat'] }] },
      },
      2,
    );
    expect(() => synthJanitor({ alertEmails: ['not-an-address'] })).toThrow(
      /"not-an-address" is not an e-mail/,
    );
  });

  it('slack and teams: channels on the topic with a read-only guardrail, never AdministratorAccess', () => {
    const t = synthJanitor({
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
      teams: { teamId: TEAM, channelId: '19:abc123@thread.tacv2', tenantId: TENANT },
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
    const none = synthJanitor();
    none.resourceCountIs('AWS::Chatbot::SlackChannelConfiguration', 0);
    none.resourceCountIs('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', 0);
  });

  it('detailedMonitoring: every count as a metric (METRICS=all) and a dashboard of them', () => {
    const t = synthJanitor({ detailedMonitoring: true });
    expect(env(t).METRICS).toBe('all');
    const body = JSON.stringify(Object.values(t.findResources('AWS::CloudWatch::Dashboard'))[0]);
    for (const metric of ['locks', 'stale', 'alerted', 'deleted', 'errors']) {
      expect(body).toContain(`\\"TfLockJanitor\\",\\"${metric}\\"`);
    }
    t.resourceCountIs('AWS::CloudWatch::Alarm', 3);
  });
});

describe('alarms', () => {
  it('alarm on function errors, dead letters and runs with errors, all to the topic', () => {
    const t = synthJanitor();
    const topic = ref(t, 'AWS::SNS::Topic');
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
});

describe('encryption and retention', () => {
  it('refuses plain HTTP on the topic and the dead-letter queue, and encrypts the queue', () => {
    const t = synthJanitor();
    const sslOnly = Match.objectLike({
      Effect: 'Deny',
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    t.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([sslOnly]) },
    });
    t.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    t.hasResourceProperties('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: [sslOnly] } });
  });

  it('keeps the state table on-demand, recoverable, expiring by expiresAt, and retained', () => {
    synthJanitor().hasResource('AWS::DynamoDB::Table', {
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
    expect(() => synthJanitor({ policy: policy as never })).toThrow(PolicyError);
    expect(() => synthJanitor({ policy: policy as never })).toThrow(message);
  });

  it('fails synth when the policy would not fit the 4 KB Lambda environment', () => {
    const rules = Array.from({ length: 60 }, (_, i) => ({
      name: `rule-${i}`,
      match: { lockId: `terraform-state-bucket/team-${i}/*` },
      alertAfter: '1h',
    }));
    const policy = { rules: [...rules, { name: 'default', match: {}, alertAfter: '4h' }] };
    expect(() => synthJanitor({ policy })).toThrow(/policy: is \d+ bytes as JSON, more than the 3072/);
  });

  it('fails synth on allowShortDurations unless acknowledgeUnsafeShortDurations names it unsafe (issue 19 #10)', () => {
    const policy = {
      mode: 'delete' as const,
      allowShortDurations: true,
      rules: [{ name: 'demo', match: {}, deleteAfter: '30s' }],
    };
    expect(() => synthJanitor({ policy })).toThrow(PolicyError);
    expect(() => synthJanitor({ policy })).toThrow(
      /allowShortDurations: true is for tests and demos.*acknowledgeUnsafeShortDurations: true/,
    );
    const template = synthJanitor({ policy, acknowledgeUnsafeShortDurations: true });
    template.resourceCountIs('AWS::Lambda::Function', 1);
  });
});
