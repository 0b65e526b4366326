// Tests: the CLI's help, usage errors, output formats, exit codes and AWS conventions (profiles, regions, endpoints).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockItem } from '../bin/demo/terraform-lock';
import { runCli } from './support/cli';
import { createLockTable, endpoint, putItems, testClient, uniqueName } from './support/dynamo';

const client = testClient();
afterAll(() => client.destroy());
const dir = mkdtempSync(join(tmpdir(), 'tflj-usage-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const widest = (text: string) => Math.max(...text.split('\n').map((l) => l.length));

describe('help', () => {
  it.each([
    ['--help'],
    ['help'],
    ['list', '--help'],
    ['sweep', '-h'],
    ['release', '--help'],
    ['demo', '--help'],
    ['help', 'release'],
  ])('%s %s prints help that fits 80 columns and exits 0', async (...args) => {
    const { code, stdout } = await runCli(args.filter((a): a is string => a !== undefined));
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: tf-lock-janitor /);
    expect(widest(stdout)).toBeLessThanOrEqual(80);
  });

  it.each([
    ['list', /3 stale locks found \(with --detailed-exitcode\)/],
    ['sweep', /3 stale locks found \(with --detailed-exitcode\)/],
    ['doctor', /Exit codes: 0 every check ok; 1 a check failed or could not be made; 2 bad usage/],
    ['test-alert', /Exit codes: 0 SNS accepted the test notification; 1 it did not; 2 bad usage/],
    ['demo', /Exit codes: 0 done; 1 the demo failed; 2 bad usage\./],
  ])('%s --help gives the exit codes that command has', async (command, exits) => {
    const { stdout } = await runCli([command, '--help']);
    expect(stdout.replace(/\n/g, ' ')).toMatch(exits);
    if (!['list', 'sweep'].includes(command)) expect(stdout).not.toContain('--detailed-exitcode');
  });

  it('gives each command its own flags: list --help shows list flags, not release ones', async () => {
    const { stdout } = await runCli(['list', '--help']);
    expect(stdout).toMatch(/^Usage: tf-lock-janitor list \[flags\]/);
    for (const flag of [
      '--policy FILE',
      '--detailed-exitcode',
      '--profile NAME',
      '--output FORMAT',
      '--quiet',
    ])
      expect(stdout).toContain(flag);
    for (const flag of ['--state-path', '--table', '--yes', '--topic-arn'])
      expect(stdout).not.toContain(flag);
  });

  it("offers each command only the output formats it prints: release's help names no tsv", async () => {
    const release = await runCli(['release', '--help']);
    const list = await runCli(['list', '--help']);
    expect(release.stdout).toMatch(/--output FORMAT\s+table \(default: the result as text\) or json/);
    expect(release.stdout).not.toMatch(/or tsv/);
    expect(list.stdout).toMatch(/or tsv/);
  });

  it('documents the old release flags as aliases', async () => {
    const { stdout } = await runCli(['release', '--help']);
    expect(stdout).toMatch(/^Usage: tf-lock-janitor release \[flags\] ID/);
    expect(stdout).toMatch(/--lock-id PATH\s+old name of --state-path/);
    expect(stdout).toMatch(/--id ID\s+the lock ID as a flag/);
  });
});

describe('usage errors', () => {
  it.each([
    ['an unknown short flag', ['list', '-v'], `unknown flag "-v"; see 'tf-lock-janitor list --help'`],
    [
      'a flag of another command',
      ['list', '--table', 't'],
      `list does not take --table (a flag of release); see 'tf-lock-janitor list --help'`,
    ],
    [
      'a sweep flag on list',
      ['list', '--state-table', 's'],
      'list does not take --state-table (a flag of sweep, release)',
    ],
    [
      '--json on demo',
      ['demo', '--json'],
      `demo does not take --json (a flag of list, sweep, release, doctor, test-alert); see 'tf-lock-janitor demo --help'`,
    ],
    [
      'a flag without its value',
      ['list', '--policy'],
      `--policy needs a value (FILE); see 'tf-lock-janitor list --help'`,
    ],
    ['a value on a switch', ['sweep', '--dry-run=yes'], '--dry-run takes no value'],
    ['an unknown output', ['list', '--output', 'xml'], '--output "xml" is not one of table, json, tsv'],
    [
      '--json with another --output',
      ['list', '--json', '--output', 'tsv'],
      '--json and --output say different things',
    ],
    ['an argument list does not take', ['list', 'extra'], 'list takes no argument, but got "extra"'],
    ['an unknown command', ['purge'], `unknown command "purge"; see 'tf-lock-janitor --help'`],
    [
      'a table format for release',
      ['release', 'x', '--output', 'tsv'],
      "release prints one result, not a table: --output takes table or json here; see 'tf-lock-janitor release --help'",
    ],
    ['no command', ['--region', 'eu-west-1'], `no command given; see 'tf-lock-janitor --help'`],
    [
      'a malformed --endpoint',
      ['list', '--endpoint', 'foo', '--region', 'eu-west-1'],
      `--endpoint "foo" is not an http(s) URL such as http://localhost:8000; see 'tf-lock-janitor list --help'`,
    ],
    [
      'a region the SDK does not know',
      ['list', '--region', 'Frankfurt', '--endpoint', 'http://127.0.0.1:9'],
      '--region "Frankfurt" is not an AWS region the SDK knows',
    ],
    [
      'a pseudo-region',
      ['list', '--region', 'aws-global', '--endpoint', 'http://127.0.0.1:9'],
      'is not an AWS region',
    ],
  ])('exits 2 on %s with one line naming it', async (_name, args, message) => {
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/Usage:|To specify a positional argument|\n\s+at /);
  });
});

