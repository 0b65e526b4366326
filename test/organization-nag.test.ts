// Tests: cdk-nag AwsSolutions on the organization deployment: the central and code stacks, and the member template.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, type IPolicyValidationPluginBeta1, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { readOrganizationContext } from '../lib/organization/organization-context';
import { addOrganizationStacks } from '../lib/organization/organization-stack';

type Report = { pluginReports: { violations: { ruleName: string }[] }[] };

const org = readOrganizationContext({
  organizationId: 'o-a1b2c3d4e5',
  organizationalUnits: ['ou-ab12-cd34ef56'],
  regions: ['eu-west-1', 'us-east-1'],
})!;
const full = {
  policy: { mode: 'delete' as const, tables: { include: ['tf-locks-*'], exclude: ['tf-locks-prod*'] } },
  alertEmails: ['ops@example.com'],
  slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
  detailedMonitoring: true,
};
const nag = (app: App) => Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function acknowledged(scope: IConstruct): { id: string; reason: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

describe('cdk-nag AwsSolutions on the organization deployment', () => {
  it('finds nothing unacknowledged in the central stack, the code stacks or the member template', () => {
    // Prepare: as bin/app.ts does, with cdk-nag on the app and on the member template's own app.
    const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-org-nag-'));
    outdirs.push(outdir);
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const memberApps: App[] = [];
    // Act: a member finding would throw here, before the central app is synthesized.
    const stacks = addOrganizationStacks(app, 'Org', org, full, (member) => {
      memberApps.push(member);
      nag(member);
    });
    nag(app);
    try {
      app.synth();
    } catch {
      // A finding fails synth; the findings are read from the report below either way.
    }
    // Assess
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
    expect(report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName))).toEqual([]);
    expect(memberApps).toHaveLength(1);
    const acks = [stacks.central, ...stacks.code, ...memberApps].flatMap(acknowledged);
    expect(acks.length).toBeGreaterThan(0);
    for (const { reason } of acks) expect(reason.length).toBeGreaterThan(40);
  });

  it("fails the synth when the member template's checks find something: the hook's checks are live", () => {
    const failing: IPolicyValidationPluginBeta1 = {
      name: 'always-fails',
      validate: () => ({
        success: false,
        violations: [
          { ruleName: 'test-rule', description: 'a finding', violatingResources: [], severity: 'error' },
        ],
      }),
    };
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(() =>
      addOrganizationStacks(app, 'Org', org, {}, (member) => Validations.of(member).addPlugins(failing)),
    ).toThrow(/the member template has validation findings:\n {2}- always-fails: test-rule/);
  });
});
