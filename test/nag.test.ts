// Tests: cdk-nag AwsSolutions findings on the stack.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack, TimeZone, Validations } from 'aws-cdk-lib';
import { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { JanitorStack, type JanitorStackProps } from '../lib/janitor-stack';

type Report = { pluginReports: { violations: { ruleName: string; violatingResources: unknown[] }[] }[] };
type Acknowledged = { id: string; reason: string };

const TEAM = '8a3c1f2e-1b2c-4d5e-9f00-112233445566';
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

/** Synthesizes with cdk-nag AwsSolutions as bin/app.ts does; returns the findings from validation-report.json. */
function nag(build: (app: App) => void): string[] {
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-nag-'));
  outdirs.push(outdir);
  const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
  build(app);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
  try {
    app.synth();
  } catch {
    // A finding fails synth; the findings are read from the report below either way.
  }
  const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
  return report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName));
}

function acknowledged(scope: IConstruct): Acknowledged[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

const full: JanitorStackProps = {
  policy: {
    mode: 'delete',
    regions: ['eu-west-1', 'eu-central-1'],
    tables: { include: ['tf-locks-*', 'ops-lock', '[!x]-locks'], exclude: ['tf-locks-prod*'] },
    buckets: { include: ['acme-tfstate-*', '[!x]-state'], exclude: ['acme-tfstate-prod'] },
  },
  schedule: ScheduleExpression.expression('cron(0/10 * * * ? *)', TimeZone.EUROPE_BERLIN),
  alertEmails: ['ops@example.com'],
  slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
  teams: { teamId: TEAM, channelId: '19:abc123@thread.tacv2', tenantId: TENANT },
  detailedMonitoring: true,
  encryptAlertTopic: true,
  allowRelease: true,
};

describe('cdk-nag AwsSolutions', () => {
  it.each([
    ['the default stack', {}],
    ['a stack with every option', full],
  ])('finds nothing unacknowledged in %s', (_name, props) => {
    expect(nag((app) => new JanitorStack(app, 'Janitor', props))).toEqual([]);
  });

  it('covers the chat Release button: the stack with every option has it', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(new JanitorStack(app, 'Janitor', full).janitor.releaseButton).toBeDefined();
  });

  it('still reports findings: the check is live, not silenced', () => {
    const findings = nag((app) => new sns.Topic(new Stack(app, 'Plain'), 'Topic'));
    expect(findings).toEqual(expect.arrayContaining([expect.stringMatching(/AwsSolutions-SNS3/)]));
  });

  it('acknowledges only what it must, each with a reason', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const acks = acknowledged(new JanitorStack(app, 'Janitor', full));
    const table = (name: string, region: string) =>
      `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:dynamodb:${region}:<AWS::AccountId>:table/${name}]`;
    const expected = [
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      table('tf-locks-*', 'eu-west-1'),
      table('tf-locks-*', 'eu-central-1'),
      expect.stringMatching(
        /^AwsSolutions::AwsSolutions-IAM5\[Resource::<JanitorFunction[0-9A-F]+\.Arn>:\*\]$/,
      ),
      'AwsSolutions::AwsSolutions-SQS3',
      // State buckets: ListAllMyBuckets (no resource-level permission), the bucket globs, their *.tflock objects.
      'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-tfstate-*]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::acme-tfstate-*/*.tflock]',
      'AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::?-state/*.tflock]',
    ];
    expect(acks.map((a) => a.id)).toEqual(expect.arrayContaining(expected));
    expect(acks).toHaveLength(expected.length);
    for (const { reason } of acks) expect(reason.length).toBeGreaterThan(40);
  });
});
