// Tests: the organization deployment: StackSet, code buckets, central topic and key, release path, member template.
import { Template } from 'aws-cdk-lib/assertions';
import { UsageError } from '../lambda/core/errors';
import { readJanitorContext } from '../lib/janitor-context';
import { janitorCode } from '../lib/organization/janitor-code';
import { readOrganizationContext } from '../lib/organization/organization-context';
import { addOrganizationStacks } from '../lib/organization/organization-stack';
import { list, type Statement, unbundledApp } from './support/cdk';

const ORG = 'o-a1b2c3d4e5';
const OUS = ['ou-ab12-cd34ef56', 'ou-ab12-99887766'];
const REGIONS = ['eu-west-1', 'us-east-1'];
const settings = { organizationId: ORG, organizationalUnits: OUS, regions: REGIONS };

type Allow = Statement & { Principal?: unknown };
type Resource = { Type: string; Properties: Record<string, unknown> };

/** The organization stacks as bin/app.ts builds them from context (without bundling the release function). */
function build(org: Record<string, unknown> = settings, context: Record<string, unknown> = {}) {
  const app = unbundledApp(context);
  const janitor = readJanitorContext((key) => app.node.tryGetContext(key));
  const stacks = addOrganizationStacks(app, 'Org', readOrganizationContext(org)!, janitor);
  const central = Template.fromStack(stacks.central);
  const stackSet = Object.values(central.findResources('AWS::CloudFormation::StackSet'))[0] as Resource;
  const member = Template.fromJSON(JSON.parse(stackSet.Properties.TemplateBody as string));
  return { stacks, central, stackSet, member, code: stacks.code.map((s) => Template.fromStack(s)) };
}

const only = (t: Template, type: string) => Object.values(t.findResources(type))[0] as Resource;
const policyStatements = (doc: unknown) => (doc as { Statement: Allow[] }).Statement;
const param = (stackSet: Resource, key: string) =>
  (stackSet.Properties.Parameters as { ParameterKey: string; ParameterValue: unknown }[]).find(
    (p) => p.ParameterKey === key,
  )?.ParameterValue;

describe('the StackSet', () => {
  const { stackSet, central } = build();

  it('is service-managed, auto-deploys to the OUs in every region, and removes the janitor from leavers', () => {
    expect(stackSet.Properties).toMatchObject({
      StackSetName: 'tf-lock-janitor',
      PermissionModel: 'SERVICE_MANAGED',
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: false },
      CallAs: 'SELF',
      Capabilities: ['CAPABILITY_NAMED_IAM'],
      StackInstancesGroup: [{ DeploymentTargets: { OrganizationalUnitIds: OUS }, Regions: REGIONS }],
      OperationPreferences: {
        RegionConcurrencyType: 'PARALLEL',
        MaxConcurrentPercentage: 25,
        FailureTolerancePercentage: 10,
      },
    });
    expect(stackSet.Properties.TemplateURL).toBeUndefined();
  });

  it('takes the options: keep stacks of leaving accounts, delegated administrator, concurrency', () => {
    const { stackSet: s } = build({
      ...settings,
      retainStacksOnAccountRemoval: true,
      callAs: 'DELEGATED_ADMIN',
      maxConcurrentPercentage: 50,
      failureTolerancePercentage: 0,
    });
    expect(s.Properties).toMatchObject({
      AutoDeployment: { Enabled: true, RetainStacksOnAccountRemoval: true },
      CallAs: 'DELEGATED_ADMIN',
      OperationPreferences: { MaxConcurrentPercentage: 50, FailureTolerancePercentage: 0 },
    });
  });

  it('fills every member parameter without a default from the central stack', () => {
    const { member } = build();
    const required = Object.entries(member.toJSON().Parameters as Record<string, { Default?: string }>)
      .filter(([, p]) => p.Default === undefined)
      .map(([key]) => key)
      .sort();
    const given = (stackSet.Properties.Parameters as { ParameterKey: string }[]).map((p) => p.ParameterKey);
    expect(given.sort()).toEqual(required);
    expect(param(stackSet, 'AlertTopicArn')).toEqual({
      Ref: Object.keys(central.findResources('AWS::SNS::Topic'))[0],
    });
  });
});

