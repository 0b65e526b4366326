// Tests: every policy in examples/ loads with the CLI's policy loader and synthesizes the stack, as `-c policy` would.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { parsePolicyJson } from '../lambda/core/policy';
import { readJanitorContext } from '../lib/janitor-context';
import { JanitorStack } from '../lib/janitor-stack';
import { readOrganizationContext } from '../lib/organization/organization-context';
import { addOrganizationStacks } from '../lib/organization/organization-stack';
import { list, statements, unbundledApp } from './support/cdk';

const EXAMPLES = path.join(__dirname, '..', 'examples');
const files = readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'));
const text = (file: string) => readFileSync(path.join(EXAMPLES, file), 'utf8');

/** `npx cdk deploy -c policy="$(cat examples/FILE)"`: the context value is the file's text, read by bin/app.ts. */
function synth(file: string): Template {
  const app = unbundledApp({ policy: text(file) });
  const settings = readJanitorContext((key) => app.node.tryGetContext(key));
  return Template.fromStack(new JanitorStack(app, 'Example', settings));
}

/** The janitor function's POLICY variable, parsed. */
function deployedPolicy(template: Template): unknown {
  const fn = Object.values(template.findResources('AWS::Lambda::Function')).find(
    (r) => r.Properties.Environment?.Variables?.POLICY !== undefined,
  );
  return JSON.parse(fn?.Properties.Environment.Variables.POLICY);
}

/** Whether some Allow statement grants the action (on lock tables only, for DynamoDB deletes). */
function allows(template: Template, action: string, onResource = ''): boolean {
  return statements(template).some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).includes(action) &&
      JSON.stringify(s.Resource).includes(onResource),
  );
}

describe('the example policies', () => {
  it('are there, one for each common setup', () => {
    expect(files.sort()).toEqual([
      'alert-only.json',
      'ci-plans-delete-2h.json',
      'ec2-runners.json',
      'lockfile-teams.json',
      'organization.json',
    ]);
  });

  it.each(files)('%s has its one-line description in examples/README.md', (file) => {
    expect(text('README.md')).toMatch(
      new RegExp(`^\\| \\[${file.replace('.', '\\.')}\\]\\(${file}\\) \\| .+ \\|$`, 'm'),
    );
  });

  it.each(files)('%s is plain JSON that the CLI policy loader accepts', (file) => {
    // Prepare / Act
    const policy = parsePolicyJson(text(file), file);
    // Assess: JSON.parse already refused comments; the loader filled the defaults.
    expect(policy.rules.length).toBeGreaterThan(0);
    expect(policy.rules.at(-1)?.match).toEqual({});
  });

  it.each(files)('%s synthesizes the stack, its grants following the policy', (file) => {
    // Prepare
    const policy = parsePolicyJson(text(file), file);
    // Act
    const template = synth(file);
    // Assess
    expect(deployedPolicy(template)).toEqual(JSON.parse(text(file)));
    expect(allows(template, 'dynamodb:DeleteItem', ':table/')).toBe(policy.mode === 'delete');
    expect(allows(template, 's3:ListAllMyBuckets')).toBe(policy.buckets.include.length > 0);
    expect(allows(template, 'ec2:DescribeInstances')).toBe(policy.evidence.ec2Hosts);
  });

  it('organization.json synthesizes the organization deployment, its policy baked into the StackSet', () => {
    // Prepare
    const app = unbundledApp({ policy: text('organization.json') });
    const settings = readJanitorContext((key) => app.node.tryGetContext(key));
    const org = readOrganizationContext({
      organizationId: 'o-a1b2c3d4e5',
      organizationalUnits: ['ou-ab12-cd34ef56'],
      regions: ['eu-west-1', 'us-east-1'],
    });
    // Act
    const { central } = addOrganizationStacks(app, 'Org', org!, settings);
    // Assess
    const stackSet = Object.values(
      Template.fromStack(central).findResources('AWS::CloudFormation::StackSet'),
    )[0];
    const member = Template.fromJSON(JSON.parse(stackSet.Properties.TemplateBody));
    expect(deployedPolicy(member)).toEqual(JSON.parse(text('organization.json')));
  });
});

describe("the README's deploy command", () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-examples-'));
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('passes the whole example policy through the CDK CLI (which keeps only the first line of a -c value)', () => {
    // Prepare: the README's line, pasted into bash, with synth in place of deploy.
    const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
    const line = readme.split('\n').find((l) => l.startsWith('npx cdk deploy -c policy='));
    expect(line).toBeDefined();
    const command = line!.replace('npx cdk deploy', `npx cdk synth --quiet -o '${outdir}'`);
    const file = /examples\/([\w-]+\.json)/.exec(command)?.[1] ?? '';
    // Act
    const result = spawnSync('bash', ['-c', command], {
      cwd: path.join(__dirname, '..'),
      encoding: 'utf8',
      env: { ...process.env, AWS_EC2_METADATA_DISABLED: 'true', CDK_DISABLE_CLI_TELEMETRY: 'true' },
      timeout: 180_000,
    });
    // Assess
    expect(result.stderr).not.toMatch(/not valid/);
    expect(result.status).toBe(0);
    const template = Template.fromJSON(
      JSON.parse(readFileSync(path.join(outdir, 'TfLockJanitor.template.json'), 'utf8')),
    );
    expect(deployedPolicy(template)).toEqual(JSON.parse(text(file)));
  }, 180_000);
});
