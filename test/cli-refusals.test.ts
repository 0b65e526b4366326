// Tests: the CLI refuses early, never deletes unrecorded, and searches the buckets it is told (issue 18, cases 4-6).

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { s3ClientConfig } from '../lambda/adapters/s3-lockfile-store';
import { policyFile, runCli } from './support/cli';
import {
  createLockTable,
  createStateTable,
  endpoint,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { startFaultProxy } from './support/fault-proxy';
import { HOUR, lockAged, NOW } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';
import { createBucket, lockfileBody, putObject } from './support/s3';

const dir = mkdtempSync(join(tmpdir(), 'tflj-refusals-'));
const client = testClient();
afterAll(() => client.destroy());

const cli = (args: string[], env: Record<string, string> = {}) => runCli(args, env);

/** A lock table holding one lock 3 hours old (by the real clock), and a delete policy for it. */
async function staleSetup(minSightings: number): Promise<{ table: string; policy: string }> {
  const table = uniqueName('refuse');
  await createLockTable(client, table);
  await putItems(client, table, [lockAged('old.tfstate', NOW - Date.now() + 3 * HOUR)]);
  const policy = policyFile({
    mode: 'delete',
    minSightings,
    tables: { include: [table] },
    rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
  });
  return { table, policy };
}

describe('no unrecorded deletion from the CLI (case 4)', () => {
  it('refuses mode delete with nowhere to record deletions: exit 2, names --state-table and --audit-file', async () => {
    const { table, policy } = await staleSetup(1);
    const { code, stdout, stderr } = await cli(['sweep', '--endpoint', endpoint(), '--policy', policy]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('sweep in mode "delete" records every deletion');
    expect(stderr).toContain('--state-table NAME');
    expect(stderr).toContain('--audit-file FILE');
    expect(stderr).toContain('--dry-run');
    expect(await lockIds(client, table)).toEqual(['acme/old.tfstate']);
  });

  it('says once why nothing is deleted without remembered sightings, and how to remember them', async () => {
    const { table, policy } = await staleSetup(2);
    const audit = join(dir, `${uniqueName('audit')}.jsonl`);
    const { code, stdout } = await cli([
      'sweep',
      '--endpoint',
      endpoint(),
      '--policy',
      policy,
      '--audit-file',
      audit,
    ]);
    expect(code).toBe(0);
    expect(stdout.match(/nothing can be deleted by this run: the policy's minSightings is 2/g)).toHaveLength(
      1,
    );
    expect(stdout).toContain('pass --state-table NAME');
    expect(stdout).toContain(`Audit file: ${audit} (0 records appended by this run)`);
    expect(await lockIds(client, table)).toEqual(['acme/old.tfstate']);
  });
});

describe('refuse early (case 5)', () => {
  it('a missing state table: exit 2 before any place is read, said once', async () => {
    const { table, policy } = await staleSetup(1);
    const proxy = await startFaultProxy(endpoint(), () => undefined);
    try {
      const { code, stdout, stderr } = await cli([
        'sweep',
        '--endpoint',
        proxy.endpoint,
        '--policy',
        policy,
        '--state-table',
        'nosuch',
      ]);
      expect(code).toBe(2);
      expect(stdout).toBe('');
      expect(stderr.match(/--state-table "nosuch": there is no such table in us-east-1/g)).toHaveLength(1);
      expect(proxy.calls.map((c) => c.operation)).toEqual(['DescribeTable']);
      expect(await lockIds(client, table)).toEqual(['acme/old.tfstate']);
    } finally {
      await proxy.close();
    }
  });

  it('a lock table passed as the state table: exit 2, says what it is', async () => {
    const { table, policy } = await staleSetup(1);
    const { code, stderr } = await cli([
      'sweep',
      '--endpoint',
      endpoint(),
      '--policy',
      policy,
      '--state-table',
      table,
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain(`--state-table "${table}" is not a tf-lock-janitor state table`);
    expect(await lockIds(client, table)).toEqual(['acme/old.tfstate']);
  });

  it('the same check for release', async () => {
    const { code, stderr } = await cli([
      'release',
      '--endpoint',
      endpoint(),
      '--table',
      'any',
      '--lock-id',
      'acme/x',
      '--id',
      'x',
      '--state-table',
      'nosuch',
    ]);
    expect(code).toBe(2);
    expect(stderr).toContain('--state-table "nosuch": there is no such table');
  });

  it('a real state table passes the check', async () => {
    const { policy } = await staleSetup(1);
    const stateTable = uniqueName('state');
    await createStateTable(client, stateTable);
    const { code } = await cli([
      'sweep',
      '--endpoint',
      endpoint(),
      '--policy',
      policy,
      '--state-table',
      stateTable,
    ]);
    expect(code).toBe(0);
  });
});

describeOnMoto('topics and buckets on moto (cases 5 and 6)', () => {
  let engine: Moto;
  let s3: S3Client;
  beforeAll(async () => {
    engine = await startMoto();
    s3 = new S3Client(
      s3ClientConfig({
        region: 'us-east-1',
        endpoint: engine.endpoint,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      }),
    );
    await createBucket(s3, 'acme-tfstate');
    const { body } = lockfileBody('acme-tfstate', 'app/terraform.tfstate', { createdMs: Date.now() - HOUR });
    await putObject(s3, 'acme-tfstate', 'app/terraform.tfstate.tflock', body);
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await engine?.stop();
  });

  it('a topic that does not exist: exit 2 before any place is read', async () => {
    const { code, stdout, stderr } = await cli(
      [
        'sweep',
        '--endpoint',
        engine.endpoint,
        '--topic-arn',
        'arn:aws:sns:us-east-1:123456789012:no-such-topic',
      ],
      { AWS_ENDPOINT_URL_SNS: engine.endpoint, AWS_ACCESS_KEY_ID: 'x', AWS_SECRET_ACCESS_KEY: 'y' },
    );
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(
      '--topic-arn "arn:aws:sns:us-east-1:123456789012:no-such-topic": no such SNS topic',
    );
  });

  it('list --bucket searches the state bucket and shows its lockfile', async () => {
    const { code, stdout } = await cli(['list', '--endpoint', engine.endpoint, '--bucket', 'acme-*']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/s3:\/\/acme-tfstate\s+acme-tfstate\/app\/terraform.tfstate/);
    expect(stdout).not.toContain('were not searched');
    expect(stdout).toMatch(/1 state bucket \(1 lockfile\)/);
  });

  it('list without --bucket says once that lockfiles were not searched, and how to include them', async () => {
    const { stdout } = await cli(['list', '--endpoint', engine.endpoint]);
    expect(stdout).not.toContain('acme-tfstate/app');
    expect(stdout.match(/S3 lockfiles \(use_lockfile\) were not searched/g)).toHaveLength(1);
    expect(stdout).toContain('pass --bucket GLOB (repeatable)');
  });

  it('sweep --bucket reads the lockfile too; a bucket glob that can never match is refused', async () => {
    const swept = await cli(['sweep', '--endpoint', engine.endpoint, '--bucket', 'acme-tfstate', '--json']);
    expect(JSON.parse(swept.stdout).buckets).toEqual([
      expect.objectContaining({ name: 'acme-tfstate', lockfiles: 1 }),
    ]);
    const bad = await cli(['list', '--endpoint', engine.endpoint, '--bucket', 's3://acme-tfstate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(
      '--bucket: "s3://acme-tfstate" is not a valid glob here: write the bucket name without "s3://"',
    );
  });
});
