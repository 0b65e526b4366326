import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockItem } from '../bin/demo/terraform-lock';
import { readConfig } from '../lambda/config';
import { PolicyError } from '../lambda/core/errors';
import { compileGlob } from '../lambda/core/glob';
import { OPERATIONS, operationGlob } from '../lambda/core/operations';
import { parsePolicy } from '../lambda/core/policy';
import { synthJanitor } from './support/cdk';
import { policyFile, runCli } from './support/cli';
import { createLockTable, endpoint, lockIds, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR } from './support/janitor';

const dir = mkdtempSync(join(tmpdir(), 'tflj-vocab-'));
const client = testClient();
afterAll(() => client.destroy());

const cli = (...args: string[]) => runCli(args);

const rules = (operation: string) => [
  { name: 'applies-alert-only', match: { operation }, alertAfter: '1h' },
  { name: 'default', match: {}, alertAfter: '1h', deleteAfter: '2h' },
];

describe('the operation words the tables show (dynalite, the CLI as a process)', () => {
  it.each([['apply'], ['OperationTypeApply'], ['app*']])(
    '"%s" matches a real apply lock, so the catch-all below it never deletes it',
    async (operation) => {
      // Prepare: a 3-hour-old apply lock, and a policy that only alerts on applies.
      const table = uniqueName('vocab');
      await createLockTable(client, table);
      const apply = lockItem({
        bucket: 'acme',
        path: 'prod/app.tfstate',
        operation: 'OperationTypeApply',
        who: 'ci@runner',
        createdMs: Date.now() - 3 * HOUR,
      });
      await putItems(client, table, [apply]);
      const policy = policyFile({
        mode: 'delete',
        minSightings: 1,
        tables: { include: [table] },
        rules: rules(operation),
      });

      // Act
      const audit = join(dir, `${uniqueName('audit')}.jsonl`);
      const args = ['--policy', policy, '--audit-file', audit, '--json'];
      const { code, stdout } = await cli('sweep', '--endpoint', endpoint(), ...args);

      // Assess
      expect(code).toBe(0);
      expect(JSON.parse(stdout).locks[0]).toMatchObject({ rule: 'applies-alert-only', decision: 'alert' });
      expect(await lockIds(client, table)).toEqual(['acme/prod/app.tfstate']);
    },
  );

  it('refuses a word that matches no operation with exit 2 before reading anything, listing the valid values', async () => {
    const table = uniqueName('vocab-bad');
    await createLockTable(client, table);
    await putItems(client, table, [
      lockItem({
        bucket: 'acme',
        path: 'x.tfstate',
        operation: 'OperationTypeApply',
        who: 'a@b',
        createdMs: Date.now() - 3 * HOUR,
      }),
    ]);
    const policy = policyFile({
      mode: 'delete',
      minSightings: 1,
      tables: { include: [table] },
      rules: rules('applies'),
    });
    const { code, stdout, stderr } = await cli('sweep', '--endpoint', endpoint(), '--policy', policy);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      'rules[0].match.operation: "applies" matches no operation Terraform or OpenTofu writes',
    );
    expect(stderr).toContain('OperationTypeApply (apply), OperationTypePlan (plan)');
    expect(stderr).toContain('state-mv');
    expect(await lockIds(client, table)).toEqual(['acme/x.tfstate']);
  });
});

describe('the same refusal at synth and at Lambda cold start', () => {
  it('cdk synth throws a PolicyError naming the field', () => {
    expect(() => synthJanitor({ policy: { rules: rules('plans') } })).toThrow(PolicyError);
    expect(() => synthJanitor({ policy: { rules: rules('plans') } })).toThrow(/"plans" matches no operation/);
  });

  it('the Lambda refuses the policy at cold start', () => {
    const env = { AWS_REGION: 'eu-west-1', POLICY: JSON.stringify({ rules: rules('Apply') }) };
    expect(() => readConfig(env)).toThrow(PolicyError);
    expect(() => readConfig(env)).toThrow(/"Apply" matches no operation/);
  });
});

describe('operation globs', () => {
  it.each([
    ['apply', 'OperationTypeApply', true],
    ['plan', 'OperationTypePlan', true],
    ['plan', 'OperationTypeApply', false],
    ['refresh', 'OperationTypeRefresh', true],
    ['invalid', 'OperationTypeInvalid', true],
    ['state-*', 'state-mv', true],
    ['OperationTypePlan', 'OperationTypePlan', true],
    ['*', 'something a new version writes', true],
  ])('"%s" against %s: %s', (pattern, operation, matched) => {
    expect(operationGlob(compileGlob(pattern))?.test(operation)).toBe(matched);
  });

  it.each([['applies'], ['Apply'], ['destroy'], ['OperationTypeDestroy']])('refuses "%s"', (pattern) => {
    expect(operationGlob(compileGlob(pattern))).toBeUndefined();
  });

  it('accepts every value Terraform and OpenTofu write, as itself', () => {
    for (const op of OPERATIONS) expect(operationGlob(compileGlob(op))?.test(op)).toBe(true);
  });
});

describe('other fields that could never match what the run reads', () => {
  it.each([
    [{ regions: ['eu-west-1a'] }, 'regions[0]', 'not an availability zone'],
    [{ regions: ['xx-west-1'] }, 'regions[0]', 'must be an AWS region name'],
    [{ tables: { include: ['s3://acme-tfstate'] } }, 'tables.include[0]', 'name state buckets in "buckets"'],
    [{ tables: { exclude: ['acme/prod'] } }, 'tables.exclude[0]', 'can never match a table'],
    [{ buckets: { include: ['s3://acme-tfstate'] } }, 'buckets.include[0]', 'without "s3://"'],
    [{ buckets: { include: ['Acme-TFState'] } }, 'buckets.include[0]', 'can never match a bucket'],
    [
      {
        rules: [
          { name: 'a', match: { table: 's3://acme/env/*' } },
          { name: 'd', match: {} },
        ],
      },
      'rules[0].match.table[0]',
      'match state paths with "lockId"',
    ],
    [
      {
        rules: [
          { name: 'a', match: { lockId: 's3://acme/prod/*' } },
          { name: 'd', match: {} },
        ],
      },
      'rules[0].match.lockId[0]',
      'without "s3://"',
    ],
  ])('refuses %j at %s', (policy, path, message) => {
    expect(() => parsePolicy(policy)).toThrow(PolicyError);
    expect(() => parsePolicy(policy)).toThrow(`${path}: `);
    expect(() => parsePolicy(policy)).toThrow(message);
  });

  it.each([
    [{ regions: ['us-gov-west-1', 'cn-north-1', 'eu-central-2', 'ap-southeast-5'] }],
    [{ tables: { include: ['acme-*', 'tf_locks.v2'] }, buckets: { include: ['acme-tfstate-*', 'a.b-c'] } }],
    [
      {
        rules: [
          { name: 'a', match: { table: ['s3://acme-*', '*-locks', '*'] } },
          { name: 'd', match: {} },
        ],
      },
    ],
  ])('accepts %j', (policy) => {
    expect(() => parsePolicy(policy)).not.toThrow();
  });
});
