// Tests: a place or piece of evidence that could not be read is never an all-clear (issue 18, cases 1, 7, 10).
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { S3Client } from '@aws-sdk/client-s3';
import { dynamoClientFactory, lockStoreFactory } from '../bin/cli-context';
import { listLines, renderReport } from '../bin/format';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { hostCheck } from '../lambda/adapters/ec2-hosts';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { S3LockfileStore, s3ClientConfig } from '../lambda/adapters/s3-lockfile-store';
import { parsePolicy } from '../lambda/core/policy';
import { sweep } from '../lambda/run/sweep';
import { createLockTable, endpoint, putItems, testClient, uniqueName } from './support/dynamo';
import { ec2TestClient } from './support/ec2';
import { HANG, startFaultProxy } from './support/fault-proxy';
import { HOUR, lockAged, NOW, sweepTables } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';
import { createBucket, lockfileBody, putObject } from './support/s3';

const run = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
const dir = mkdtempSync(join(tmpdir(), 'tflj-unread-'));
const client = testClient();
afterAll(() => client.destroy());

/** The CLI as a process with no AWS credentials anywhere (no env, no files, no instance metadata). */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: dir,
    AWS_CONFIG_FILE: join(dir, 'none'),
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env, timeout: 90_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

/** A port that refuses connections: bound, then closed. */
function refusedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const ALL_CLEAR = /^No locks found\.$/m;

describe('list never says "No locks found." when a place could not be read (case 1)', () => {
  it('without credentials: exit 1, the region in "Could not read" with the fix, on stdout', async () => {
    // Prepare / Act
    const { code, stdout } = await cli('list', '--region', 'eu-west-1');

    // Assess
    expect(code).toBe(1);
    expect(stdout).not.toMatch(ALL_CLEAR);
    expect(stdout).toContain('this is not an all-clear');
    expect(stdout).toMatch(/Could not read \(1\):/);
    expect(stdout).toMatch(
      /region eu-west-1 \(lock tables\): could not list the tables of eu-west-1: .*credentials/i,
    );
    expect(stdout).toContain('fix: no AWS credentials were found');
  });

  it('against a refused endpoint: --json carries couldNotRead and errors', async () => {
    const port = await refusedPort();
    const { code, stdout } = await cli('list', '--endpoint', `http://127.0.0.1:${port}`, '--json');
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.errors).toBe(1);
    expect(report.couldNotRead).toEqual([
      expect.objectContaining({
        kind: 'region',
        region: 'us-east-1',
        reason: expect.stringContaining('ECONNREFUSED'),
        fix: expect.stringContaining('nothing answers at the endpoint'),
      }),
    ]);
  });

  it.each(['list', 'sweep'])(
    'against a refused endpoint: %s --output tsv keeps stdout to the header, names the place and fix on stderr',
    async (command) => {
      const port = await refusedPort();
      const { code, stdout, stderr } = await cli(
        command,
        '--endpoint',
        `http://127.0.0.1:${port}`,
        '--output',
        'tsv',
      );
      expect(code).toBe(1);
      expect(stdout.trim().split('\n')).toHaveLength(1);
      expect(stdout).toMatch(/^region\twhere\tstate_path\tlock_id/);
      expect(stderr).toMatch(/Could not read \(1\):/);
      expect(stderr).toMatch(
        /region us-east-1 \(lock tables\): could not list the tables of us-east-1: .*ECONNREFUSED/,
      );
      expect(stderr).toContain('fix: nothing answers at the endpoint');
    },
  );

  it('against an endpoint that never answers: the region times out and is named', async () => {
    const proxy = await startFaultProxy(endpoint(), () => HANG);
    try {
      const flags = {
        endpoint: proxy.endpoint,
        timeouts: { connectionTimeoutMs: 500, requestTimeoutMs: 300 },
      };
      const policy = parsePolicy({});
      const report = await sweep({
        policy,
        regions: ['us-east-1'],
        lockStores: lockStoreFactory(dynamoClientFactory(flags)),
        state: new MemoryStateStore({ singleRun: true }),
        now: new Date(NOW),
        runId: 'silent',
      });
      const text = [...listLines(report)].join('\n');
      expect(text).not.toMatch(ALL_CLEAR);
      expect(text).toMatch(
        /region us-east-1 \(lock tables\): could not list the tables of us-east-1: .*Timeout/,
      );
      expect(text).toContain('fix: it did not answer in time');
      expect(report.counts.errors).toBe(1);
    } finally {
      await proxy.close();
    }
  });

  it('on a server without the tagging API (DynamoDB Local): the table is named with the optOutTag fix', async () => {
    const prefix = uniqueName('untagged');
    await createLockTable(client, `${prefix}-locks`);
    const proxy = await startFaultProxy(endpoint(), ({ operation }) =>
      operation === 'ListTagsOfResource'
        ? { status: 400, type: 'UnknownOperationException', message: 'Tagging is not supported' }
        : undefined,
    );
    const proxied = testClient(1, proxy.endpoint);
    try {
      const report = await sweepTables(proxied, prefix, {});
      const text = [...listLines(report)].join('\n');
      expect(text).not.toMatch(ALL_CLEAR);
      expect(text).toContain(`table us-east-1/${prefix}-locks: skipped: its tags could not be read`);
      expect(text).toContain('fix: the server does not implement this API');
      expect(text).toMatch(/1 error\b/);
    } finally {
      proxied.destroy();
      await proxy.close();
    }
  });

  it('says "No locks found." when every place was read and holds none', async () => {
    const prefix = uniqueName('empty');
    await createLockTable(client, `${prefix}-locks`);
    const report = await sweepTables(client, prefix, {});
    expect(report.couldNotRead).toEqual([]);
    expect([...listLines(report)].join('\n')).toMatch(ALL_CLEAR);
  });
});

