// Tests: `release ID` finds the lock holding the ID (item, lockfile, both halves), shows it, asks, and releases it safely.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { lockItem } from '../bin/demo/terraform-lock';
import { CLI, cleanEnv, runCli } from './support/cli';
import { createLockTable, endpoint, lockIds, putItems, testClient, uniqueName } from './support/dynamo';
import { startFaultProxy } from './support/fault-proxy';
import { describeOnMoto, type Moto, startMoto } from './support/moto';
import { createBucket, getObject, lockfileBody, s3TestClient } from './support/s3';

const HOUR = 3_600_000;
const dir = mkdtempSync(join(tmpdir(), 'tflj-release-'));
const policyFile = (policy: object) => {
  const path = join(dir, `${uniqueName('policy')}.json`);
  writeFileSync(path, JSON.stringify(policy));
  return path;
};
const lock = (path: string, id?: string) =>
  lockItem({
    bucket: 'acme',
    path,
    operation: 'OperationTypeApply',
    who: 'ci@runner-1',
    createdMs: Date.now() - 3 * HOUR,
    id,
  });
const idOf = (item: { Info: { S: string } }) => JSON.parse(item.Info.S).ID as string;

describe('release ID against dynalite', () => {
  const client = testClient();
  afterAll(() => client.destroy());
  const prefix = uniqueName('rel');
  const [a, b] = [`${prefix}-a`, `${prefix}-b`];
  const policy = () => policyFile({ tables: { include: [`${prefix}-*`] } });
  beforeAll(async () => {
    await createLockTable(client, a);
    await createLockTable(client, b);
  });
  const release = (...args: string[]) =>
    runCli(['release', '--endpoint', endpoint(), '--region', 'us-east-1', ...args]);

  it('finds the lock item holding the ID, shows it, and releases it with --yes', async () => {
    // Prepare
    const held = lock('app/one.tfstate');
    const neighbour = lock('app/two.tfstate');
    await putItems(client, a, [held, neighbour]);
    // Act
    const { code, stdout, stderr } = await release(idOf(held), '--yes', '--policy', policy());
    // Assess
    expect(stderr).toContain(`Found the lock with ID ${idOf(held)}:`);
    expect(stderr).toContain(`table ${a} (us-east-1) item acme/app/one.tfstate`);
    expect(stderr).toMatch(/held by:\s+ci@runner-1/);
    expect(stdout).toContain(`released ${a} (us-east-1) acme/app/one.tfstate (ID ${idOf(held)})`);
    expect(code).toBe(0);
    expect(await lockIds(client, a)).toEqual(['acme/app/two.tfstate']);
  });

  it('records the release without a state table in the default local audit file, named in its output', async () => {
    // Prepare
    const held = lock('app/audited.tfstate');
    await putItems(client, a, [held]);
    const stateHome = mkdtempSync(join(tmpdir(), 'tflj-xdg-'));
    // Act
    const { code, stdout } = await runCli(
      ['release', '--endpoint', endpoint(), '--region', 'us-east-1', idOf(held), '--yes', '--table', a],
      { XDG_STATE_HOME: stateHome },
    );
    // Assess
    const file = join(stateHome, 'tf-lock-janitor', 'audit.jsonl');
    expect(code).toBe(0);
    expect(stdout).toContain(`Audit file: ${file} (2 records appended)`);
    const lines = readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => l.record)).toEqual(['intent', 'audit']);
    expect(JSON.stringify(lines[1])).toContain(JSON.stringify(held.Info.S));
    expect(await lockIds(client, a)).not.toContain('acme/app/audited.tfstate');
  });

  it('deletes nothing when the audit file cannot be written (a directory), and does not say it released part', async () => {
    // Prepare
    const held = lock('app/unrecorded.tfstate');
    await putItems(client, a, [held]);
    const auditDir = mkdtempSync(join(tmpdir(), 'tflj-audit-dir-'));
    // Act
    const { code, stdout } = await release(idOf(held), '--yes', '--table', a, '--audit-file', auditDir);
    // Assess
    expect(code).toBe(1);
    expect(stdout).toContain('the lock was not released: ');
    expect(stdout).toContain('the intent record could not be written, so nothing was deleted: EISDIR');
    expect(stdout).not.toContain('everywhere');
    expect(stdout).not.toContain('Audit file:');
    expect(await lockIds(client, a)).toContain('acme/app/unrecorded.tfstate');
  });

  it('says, when the delete fails, that no later run looks at its audit-file intent (no state table)', async () => {
    // Prepare: DeleteItem refused (an access denial is not retried).
    const held = lock('app/undeleted.tfstate');
    await putItems(client, a, [held]);
    const proxy = await startFaultProxy(endpoint(), ({ operation }) =>
      operation === 'DeleteItem'
        ? { status: 400, type: 'AccessDeniedException', message: 'not allowed to delete' }
        : undefined,
    );
    try {
      const audit = join(mkdtempSync(join(tmpdir(), 'tflj-audit-')), 'audit.jsonl');
      // Act
      const { code, stdout } = await runCli([
        'release',
        idOf(held),
        '--yes',
        '--table',
        a,
        '--audit-file',
        audit,
        '--endpoint',
        proxy.endpoint,
        '--region',
        'us-east-1',
      ]);
      // Assess
      expect(code).toBe(1);
      expect(stdout).toContain('delete failed: AccessDeniedException');
      expect(stdout).not.toContain('the next run checks');
      expect(stdout).toContain('no later run resolves it');
      expect(await lockIds(client, a)).toContain('acme/app/undeleted.tfstate');
    } finally {
      await proxy.close();
    }
  });

  it('searches only the table named by --table', async () => {
    const held = lock('app/three.tfstate');
    await putItems(client, b, [held]);
    const elsewhere = await release(idOf(held), '--yes', '--table', a);
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(
      `no lock holds ID ${idOf(held)} in the 1 lock table read in us-east-1`,
    );
    expect(await lockIds(client, b)).toContain('acme/app/three.tfstate');
    const found = await release(idOf(held), '--yes', '--table', b);
    expect(found.code).toBe(0);
    expect(await lockIds(client, b)).not.toContain('acme/app/three.tfstate');
  });

  it('refuses an ID held in two places, listing both, and deletes nothing', async () => {
    const id = '0b1c2d3e-0000-4000-8000-000000000001';
    await putItems(client, a, [lock('dup/x.tfstate', id)]);
    await putItems(client, b, [lock('dup/y.tfstate', id)]);
    const { code, stderr } = await release(id, '--yes', '--policy', policy());
    expect(code).toBe(1);
    expect(stderr).toContain(`not released: lock ID ${id} is held in 2 places:`);
    expect(stderr).toContain(`table ${a} (us-east-1) item acme/dup/x.tfstate`);
    expect(stderr).toContain(`table ${b} (us-east-1) item acme/dup/y.tfstate`);
    expect(stderr).toContain('Name one with --table TABLE --state-path PATH');
    expect(await lockIds(client, a)).toContain('acme/dup/x.tfstate');
    expect(await lockIds(client, b)).toContain('acme/dup/y.tfstate');
  });

  it('says where it looked and how to go on when no lock holds the ID', async () => {
    const { code, stderr } = await release(
      'f0000000-0000-4000-8000-00000000dead',
      '--yes',
      '--policy',
      policy(),
    );
    expect(code).toBe(1);
    expect(stderr).toContain(
      'no lock holds ID f0000000-0000-4000-8000-00000000dead in the 2 lock tables read in us-east-1',
    );
    expect(stderr).toContain("Check the ID with 'tf-lock-janitor list' (the LOCK ID column)");
  });

  it('shows the lock and refuses without --yes when stdin is not a terminal', async () => {
    const held = lock('app/ask.tfstate');
    await putItems(client, a, [held]);
    const { code, stderr } = await release(idOf(held), '--policy', policy());
    expect(code).toBe(2);
    expect(stderr).toContain(`Found the lock with ID ${idOf(held)}:`);
    expect(stderr).toContain('stdin is not a terminal; pass --yes to release without asking');
    expect(await lockIds(client, a)).toContain('acme/app/ask.tfstate');
  });

  it('tells a lock ID given as the state path (the old --lock-id) apart, and says where the ID goes', async () => {
    const held = lock('app/mixed.tfstate');
    await putItems(client, a, [held]);
    const { code, stdout } = await release(
      '--yes',
      '--table',
      a,
      '--lock-id',
      idOf(held),
      '--id',
      idOf(held),
    );
    expect(code).toBe(1);
    expect(stdout).toContain(
      'looks like a lock ID, but --state-path (formerly --lock-id) takes the STATE PATH',
    );
    expect(await lockIds(client, a)).toContain('acme/app/mixed.tfstate');
  });

  it('says how to fix a refusal by a server without the tagging API (DynamoDB Local)', async () => {
    const held = lock('app/local.tfstate');
    await putItems(client, a, [held]);
    const proxy = await startFaultProxy(endpoint(), ({ operation }) =>
      operation === 'ListTagsOfResource'
        ? { status: 400, type: 'UnknownOperationException', message: 'Tagging is not currently supported' }
        : undefined,
    );
    try {
      const { code, stdout } = await runCli([
        'release',
        idOf(held),
        '--yes',
        '--endpoint',
        proxy.endpoint,
        '--region',
        'us-east-1',
        '--table',
        a,
        '--state-path',
        'acme/app/local.tfstate',
      ]);
      expect(code).toBe(1);
      expect(stdout).toContain('on a server without tagging (DynamoDB Local) set tables.optOutTag to false');
      expect(await lockIds(client, a)).toContain('acme/app/local.tfstate');
    } finally {
      await proxy.close();
    }
  });
});