describe('hostile values in error messages', () => {
  const ESC = '\x1b';
  const CSI = '\u009b';
  it.each([
    ['a --bucket glob', ['list', `--bucket=a${ESC}]0;pwn\u0007b`, '--region', 'eu-west-1']],
    [
      'a table glob in the policy file',
      ['list', '--policy', file('hostile.json', JSON.stringify({ tables: { include: [`t${CSI}2Jx[`] } }))],
    ],
    ['a flag', ['list', `--x${ESC}[2J`]],
  ])('exits 2 on %s with its control characters escaped, never sent to the terminal', async (_name, args) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    for (const line of stderr.split('\n')) expect(line).not.toMatch(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u);
    expect(stderr).toMatch(/\\u\{(1b|9b)\}|\\u001b/);
  });
});

describe('regions, profiles and endpoints', () => {
  const prefix = uniqueName('usage');
  const table = `${prefix}-locks`;
  beforeAll(async () => {
    await createLockTable(client, table);
    await putItems(client, table, [
      lockItem({
        bucket: 'acme',
        path: 'old.tfstate',
        operation: 'OperationTypePlan',
        who: 'ci@x',
        createdMs: Date.now() - 5 * 3_600_000,
      }),
    ]);
  });
  const policy = () => file(`${prefix}.json`, JSON.stringify({ tables: { include: [table] } }));

  it('accepts a region of another partition from the SDK data (eusc-de-east-1 in aws-eusc)', async () => {
    const { code, stdout, stderr } = await runCli([
      'list',
      '--region',
      'eusc-de-east-1',
      '--endpoint',
      'http://127.0.0.1:9',
    ]);
    expect(stderr).not.toContain('is not an AWS region');
    expect(stdout).toContain('could not list the tables of eusc-de-east-1');
    expect(code).toBe(1);
  });

  it.each([
    ['AWS_PROFILE', [], { AWS_PROFILE: 'ops' }],
    ['--profile', ['--profile', 'ops'], {}],
  ] as const)('takes the region and credentials of the profile named by %s', async (_how, flags, env) => {
    // Prepare: a profile with a region; its keys in the credentials file (dynalite accepts any).
    const config = file('config', '[default]\nregion = us-west-2\n\n[profile ops]\nregion = eu-west-1\n');
    const credentials = file(
      'credentials',
      '[ops]\naws_access_key_id = AKIAOPS\naws_secret_access_key = secret\n',
    );
    // Act
    const { code, stdout, stderr } = await runCli(
      ['list', '--endpoint', endpoint(), '--policy', policy(), '--json', ...flags],
      { AWS_CONFIG_FILE: config, AWS_SHARED_CREDENTIALS_FILE: credentials, ...env },
    );
    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.tables).toEqual([expect.objectContaining({ region: 'eu-west-1', name: table, locks: 1 })]);
  });

  it.each([
    ['--profile', ['--profile', 'prdo'], {}, '--profile "prdo"'],
    ['AWS_PROFILE', [], { AWS_PROFILE: 'prdo' }, 'AWS_PROFILE="prdo"'],
  ] as const)(
    'refuses a profile named by %s that neither file holds, listing those they hold',
    async (_how, flags, env, given) => {
      // Prepare: "ops" in the config file, "ci" in the credentials file only, and an SSO session (not a profile).
      const config = file(
        'config-typo',
        '[profile ops]\nregion = eu-west-1\n\n[sso-session corp]\nsso_region = eu-west-1\n',
      );
      const credentials = file(
        'credentials-typo',
        '[ci]\naws_access_key_id = AKIACI\naws_secret_access_key = secret\n',
      );
      // Act
      const { code, stdout, stderr } = await runCli(
        ['list', '--endpoint', endpoint(), '--policy', policy(), ...flags],
        {
          AWS_CONFIG_FILE: config,
          AWS_SHARED_CREDENTIALS_FILE: credentials,
          ...env,
        },
      );
      // Assess: refused before any call, with the right fix (not "no credentials were found").
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr).toBe(
        `tf-lock-janitor: ${given}: no such profile in ${config} or ${credentials} (profiles there: ci, ops; pass one of those, or create it: aws configure --profile prdo)\n`,
      );
    },
  );

  it('says how to give a region when neither flags, policy, environment nor profile has one', async () => {
    const config = file('config-empty', '[profile bare]\noutput = json\n');
    const { code, stderr } = await runCli(['list', '--profile', 'bare'], { AWS_CONFIG_FILE: config });
    expect(code).toBe(2);
    expect(stderr).toContain(
      'no region: pass --region REGION (repeatable), set AWS_REGION, or give the profile a region',
    );
    expect(stderr).toContain('--profile bare');
  });

  it('honours AWS_ENDPOINT_URL_DYNAMODB', async () => {
    const { code, stdout } = await runCli(['list', '--region', 'us-east-1', '--policy', policy(), '--json'], {
      AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
      AWS_ACCESS_KEY_ID: 'x',
      AWS_SECRET_ACCESS_KEY: 'y',
    });
    expect(code).toBe(0);
    expect(JSON.parse(stdout).locks).toEqual([expect.objectContaining({ lockId: 'acme/old.tfstate' })]);
  });

  it('prints the same JSON with --output json as with --json', async () => {
    const args = ['list', '--endpoint', endpoint(), '--region', 'us-east-1', '--policy', policy()];
    const [a, b] = await Promise.all([runCli([...args, '--json']), runCli([...args, '--output', 'json'])]);
    const shape = (out: string) =>
      JSON.parse(out).locks.map((l: { lockId: string; id: string }) => [l.lockId, l.id]);
    expect(a.code).toBe(0);
    expect(shape(a.stdout)).toEqual(shape(b.stdout));
  });

  it('prints one tab-separated line per lock, values whole, with --output tsv', async () => {
    const { code, stdout } = await runCli([
      'list',
      '--endpoint',
      endpoint(),
      '--region',
      'us-east-1',
      '--policy',
      policy(),
      '--output',
      'tsv',
    ]);
    expect(code).toBe(0);
    const [header, row, ...rest] = stdout.trimEnd().split('\n');
    expect(header.split('\t')).toEqual([
      'region',
      'where',
      'state_path',
      'lock_id',
      'operation',
      'who',
      'created',
      'age_seconds',
      'last_sign',
    ]);
    expect(row.split('\t').slice(0, 3)).toEqual(['us-east-1', table, 'acme/old.tfstate']);
    expect(rest).toEqual([]);
  });

  it.each([
    ['list', 'a stale lock', {}, 3],
    ['sweep', 'a stale lock', { mode: 'report' }, 3],
    ['list', 'no stale lock', { rules: [{ name: 'late', match: {}, alertAfter: '30d' }] }, 0],
  ] as const)('%s --detailed-exitcode exits %s with %s', async (command, _what, extra, exit) => {
    const p = file(`${uniqueName('p')}.json`, JSON.stringify({ tables: { include: [table] }, ...extra }));
    const args = [command, '--endpoint', endpoint(), '--region', 'us-east-1', '--policy', p];
    const plain = await runCli(args);
    const detailed = await runCli([...args, '--detailed-exitcode']);
    expect(plain.code).toBe(0);
    expect(detailed.code).toBe(exit);
  });

  it("speaks only of what list does in list's summary, with the grammar right", async () => {
    const { stdout } = await runCli([
      'list',
      '--endpoint',
      endpoint(),
      '--region',
      'us-east-1',
      '--policy',
      policy(),
    ]);
    const summary = stdout.trimEnd().split('\n').pop();
    expect(summary).toBe('1 lock table, 1 item: 1 lock, 1 stale; 0 errors');
  });
});