describe('evidence that could not be read counts as an error (case 10)', () => {
  it('a failing EC2 holder check: in "Could not read", counted, holders unknown', async () => {
    const prefix = uniqueName('holders');
    await createLockTable(client, `${prefix}-locks`);
    await putItems(client, `${prefix}-locks`, [
      lockAged('a.tfstate', 3 * HOUR, 'OperationTypeApply', 'runner@ip-10-0-12-34'),
    ]);
    const port = await refusedPort();
    const report = await sweepTables(
      client,
      prefix,
      { evidence: { ec2Hosts: true } },
      { holders: hostCheck((region) => ec2TestClient(`http://127.0.0.1:${port}`, region)) },
    );
    expect(report.locks[0].holder?.outcome).toBe('unknown');
    expect(report.counts.errors).toBe(1);
    expect(report.couldNotRead).toEqual([
      expect.objectContaining({ kind: 'evidence', region: 'us-east-1', name: 'EC2 holder check' }),
    ]);
    const text = renderReport(report);
    expect(text).toMatch(
      /evidence us-east-1\/EC2 holder check: the EC2 holder check in us-east-1 could not be read/,
    );
    expect(text).toContain('fix: nothing answers at the endpoint');
  });

  it('state digests that could not be read: one failure for the table, however many pages', async () => {
    const prefix = uniqueName('digests');
    const table = `${prefix}-locks`;
    await createLockTable(client, table);
    await putItems(client, table, [lockAged('a.tfstate', 3 * HOUR), lockAged('b.tfstate', 3 * HOUR)]);
    const proxy = await startFaultProxy(endpoint(), ({ operation }) =>
      operation === 'BatchGetItem'
        ? {
            status: 400,
            type: 'AccessDeniedException',
            message: 'not authorized to perform dynamodb:BatchGetItem',
          }
        : undefined,
    );
    const proxied = testClient(1, proxy.endpoint);
    try {
      const store = new DynamoLockStore(proxied, 'us-east-1', 1);
      const report = await sweepTables(proxied, prefix, {}, { lockStores: () => store });
      expect(report.locks).toHaveLength(2);
      expect(report.counts.errors).toBe(1);
      expect(report.couldNotRead).toEqual([
        expect.objectContaining({
          kind: 'evidence',
          name: table,
          reason: expect.stringContaining('state digests'),
          fix: expect.stringContaining('lacks a permission'),
        }),
      ]);
    } finally {
      proxied.destroy();
      await proxy.close();
    }
  });
});

describeOnMoto('buckets that could not be read, on moto (cases 7 and 10)', () => {
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
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await engine?.stop();
  });

  it('sweep text names each failed bucket with its reason and fix, and exits 1 (case 7)', async () => {
    // Prepare: a bucket in a region the run does not cover, and one that does not exist
    await createBucket(s3, 'acme-far', { region: 'eu-west-1' });
    await createBucket(s3, 'acme-here');
    const { body } = lockfileBody('acme-here', 'app/terraform.tfstate', { createdMs: Date.now() - HOUR });
    await putObject(s3, 'acme-here', 'app/terraform.tfstate.tflock', body);
    const policy = join(dir, `${uniqueName('policy')}.json`);
    writeFileSync(
      policy,
      JSON.stringify({
        tables: { include: ['none-such-table'], optOutTag: false },
        buckets: { include: ['acme-here', 'acme-far', 'acme-missing'], optOutTag: false },
      }),
    );

    // Act
    const { code, stdout } = await cli(
      'sweep',
      '--endpoint',
      engine.endpoint,
      '--policy',
      policy,
      '--region',
      'us-east-1',
    );

    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('acme-here/app/terraform.tfstate');
    expect(stdout).toMatch(/Could not read \(2\):/);
    expect(stdout).toContain(
      'bucket eu-west-1/s3://acme-far: not read: it is in eu-west-1, a region this run does not cover (us-east-1)',
    );
    expect(stdout).toContain('bucket us-east-1/s3://acme-missing: not found');
    expect(stdout).toMatch(/2 errors/);
    expect(stdout.indexOf('Could not read')).toBeLessThan(stdout.lastIndexOf('lock table'));
  });

  it('the same facts in the in-process report: buckets failed, counted as errors', async () => {
    const policy = parsePolicy({
      tables: { include: ['none'], optOutTag: false },
      buckets: { include: ['acme-far'], optOutTag: false },
    });
    const report = await sweep({
      policy,
      regions: ['us-east-1'],
      lockStores: () => new DynamoLockStore(client, 'us-east-1'),
      lockfileStores: () => new S3LockfileStore(s3),
      state: new MemoryStateStore({ singleRun: true }),
      now: new Date(),
      runId: 'far',
    });
    expect(report.buckets).toEqual([
      expect.objectContaining({ name: 'acme-far', error: expect.any(String) }),
    ]);
    expect(report.couldNotRead[0]).toMatchObject({
      kind: 'bucket',
      fix: expect.stringContaining('add its region'),
    });
    expect(report.counts.errors).toBe(1);
  });
});
