// Tests: `npx cdk synth -c organization='{...}'` works offline and bad organization context gets a clear message.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-org-app-'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** The CDK CLI as a person runs it, with no AWS credentials or network it could use. */
function cdkSynth(organization: string) {
  return spawnSync('npx', ['cdk', 'synth', '--quiet', '-o', outdir, '-c', `organization=${organization}`], {
    cwd: ROOT,
    encoding: 'utf8',
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      CDK_DISABLE_CLI_TELEMETRY: 'true',
    },
    timeout: 180_000,
  });
}

describe('the CDK app with -c organization', () => {
  it('synthesizes the central stack and a code stack per region, offline, with cdk-nag clean', () => {
    const result = cdkSynth(
      JSON.stringify({
        organizationId: 'o-a1b2c3d4e5',
        organizationalUnits: ['ou-ab12-cd34ef56'],
        regions: ['eu-west-1', 'us-east-1'],
      }),
    );
    expect(result.stderr).not.toMatch(/ERROR|Validation failed/);
    expect(result.status).toBe(0);
    for (const stack of [
      'TfLockJanitorOrganization',
      'TfLockJanitorOrganizationCode-eu-west-1',
      'TfLockJanitorOrganizationCode-us-east-1',
    ]) {
      expect(existsSync(path.join(outdir, `${stack}.template.json`))).toBe(true);
    }
    const central = readFileSync(path.join(outdir, 'TfLockJanitorOrganization.template.json'), 'utf8');
    expect(central).toContain('"PermissionModel": "SERVICE_MANAGED"');
    expect(existsSync(path.join(outdir, 'TfLockJanitor.template.json'))).toBe(false);
  }, 180_000);

  it('stops with a message naming the field when the organization context is wrong', () => {
    const result = cdkSynth(
      '{"organizationId":"o-a1b2c3d4e5","organizationalUnits":[],"regions":["eu-west-1"]}',
    );
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain(
      'organization.organizationalUnits: name at least one organizational unit',
    );
    expect(result.stderr).not.toMatch(/\n\s+at /);
  }, 180_000);
});