/** `script` (util-linux) runs the CLI on a pseudo-terminal, so release can ask; the answer is typed on stdin. */
const hasScript = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;

(hasScript ? describe : describe.skip)('release ID on a terminal', () => {
  const client = testClient();
  afterAll(() => client.destroy());
  const table = uniqueName('rel-tty');
  beforeAll(() => createLockTable(client, table));

  it.each([
    ['yes', 0, false],
    ['no', 1, true],
    // Ctrl-D (end of input) at the prompt: no answer, so nothing released, and said so, not a stack trace.
    ['\x04', 1, true],
  ])('asks, and on %j exits %i (lock still held: %s)', async (answer, exit, kept) => {
    const held = lock(`tty/${answer.charCodeAt(0)}.tfstate`);
    await putItems(client, table, [held]);
    const command = [process.execPath, CLI, 'release', idOf(held), '--table', table, '--region', 'us-east-1']
      .concat(['--endpoint', endpoint()])
      .map((w) => `'${w}'`)
      .join(' ');
    // Asynchronously: the test's DynamoDB engine may run in this very process.
    const run = await new Promise<{ status: number | null; stdout: string }>((resolve) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { env: cleanEnv() });
      let stdout = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.on('close', (status) => resolve({ status, stdout }));
      child.stdin.end(answer === '\x04' ? answer : `${answer}\n`);
    });
    expect(run.stdout).toContain(`Found the lock with ID ${idOf(held)}:`);
    expect(run.stdout).toContain("Release it? Only 'yes' is accepted:");
    expect(run.stdout).not.toContain('AbortError');
    if (kept) expect(run.stdout).toContain('Not released.');
    expect(run.status).toBe(exit);
    expect((await lockIds(client, table)).includes(`acme/tty/${answer.charCodeAt(0)}.tfstate`)).toBe(kept);
  });
});

