// Tests: the deployable stack (composes one LockJanitor) and the CDK context it is configured from in bin/app.ts.
import { Template } from 'aws-cdk-lib/assertions';
import { UsageError } from '../lambda/core/errors';
import { readJanitorContext } from '../lib/janitor-context';
import { JanitorStack } from '../lib/janitor-stack';
import { unbundledApp } from './support/cdk';

const TEAM = '8a3c1f2e-1b2c-4d5e-9f00-112233445566';
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

/** Reads context as bin/app.ts does: from a map, as cdk.json or `-c key=value` would give it. */
const read = (context: Record<string, unknown>) => readJanitorContext((key) => context[key]);

/** Synthesizes the stack from context exactly as bin/app.ts does, without bundling the function. */
function synth(context: Record<string, unknown> = {}): Template {
  const app = unbundledApp(context);
  return Template.fromStack(
    new JanitorStack(
      app,
      'Test',
      readJanitorContext((key) => app.node.tryGetContext(key)),
    ),
  );
}

describe('the stack', () => {
  it('composes one janitor and outputs the names an operator needs', () => {
    const t = synth();
    t.resourceCountIs('AWS::Lambda::Function', 1);
    expect(Object.keys(t.findOutputs('*')).sort()).toEqual([
      'FunctionName',
      'ScheduleName',
      'StateTableName',
      'TopicArn',
    ]);
  });

  it('passes its props to the janitor and outputs the dashboard when there is one', () => {
    const app = unbundledApp();
    const stack = new JanitorStack(app, 'Test', { detailedMonitoring: true, memorySize: 1024 });
    const t = Template.fromStack(stack);
    t.hasResourceProperties('AWS::Lambda::Function', { MemorySize: 1024 });
    expect(Object.keys(t.findOutputs('*'))).toContain('DashboardName');
    expect(stack.templateOptions.description).toMatch(/^tf-lock-janitor: /);
  });
});

describe('settings from CDK context', () => {
  it('reads nothing when nothing is set, so every default applies', () => {
    expect(Object.values(read({})).filter((v) => v !== undefined)).toEqual([]);
  });

  it('takes -c strings: JSON policy, booleans, a comma-separated list, a cron with a time zone', () => {
    const policy = { mode: 'alert', tables: { include: ['tf-locks-*'] } };
    const settings = read({
      policy: JSON.stringify(policy),
      enabled: 'false',
      reserveConcurrency: 'false',
      allowRelease: 'true',
      detailedMonitoring: 'true',
      encryptAlertTopic: true,
      alertEmails: 'ops@example.com, sre@example.com',
      schedule: 'cron(0 8 ? * MON-FRI *)',
      scheduleTimeZone: 'Europe/Berlin',
      teams: JSON.stringify({ teamId: TEAM, channelId: '19:abc123@thread.tacv2', tenantId: TENANT }),
      functionName: 'tf-janitor-ops',
    });
    expect(settings).toMatchObject({
      policy,
      enabled: false,
      reserveConcurrency: false,
      allowRelease: true,
      detailedMonitoring: true,
      encryptAlertTopic: true,
      alertEmails: ['ops@example.com', 'sre@example.com'],
      teams: { teamId: TEAM, tenantId: TENANT },
      functionName: 'tf-janitor-ops',
    });
    expect(settings.schedule?.expressionString).toBe('cron(0 8 ? * MON-FRI *)');
    expect(settings.schedule?.timeZone?.timezoneName).toBe('Europe/Berlin');
  });

  it('reaches the template the way bin/app.ts builds it', () => {
    const t = synth({ schedule: 'rate(1 hour)', enabled: 'false', reserveConcurrency: false });
    t.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      State: 'DISABLED',
    });
    expect(
      Object.values(t.findResources('AWS::Lambda::Function'))[0].Properties.ReservedConcurrentExecutions,
    ).toBeUndefined();
  });

  it.each([
    [{ schedule: 'every 15 minutes' }, /context "schedule": "every 15 minutes" is not a recurring schedule/],
    [{ schedule: 'cron(garbage)' }, /context "schedule": "cron\(garbage\)" has 1 field; a cron needs 6/],
    [{ schedule: 42 }, /context "schedule": 42 is not a schedule/],
    [{ schedule: 'rate(5 minutes)', scheduleTimeZone: 'Europe/Berlin' }, /applies only to a cron/],
    [{ schedule: 'cron(0 8 * * ? *)', scheduleTimeZone: 'Mars/Olympus' }, /"Mars\/Olympus" is not an IANA/],
    [{ scheduleTimeZone: 'Europe/Berlin' }, /needs a cron "schedule"/],
    [{ enabled: 'yes' }, /context "enabled": "yes" must be true or false/],
    [{ functionName: 42 }, /context "functionName": 42 must be a string/],
    [{ alertEmails: '[1, 2]' }, /context "alertEmails": must be a list of strings/],
    [{ policy: '{mode: alert}' }, /context "policy": is not valid JSON/],
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
    [
      { policy: '{"mode": "alert", "mode": "delete"}' },
      /context "policy": mode is given twice in one object/,
    ],
  ])('rejects %j, naming the key', (context, message) => {
    expect(() => read(context)).toThrow(UsageError);
    expect(() => read(context)).toThrow(message);
  });
});
