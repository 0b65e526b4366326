// Tests: the EC2 host check's IAM: ec2:DescribeInstances only when the policy asks for it, acknowledged in cdk-nag.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { PolicyInput } from '../lambda/core/policy';
import { JanitorStack } from '../lib/janitor-stack';
import { grantsOf, synthJanitor } from './support/cdk';

type Report = { pluginReports: { violations: { ruleName: string }[] }[] };

const withHostCheck: PolicyInput = {
  mode: 'delete',
  evidence: { ec2Hosts: true },
  rules: [
    { name: 'ci', match: { who: 'runner@*' }, deleteAfter: '4h', deleteWhenHolderGone: '15m' },
    { name: 'default', match: {}, alertAfter: '4h' },
  ],
};

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

describe('the EC2 host check in IAM', () => {
  it.each([
    ['the default policy', {}],
    ['state writes only', { evidence: { stateWrites: true } }],
    ['the host check off', { evidence: { ec2Hosts: false } }],
  ])('grants no EC2 action with %s', (_, policy: PolicyInput) => {
    expect(grantsOf(synthJanitor({ policy }), 'ec2:DescribeInstances')).toEqual([]);
    const actions = JSON.stringify(synthJanitor({ policy }).findResources('AWS::IAM::Policy'));
    expect(actions).not.toContain('ec2:');
  });

  it('grants ec2:DescribeInstances and DescribeNetworkInterfaces on * (no resource-level permissions) when evidence.ec2Hosts is on', () => {
    expect(grantsOf(synthJanitor({ policy: withHostCheck }), 'ec2:DescribeInstances')).toEqual([
      {
        Sid: 'CheckLockHolderHosts',
        Effect: 'Allow',
        Action: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces'],
        Resource: '*',
      },
    ]);
  });

  it('leaves no cdk-nag finding unacknowledged, and says why DescribeInstances needs *', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-nag-ec2-'));
    outdirs.push(outdir);
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new JanitorStack(app, 'Janitor', { policy: withHostCheck });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
    try {
      app.synth();
    } catch {
      // A finding fails synth; the findings are read from the report below either way.
    }
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
    expect(report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName))).toEqual([]);
    const reasons = stack.node
      .findAll()
      .flatMap((c) => c.node.metadata)
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .map((m) => (m.data as Record<string, string>)['AwsSolutions::AwsSolutions-IAM5[Resource::*]'])
      .filter((reason) => reason !== undefined);
    expect(reasons).toEqual([
      expect.stringContaining(
        'ec2:DescribeInstances and ec2:DescribeNetworkInterfaces have no resource-level permissions',
      ),
    ]);
  });
});