describeOnMoto('release ID against moto (S3 lockfiles and DynamoDB)', () => {
  let engine: Moto;
  let s3: S3Client;
  beforeAll(async () => {
    engine = await startMoto();
    s3 = s3TestClient(engine.endpoint).client;
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    await engine?.stop();
  });
  const bucketName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;
  const putLockfile = async (bucket: string, path: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${path}.tflock`, Body: body, IfNoneMatch: '*' }));

  it('releases a lockfile named by its bucket, without --policy and without talking of policy buckets', async () => {
    const bucket = bucketName('rel-state');
    await createBucket(s3, bucket);
    const held = lockfileBody(bucket, 'env:/prod/app.tfstate', { createdMs: Date.now() - 3 * HOUR });
    await putLockfile(bucket, 'env:/prod/app.tfstate', held.body);
    const args = [
      'release',
      '--endpoint',
      engine.endpoint,
      '--region',
      'us-east-1',
      '--bucket',
      bucket,
      '--yes',
    ];

    const missing = await runCli([...args, 'f0000000-0000-4000-8000-000000000000']);
    expect(missing.code).toBe(1);
    expect(`${missing.stdout}${missing.stderr}`).not.toContain("policy's buckets");

    const { code, stdout, stderr } = await runCli([...args, held.id]);
    expect(stderr).toContain(`s3://${bucket}/env:/prod/app.tfstate.tflock (us-east-1)`);
    expect(stdout).toContain(`released s3://${bucket}/env:/prod/app.tfstate.tflock`);
    expect(code).toBe(0);
    expect(await getObject(s3, bucket, 'env:/prod/app.tfstate.tflock')).toBeUndefined();
  });

  it("releases a double lock's lockfile half too when only its table was searched (no --bucket, no policy)", async () => {
    // Prepare: the same lock as a table item and a lockfile; the release names neither the bucket nor a policy.
    const bucket = bucketName('rel-pair');
    const table = uniqueName('rel-pair');
    const dynamo = testClient(1, engine.endpoint);
    try {
      await createBucket(s3, bucket);
      await createLockTable(dynamo, table);
      const held = lockfileBody(bucket, 'net.tfstate', { createdMs: Date.now() - 3 * HOUR });
      await putLockfile(bucket, 'net.tfstate', held.body);
      const item = lockItem({
        bucket,
        path: 'net.tfstate',
        operation: 'OperationTypeApply',
        who: 'x',
        createdMs: Date.now() - 3 * HOUR,
        id: held.id,
      });
      await putItems(dynamo, table, [item]);
      // Act
      const { code, stdout, stderr } = await runCli([
        'release',
        held.id,
        '--yes',
        '--endpoint',
        engine.endpoint,
        '--region',
        'us-east-1',
        '--table',
        table,
      ]);
      // Assess: both halves gone, and the output says the lockfile half was found and released.
      expect(stderr).toContain(`and its lockfile half s3://${bucket}/net.tfstate.tflock (a double lock)`);
      expect(stdout).toContain('released');
      expect(code).toBe(0);
      expect(await getObject(s3, bucket, 'net.tfstate.tflock')).toBeUndefined();
      expect(await lockIds(dynamo, table)).toEqual([]);
    } finally {
      dynamo.destroy();
    }
  });

  it('says so when the lockfile half cannot be checked, with the command that releases it', async () => {
    // Prepare: a table item whose bucket answers with an error other than "no such bucket" (a refused port for S3).
    const table = uniqueName('rel-unknown');
    const dynamo = testClient(1, engine.endpoint);
    try {
      await createLockTable(dynamo, table);
      const item = lockItem({
        bucket: 'acme-state',
        path: 'db.tfstate',
        operation: 'OperationTypeApply',
        who: 'x',
        createdMs: Date.now() - 3 * HOUR,
      });
      await putItems(dynamo, table, [item]);
      const id = JSON.parse(item.Info.S).ID as string;
      // Act: DynamoDB on moto, S3 on a port nothing listens on.
      const { code, stderr } = await runCli(
        ['release', id, '--yes', '--region', 'us-east-1', '--table', table],
        {
          AWS_ENDPOINT_URL_DYNAMODB: engine.endpoint,
          AWS_ENDPOINT_URL_S3: 'http://127.0.0.1:9',
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
        },
      );
      // Assess: the item is released, and the unknown half is named with its command.
      expect(stderr).toContain('its lockfile half');
      expect(code).toBe(0);
      expect(stderr).toContain('its lockfile half s3://acme-state/db.tfstate.tflock could not be checked');
      expect(stderr).toContain(
        `tf-lock-janitor release --bucket=acme-state --key=db.tfstate.tflock --region=us-east-1 --id=${id}`,
      );
      expect(await lockIds(dynamo, table)).toEqual([]);
    } finally {
      dynamo.destroy();
    }
  });

  it('releases both halves of a double lock found by its ID', async () => {
    // Prepare: the same lock as a table item and a lockfile (Terraform with use_lockfile and dynamodb_table).
    const bucket = bucketName('rel-double');
    const table = uniqueName('rel-double');
    const dynamo = testClient(1, engine.endpoint);
    try {
      await createBucket(s3, bucket);
      await createLockTable(dynamo, table);
      const held = lockfileBody(bucket, 'app.tfstate', { createdMs: Date.now() - 3 * HOUR });
      await putLockfile(bucket, 'app.tfstate', held.body);
      await putItems(dynamo, table, [
        lockItem({
          bucket,
          path: 'app.tfstate',
          operation: 'OperationTypeApply',
          who: 'x',
          createdMs: Date.now() - 3 * HOUR,
          id: held.id,
        }),
      ]);
      const policy = policyFile({
        tables: { include: [table], optOutTag: false },
        buckets: { include: [bucket] },
      });
      // Act
      const { code, stdout, stderr } = await runCli([
        'release',
        held.id,
        '--yes',
        '--endpoint',
        engine.endpoint,
        '--region',
        'us-east-1',
        '--policy',
        policy,
      ]);
      // Assess
      expect(stderr).toContain(`table ${table} (us-east-1) item ${bucket}/app.tfstate and`);
      expect(stderr).toContain(`s3://${bucket}/app.tfstate.tflock (us-east-1)`);
      // The halves' Info differ (Who here): the confirmation shows each, not the first half's as the lock's.
      const heldBy = stderr.split('\n').find((l) => l.includes('held by:'));
      expect(heldBy).toContain('x (table item)');
      expect(heldBy).toContain('runner@ip-10-0-1-2 (lockfile)');
      expect(stdout).toContain('released');
      expect(code).toBe(0);
      expect(await getObject(s3, bucket, 'app.tfstate.tflock')).toBeUndefined();
      expect(await lockIds(dynamo, table)).toEqual([]);
    } finally {
      dynamo.destroy();
    }
  });
});