describe('the central topic, key and alarm bus', () => {
  const { central } = build();
  const allows = (doc: unknown) => policyStatements(doc).filter((s) => s.Effect === 'Allow');
  const janitorRoles = {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/tf-lock-janitor/janitor-*']],
  };

  it('lets only janitor roles of the organization publish, and EventBridge only from its own rule', () => {
    const policy = only(central, 'AWS::SNS::TopicPolicy').Properties.PolicyDocument;
    const statements = allows(policy);
    expect(statements).toHaveLength(2);
    const members = statements.find((s) => s.Sid === 'MemberJanitorsPublish')!;
    expect(members).toMatchObject({
      Principal: { AWS: '*' },
      Action: 'sns:Publish',
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': ORG },
        ArnLike: { 'aws:PrincipalArn': janitorRoles },
      },
    });
    const events = statements.find((s) => s.Sid === 'MemberAlarmsPublish')!;
    expect(events.Condition).toEqual({
      ArnEquals: {
        'aws:SourceArn': {
          'Fn::GetAtt': [Object.keys(central.findResources('AWS::Events::Rule'))[0], 'Arn'],
        },
      },
    });
  });

  it('encrypts with a rotated customer-managed key that members may use only as janitor roles of the organization', () => {
    const topic = only(central, 'AWS::SNS::Topic');
    const key = only(central, 'AWS::KMS::Key');
    expect(topic.Properties.KmsMasterKeyId).toEqual({
      'Fn::GetAtt': [Object.keys(central.findResources('AWS::KMS::Key'))[0], 'Arn'],
    });
    expect(key.Properties.EnableKeyRotation).toBe(true);
    const foreign = allows(key.Properties.KeyPolicy).filter(
      (s) =>
        JSON.stringify(s.Principal) !==
        JSON.stringify({
          AWS: {
            'Fn::Join': [
              '',
              ['arn:', { Ref: 'AWS::Partition' }, ':iam::', { Ref: 'AWS::AccountId' }, ':root'],
            ],
          },
        }),
    );
    expect(foreign.map((s) => [s.Sid, list(s.Action).sort(), s.Condition])).toEqual([
      [
        'MemberJanitorsPublish',
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        { StringEquals: { 'aws:PrincipalOrgID': ORG }, ArnLike: { 'aws:PrincipalArn': janitorRoles } },
      ],
      [
        'AlarmEventsPublish',
        ['kms:Decrypt', 'kms:GenerateDataKey'],
        { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      ],
    ]);
  });

  it("takes member alarms only from the organization's alarm forwarder roles", () => {
    expect(only(central, 'AWS::Events::EventBusPolicy').Properties.Statement).toMatchObject({
      Effect: 'Allow',
      Principal: { AWS: '*' },
      Action: 'events:PutEvents',
      Condition: {
        StringEquals: { 'aws:PrincipalOrgID': ORG },
        ArnLike: {
          'aws:PrincipalArn': {
            'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/tf-lock-janitor/alarms-*']],
          },
        },
      },
    });
  });

  it('subscribes the e-mails and the chat channel once, to the central topic', () => {
    const { central: c } = build(settings, {
      alertEmails: 'ops@example.com,sre@example.com',
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    });
    c.resourcePropertiesCountIs('AWS::SNS::Subscription', { Protocol: 'email' }, 2);
    c.resourceCountIs('AWS::SNS::Topic', 1);
    expect(only(c, 'AWS::Chatbot::SlackChannelConfiguration').Properties.SnsTopicArns).toEqual([
      { Ref: Object.keys(c.findResources('AWS::SNS::Topic'))[0] },
    ]);
  });
});

describe('the code buckets', () => {
  const { code, member, stacks } = build();

  it('has one bucket per region, named <prefix>-<region>, that only the organization may read', () => {
    expect(stacks.code.map((s) => s.region)).toEqual(REGIONS);
    code.forEach((t, i) => {
      t.hasResourceProperties('AWS::S3::Bucket', {
        BucketName: {
          'Fn::Join': [
            '-',
            [{ 'Fn::Join': ['', ['tf-lock-janitor-code-', { Ref: 'AWS::AccountId' }]] }, REGIONS[i]],
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
      });
      const allows = policyStatements(only(t, 'AWS::S3::BucketPolicy').Properties.PolicyDocument).filter(
        (s) => s.Effect === 'Allow',
      );
      expect(allows).toHaveLength(1);
      expect(allows[0]).toMatchObject({
        Principal: { AWS: '*' },
        Action: ['s3:GetObject', 's3:GetObjectVersion'],
        Condition: { StringEquals: { 'aws:PrincipalOrgID': ORG } },
      });
    });
  });

  it('uploads the bundle as a zip under the key the member function names, with no manual step', () => {
    const key = janitorCode().key;
    expect(key).toMatch(/^tf-lock-janitor\/[0-9a-f]{64}\.zip$/);
    for (const t of code) {
      const upload = only(t, 'Custom::CDKBucketDeployment').Properties;
      expect(upload).toMatchObject({
        Extract: false,
        Prune: false,
        DestinationBucketKeyPrefix: 'tf-lock-janitor/',
      });
      expect(`tf-lock-janitor/${(upload.SourceObjectKeys as string[])[0]}`).toBe(key);
    }
    expect(only(member, 'AWS::Lambda::Function').Properties.Code).toEqual({
      S3Bucket: { 'Fn::Join': ['-', [{ Ref: 'CodeBucketPrefix' }, { Ref: 'AWS::Region' }]] },
      S3Key: key,
    });
  });

  it('uses a given prefix for the buckets and the member template alike', () => {
    const { code: c, stackSet } = build({ ...settings, codeBucketPrefix: 'acme-janitor-code' });
    c[0].hasResourceProperties('AWS::S3::Bucket', { BucketName: 'acme-janitor-code-eu-west-1' });
    expect(param(stackSet, 'CodeBucketPrefix')).toBe('acme-janitor-code');
  });

  it('deploys the central stack after the code stacks', () => {
    expect(stacks.central.dependencies.map((s) => s.stackName).sort()).toEqual(
      stacks.code.map((s) => s.stackName).sort(),
    );
  });
});

describe('the release path', () => {
  const { central, member, stackSet } = build();
  const roleId = Object.keys(
    central.findResources('AWS::IAM::Role', {
      Properties: { Description: 'tf-lock-janitor: forwards chat releases to member janitors' },
    }),
  )[0];

  it('lets the central release role invoke only the janitor function of the other organization accounts in the StackSet regions', () => {
    const policy = Object.values(central.findResources('AWS::IAM::Policy')).find(
      (p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]),
    )!;
    const invoke = policyStatements(policy.Properties.PolicyDocument).filter((s) =>
      list(s.Action).some((a) => a.startsWith('lambda:')),
    );
    expect(invoke).toEqual([
      expect.objectContaining({
        Action: 'lambda:InvokeFunction',
        Resource: REGIONS.map((r) => ({
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:lambda:${r}:*:function:tf-lock-janitor`]],
        })),
        // Organization accounts only, and never the central account itself (issue 19 #8).
        Condition: {
          StringEquals: { 'aws:ResourceOrgID': ORG },
          StringNotEquals: { 'aws:ResourceAccount': { Ref: 'AWS::AccountId' } },
        },
      }),
    ]);
    central.hasResourceProperties('AWS::Lambda::Function', {
      FunctionName: 'tf-lock-janitor-release',
      Environment: {
        Variables: { MEMBER_FUNCTION_NAME: 'tf-lock-janitor', MEMBER_REGIONS: REGIONS.join(',') },
      },
    });
  });

  it("admits on the member function only that role's ARN, within the organization", () => {
    const permissions = Object.values(member.findResources('AWS::Lambda::Permission'));
    expect(permissions.map((p) => p.Properties)).toEqual([
      {
        Action: 'lambda:InvokeFunction',
        FunctionName: {
          'Fn::GetAtt': [Object.keys(member.findResources('AWS::Lambda::Function'))[0], 'Arn'],
        },
        Principal: { Ref: 'CentralReleaseRoleArn' },
        PrincipalOrgID: ORG,
      },
    ]);
    expect(param(stackSet, 'CentralReleaseRoleArn')).toEqual({ 'Fn::GetAtt': [roleId, 'Arn'] });
  });
});

describe('the member template', () => {
  const { member } = build(settings, { policy: { mode: 'alert', tables: { include: ['tf-locks-*'] } } });

  it('is one janitor: function, schedule, state table, alarms; no topic, no nested stack, no asset', () => {
    member.resourceCountIs('AWS::Lambda::Function', 1);
    member.resourceCountIs('AWS::Scheduler::Schedule', 1);
    member.resourceCountIs('AWS::DynamoDB::Table', 1);
    member.resourceCountIs('AWS::CloudWatch::Alarm', 3);
    member.resourceCountIs('AWS::SNS::Topic', 0);
    member.resourceCountIs('AWS::CloudFormation::Stack', 0);
    const json = JSON.stringify(member.toJSON());
    expect(json).not.toMatch(/cdk-hnb659fds|BootstrapVersion|AssetParameters/);
  });

  it('names the function and its role, bakes the policy in and tells the account in the environment', () => {
    const fn = only(member, 'AWS::Lambda::Function').Properties;
    expect(fn).toMatchObject({ FunctionName: 'tf-lock-janitor', Handler: 'index.handler' });
    expect((fn.Environment as { Variables: Record<string, unknown> }).Variables).toMatchObject({
      TOPIC_ARN: { Ref: 'AlertTopicArn' },
      ACCOUNT_ID: { Ref: 'AWS::AccountId' },
      ACCOUNT_ALIAS: { Ref: 'AccountAlias' },
      RELEASE_ALLOWED: 'true',
      POLICY: JSON.stringify({ mode: 'alert', tables: { include: ['tf-locks-*'] } }),
    });
    member.hasResourceProperties('AWS::IAM::Role', {
      Path: '/tf-lock-janitor/',
      RoleName: { 'Fn::Join': ['', ['janitor-', { Ref: 'AWS::Region' }]] },
      AssumeRolePolicyDocument: { Statement: [{ Principal: { Service: 'lambda.amazonaws.com' } }] },
    });
  });

  it('publishes to the central topic and uses its key, granted on those ARNs only', () => {
    const all = Object.values(member.findResources('AWS::IAM::Policy')).flatMap((p) =>
      policyStatements(p.Properties.PolicyDocument),
    );
    expect(all.filter((s) => list(s.Action).some((a) => a.startsWith('sns:')))).toEqual([
      expect.objectContaining({ Action: 'sns:Publish', Resource: { Ref: 'AlertTopicArn' } }),
    ]);
    expect(all.filter((s) => list(s.Action).some((a) => a.startsWith('kms:')))).toEqual([
      expect.objectContaining({
        Action: expect.arrayContaining(['kms:Decrypt', 'kms:GenerateDataKey']),
        Resource: { Ref: 'AlertKeyArn' },
      }),
    ]);
  });

  it('sends alarm state changes to the central bus, not to a topic (alarms notify only topics of their region)', () => {
    for (const alarm of Object.values(member.findResources('AWS::CloudWatch::Alarm'))) {
      expect(alarm.Properties.AlarmActions).toBeUndefined();
    }
    const alarmArns = Object.keys(member.findResources('AWS::CloudWatch::Alarm')).map((id) => ({
      'Fn::GetAtt': [id, 'Arn'],
    }));
    const rule = only(member, 'AWS::Events::Rule').Properties;
    expect(rule.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      resources: alarmArns,
    });
    expect(rule.Targets).toEqual([expect.objectContaining({ Arn: { Ref: 'AlarmBusArn' } })]);
    member.hasResourceProperties('AWS::IAM::Role', {
      Path: '/tf-lock-janitor/',
      RoleName: { 'Fn::Join': ['', ['alarms-', { Ref: 'AWS::Region' }]] },
    });
  });

  it('keeps allowRelease off when the context says so', () => {
    const { member: m } = build(settings, { allowRelease: 'false' });
    const vars = (
      only(m, 'AWS::Lambda::Function').Properties.Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(vars.RELEASE_ALLOWED).toBeUndefined();
  });
});

describe('the organization context', () => {
  it('is absent unless set, so a plain deploy stays single-account', () => {
    expect(readOrganizationContext(undefined)).toBeUndefined();
    expect(readOrganizationContext('')).toBeUndefined();
  });

  it('reads JSON text from -c and fills the defaults', () => {
    expect(readOrganizationContext(JSON.stringify(settings))).toEqual({
      ...settings,
      callAs: 'SELF',
      retainStacksOnAccountRemoval: false,
      maxConcurrentPercentage: 25,
      failureTolerancePercentage: 10,
    });
  });

  it.each([
    ['{organizationId: o-1}', /context "organization": is not valid JSON/],
    [
      { ...settings, organizationId: 'acme' },
      /organization\.organizationId: must be the AWS Organizations id/,
    ],
    [{ ...settings, organizationalUnits: [] }, /organization\.organizationalUnits: name at least one/],
    [
      { ...settings, organizationalUnits: ['prod'] },
      /organization\.organizationalUnits\.0: must be an organizational unit id/,
    ],
    [{ ...settings, regions: ['Ireland'] }, /organization\.regions\.0: must be an AWS region name/],
    [{ ...settings, regions: ['eu-west-1', 'eu-west-1'] }, /organization\.regions: lists a region twice/],
    [{ ...settings, callAs: 'ADMIN' }, /organization\.callAs: must be "SELF" .* or "DELEGATED_ADMIN"/],
    [
      { ...settings, retainStacksOnAccountRemoval: 'yes' },
      /organization\.retainStacksOnAccountRemoval: must be true or false/,
    ],
    [
      { ...settings, codeBucketPrefix: 'Acme_Code' },
      /organization\.codeBucketPrefix: must be 3-48 lowercase/,
    ],
    [{ ...settings, ous: ['ou-ab12-cd34ef56'] }, /organization: Unrecognized key: "ous"/],
    [{ regions: REGIONS, organizationalUnits: OUS }, /organization\.organizationId: /],
  ])('rejects %j naming the field', (value, message) => {
    expect(() => readOrganizationContext(value)).toThrow(UsageError);
    expect(() => readOrganizationContext(value)).toThrow(message);
  });

  it('rejects policy.regions with several organization regions: each janitor would sweep them all', () => {
    expect(() => build(settings, { policy: { regions: ['eu-west-1'] } })).toThrow(
      /policy\.regions: the organization deploys/,
    );
    expect(() =>
      build({ ...settings, regions: ['eu-west-1'] }, { policy: { regions: ['eu-west-1', 'us-east-1'] } }),
    ).not.toThrow();
  });
});
