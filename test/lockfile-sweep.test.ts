// Tests: sweeps and releases of S3 lockfiles and double locks, S3 on moto server (the S3 that enforces If-Match).
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';
import type { LockfileStore } from '../lambda/core/lockfile-port';
import { type PolicyInput, parsePolicy } from '../lambda/core/policy';
import type { RunReport } from '../lambda/core/report';
import { release } from '../lambda/run/release';
import { createLockTable, infoOf, putItems, testClient, uniqueName } from './support/dynamo';
import { sweepTables, withOverrides } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';
import { createBucket, getObject, lockfileBody, putObject, s3TestClient, versionsOf } from './support/s3';

const HOUR = 3_600_000;
describeOnMoto('lockfiles and double locks against moto', () => {
  let engine: Moto;
  let s3: S3Client;
  const dynamo = testClient();
  beforeAll(async () => {
    engine = await startMoto();
    s3 = s3TestClient(engine.endpoint).client;
  }, 60_000);
  afterAll(async () => {
    s3?.destroy();
    dynamo.destroy();
    await engine?.stop();
  });

  const bucketName = (prefix: string) => `${prefix}-${randomBytes(3).toString('hex')}`;

  /** A lockfile Terraform-exact (PutObject If-None-Match *); returns its ID and body. */
  async function lockfile(bucket: string, path: string, body?: { id: string; body: string }) {
    const lock = body ?? lockfileBody(bucket, path);
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `${path}.tflock`,
        Body: lock.body,
        ContentType: 'application/json',
        IfNoneMatch: '*',
      }),
    );
    return lock;
  }

  /** A sweep with S3 on moto and DynamoDB on dynalite, judged 3 hours after the lockfiles were written. */
  function sweepWith(
    prefix: string,
    policy: PolicyInput,
    wrap: (store: LockfileStore) => LockfileStore = (s) => s,
  ): Promise<RunReport> {
    const store = wrap(new S3LockfileStore(s3));
    return sweepTables(dynamo, prefix, policy, {
      lockfileStores: () => store,
      state: new MemoryStateStore(),
      now: new Date(Date.now() + 3 * HOUR),
    });
  }

  const CLEANUP = (bucketGlob: string): PolicyInput => ({
    mode: 'delete',
    minSightings: 1,
    buckets: { include: [bucketGlob] },
    rules: [
      { name: 'keep-fresh', match: { lockId: ['*/fresh/*', '*/fresh-double/*'] }, alertAfter: '1h' },
      { name: 'cleanup', match: {}, alertAfter: '1h', deleteAfter: '2h' },
    ],
  });

  it('deletes exactly the stale lockfiles and both halves of a stale double lock; keeps everything else byte for byte', async () => {
    // Prepare
    const prefix = uniqueName('lf');
    const bucket = bucketName('acme-tfstate');
    const outside = bucketName('other-state');
    await createBucket(s3, bucket, { versioned: true });
    await createBucket(s3, outside);
    await putObject(s3, bucket, 'stale/terraform.tfstate', '{"version":4}');
    await lockfile(bucket, 'stale/terraform.tfstate');
    const fresh = await lockfile(bucket, 'env:/fresh/app.tfstate');
    await putObject(s3, bucket, 'broken/terraform.tfstate.tflock', 'not json at all');
    await putObject(s3, bucket, 'notes.tflock.bak', 'not a lockfile');
    await putObject(s3, bucket, 'a.tflock/state.tfstate', 'a state under a .tflock folder');
    const farAway = await lockfile(outside, 'stale/terraform.tfstate');
    const double = await lockfile(bucket, 'double/terraform.tfstate');
    const keptDouble = await lockfile(bucket, 'fresh-double/terraform.tfstate');
    await createLockTable(dynamo, `${prefix}-locks`);
    await putItems(dynamo, `${prefix}-locks`, [
      { LockID: { S: `${bucket}/double/terraform.tfstate` }, Info: { S: double.body } },
      { LockID: { S: `${bucket}/fresh-double/terraform.tfstate` }, Info: { S: keptDouble.body } },
    ]);

    // Act
    const report = await sweepWith(prefix, CLEANUP('acme-tfstate-*'));

    // Assess
    const byKey = (key: string) =>
      report.locks.filter((l) => l.key === key || l.lockId === `${bucket}/${key}`);
    expect(report.buckets).toEqual([
      expect.objectContaining({
        name: bucket,
        region: 'us-east-1',
        objects: 8,
        lockfiles: 5,
        unparseable: 1,
      }),
    ]);
    expect(byKey('stale/terraform.tfstate.tflock')).toEqual([
      expect.objectContaining({
        store: 's3',
        bucket,
        lockId: `${bucket}/stale/terraform.tfstate`,
        outcome: 'deleted',
      }),
    ]);
    expect(await getObject(s3, bucket, 'stale/terraform.tfstate.tflock')).toBeUndefined();
    expect((await versionsOf(s3, bucket, 'stale/terraform.tfstate.tflock')).deleteMarkers).toHaveLength(1);
    expect((await getObject(s3, bucket, 'stale/terraform.tfstate'))?.body.toString()).toBe('{"version":4}');
    expect((await getObject(s3, bucket, 'env:/fresh/app.tfstate.tflock'))?.body.toString()).toBe(fresh.body);
    expect((await getObject(s3, bucket, 'broken/terraform.tfstate.tflock'))?.body.toString()).toBe(
      'not json at all',
    );
    expect((await getObject(s3, bucket, 'notes.tflock.bak'))?.body.toString()).toBe('not a lockfile');
    expect((await getObject(s3, outside, 'stale/terraform.tfstate.tflock'))?.body.toString()).toBe(
      farAway.body,
    );
    expect(report.unparseable).toEqual([
      expect.objectContaining({ table: `s3://${bucket}`, key: 'broken/terraform.tfstate.tflock' }),
    ]);

    const doubles = report.locks.filter((l) => l.double);
    expect(doubles.map((l) => [l.store, l.lockId, l.outcome]).sort()).toEqual([
      ['dynamodb', `${bucket}/double/terraform.tfstate`, 'deleted'],
      ['dynamodb', `${bucket}/fresh-double/terraform.tfstate`, 'unsent'],
      ['s3', `${bucket}/double/terraform.tfstate`, 'deleted'],
      ['s3', `${bucket}/fresh-double/terraform.tfstate`, 'unsent'],
    ]);
    expect(await getObject(s3, bucket, 'double/terraform.tfstate.tflock')).toBeUndefined();
    expect(await infoOf(dynamo, `${prefix}-locks`, `${bucket}/double/terraform.tfstate`)).toBeUndefined();
    expect(await infoOf(dynamo, `${prefix}-locks`, `${bucket}/fresh-double/terraform.tfstate`)).toBe(
      keptDouble.body,
    );
    expect((await getObject(s3, bucket, 'fresh-double/terraform.tfstate.tflock'))?.body.toString()).toBe(
      keptDouble.body,
    );
    // A double lock is one lock: one deletion from the budget, news once, one in the counts (issue 18, case 8):
    // the stale lockfile and the double lock are 2 deleted locks (3 objects).
    expect(report.counts.deleted).toBe(2);
    expect(doubles.filter((l) => l.notify)).toHaveLength(2);
  });

  it.each([
    ['replaced by a new lock', 'replace'],
    ['released by its holder', 'release'],
  ])('keeps a lockfile %s between the read and the delete (outcome changed)', async (_name, what) => {
    const prefix = uniqueName('lf-race');
    const bucket = bucketName(`race-${what}`);
    await createBucket(s3, bucket, { versioned: true });
    await lockfile(bucket, 'app/terraform.tfstate');
    const next = lockfileBody(bucket, 'app/terraform.tfstate', { who: 'alice@laptop' });
    const report = await sweepWith(prefix, CLEANUP(`race-${what}-*`), (inner) => ({
      ...Object.create(inner),
      listBuckets: () => inner.listBuckets(),
      listLockfiles: (b: string) => inner.listLockfiles(b),
      readLockfile: (b: string, k: string) => inner.readLockfile(b, k),
      bucketRegion: (b: string) => inner.bucketRegion(b),
      bucketTags: (b: string) => inner.bucketTags(b),
      async deleteLockfileIfUnchanged(b: string, k: string, etag: string) {
        if (what === 'replace') await putObject(s3, b, k, next.body);
        else await new S3LockfileStore(s3).deleteLockfileIfUnchanged(b, k, etag);
        return inner.deleteLockfileIfUnchanged(b, k, etag);
      },
    }));
    expect(report.locks.map((l) => l.outcome)).toEqual(['changed']);
    if (what === 'replace')
      expect((await getObject(s3, bucket, 'app/terraform.tfstate.tflock'))?.body.toString()).toBe(next.body);
  });

  /** A double lock on `path`: its lockfile in `bucket` and its item in `<prefix>-locks`, with `info` if given. */
  async function doubleLock(prefix: string, bucket: string, path: string, info?: (body: string) => string) {
    await createBucket(s3, bucket);
    await createLockTable(dynamo, `${prefix}-locks`);
    const lock = await lockfile(bucket, path);
    const itemInfo = info ? info(lock.body) : lock.body;
    await putItems(dynamo, `${prefix}-locks`, [
      { LockID: { S: `${bucket}/${path}` }, Info: { S: itemInfo } },
    ]);
    return { lock, itemInfo };
  }

  it('judges each half of a double lock by its own place: a bucket rule that only alerts keeps both (issue 19 #3)', async () => {
    // Prepare: the first rule keeps the prod bucket's locks (alert only); the catch-all would delete them.
    const prefix = uniqueName('lf-place');
    const bucket = bucketName('prod-state');
    const { lock } = await doubleLock(prefix, bucket, 'app/terraform.tfstate');
    // Act
    const report = await sweepWith(prefix, {
      mode: 'delete',
      minSightings: 1,
      buckets: { include: [bucket] },
      rules: [
        { name: 'prod-bucket', match: { table: `s3://${bucket}` }, alertAfter: '1h' },
        { name: 'cleanup', match: {}, deleteAfter: '2h' },
      ],
    });
    // Assess: the pair takes the lockfile half's rule (the more cautious); both halves stay.
    expect(report.locks.map((l) => [l.store, l.rule, l.decision, l.outcome])).toEqual([
      ['dynamodb', 'prod-bucket', 'alert', 'unsent'],
      ['s3', 'prod-bucket', 'alert', 'unsent'],
    ]);
    expect(report.locks[0].reason).toContain('the more cautious is taken');
    expect((await getObject(s3, bucket, 'app/terraform.tfstate.tflock'))?.body.toString()).toBe(lock.body);
    expect(await infoOf(dynamo, `${prefix}-locks`, `${bucket}/app/terraform.tfstate`)).toBe(lock.body);
  });

  it('never deletes a double lock whose halves hold different Info under one ID: it alerts (issue 19 #4)', async () => {
    // Prepare: a live apply's lockfile, and an item someone wrote with its LockID and ID but Operation plan.
    const prefix = uniqueName('lf-info');
    const bucket = bucketName('acme-tfstate');
    const { lock, itemInfo } = await doubleLock(prefix, bucket, 'app/terraform.tfstate', (body) =>
      body.replace('OperationTypeApply', 'OperationTypePlan'),
    );
    // Act: plans are deleted after 2h; applies only alerted.
    const report = await sweepWith(prefix, {
      mode: 'delete',
      minSightings: 1,
      buckets: { include: [bucket] },
      rules: [
        { name: 'plans', match: { operation: 'OperationTypePlan' }, deleteAfter: '2h' },
        { name: 'applies', match: {}, alertAfter: '1h' },
      ],
    });
    // Assess: the apply's half rules; the mismatch alone would keep the pair.
    expect(report.locks.map((l) => [l.store, l.decision, l.outcome])).toEqual([
      ['dynamodb', 'alert', 'unsent'],
      ['s3', 'alert', 'unsent'],
    ]);
    expect(report.locks[0].reason).toContain('its two halves hold different Info under the same ID');
    expect((await getObject(s3, bucket, 'app/terraform.tfstate.tflock'))?.body.toString()).toBe(lock.body);
    expect(await infoOf(dynamo, `${prefix}-locks`, `${bucket}/app/terraform.tfstate`)).toBe(itemInfo);
    // Even when every rule would delete both, halves that disagree are kept.
    const anyway = await sweepWith(prefix, {
      mode: 'delete',
      minSightings: 1,
      buckets: { include: [bucket] },
      rules: [{ name: 'all', match: {}, deleteAfter: '2h' }],
    });
    expect(anyway.locks.map((l) => l.outcome)).toEqual(['unsent', 'unsent']);
  });

  it('never deletes one half alone when the place of its other half was not read: opted-out table or bucket (issue 19 #10)', async () => {
    // Prepare: two stale double locks; one's table is opted out, the other's bucket is opted out.
    const prefix = uniqueName('lf-alone');
    const bucket = bucketName('alone-tfstate');
    const quiet = bucketName('alone-tfstate-quiet');
    await createBucket(s3, quiet);
    const inQuietTable = await doubleLock(`${prefix}-quiet`, bucket, 'a/terraform.tfstate');
    const inQuietBucket = await doubleLock(prefix, quiet, 'b/terraform.tfstate');
    const OPT_OUT = { 'tf-lock-janitor:ignore': 'true' };
    const lockfiles = new S3LockfileStore(s3);
    const withQuietBucket = Object.assign(Object.create(lockfiles) as LockfileStore, {
      bucketTags: async (name: string) => (name === quiet ? OPT_OUT : lockfiles.bucketTags(name)),
    });
    // Act
    const report = await sweepTables(
      dynamo,
      prefix,
      { ...CLEANUP('alone-tfstate*'), rules: [{ name: 'cleanup', match: {}, deleteAfter: '2h' }] },
      {
        lockfileStores: () => withQuietBucket,
        wrap: (store) =>
          withOverrides(store, {
            listTags: async (arn) => (arn.endsWith(`${prefix}-quiet-locks`) ? OPT_OUT : store.listTags(arn)),
          }),
        state: new MemoryStateStore(),
        now: new Date(Date.now() + 3 * HOUR),
      },
    );
    // Assess: each half seen alone is alerted on, not deleted, and says why; nothing is gone.
    expect(report.locks.map((l) => [l.store, l.lockId, l.decision, l.outcome]).sort()).toEqual([
      ['dynamodb', `${quiet}/b/terraform.tfstate`, 'alert', 'unsent'],
      ['s3', `${bucket}/a/terraform.tfstate`, 'alert', 'unsent'],
    ]);
    for (const l of report.locks) expect(l.reason).toContain('not deleted alone');
    expect((await getObject(s3, bucket, 'a/terraform.tfstate.tflock'))?.body.toString()).toBe(
      inQuietTable.lock.body,
    );
    expect(await infoOf(dynamo, `${prefix}-locks`, `${quiet}/b/terraform.tfstate`)).toBe(
      inQuietBucket.itemInfo,
    );
  });

  it('releases the remaining half of a double lock whose lockfile is already gone (issue 19 #10)', async () => {
    // Prepare: a double lock, then its lockfile deleted (the holder's unlock got halfway).
    const prefix = uniqueName('lf-half');
    const bucket = bucketName('acme-tfstate');
    const { lock } = await doubleLock(prefix, bucket, 'app/terraform.tfstate');
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'app/terraform.tfstate.tflock' }));
    const table = `${prefix}-locks`;
    const lockId = `${bucket}/app/terraform.tfstate`;
    // Act: release both places by the lock's ID.
    const result = await release(
      { region: 'us-east-1', id: lock.id, table, lockId, bucket, key: 'app/terraform.tfstate.tflock' },
      {
        store: new DynamoLockStore(dynamo, 'us-east-1'),
        lockfiles: new S3LockfileStore(s3),
        policy: parsePolicy({ mode: 'delete', buckets: { include: [bucket] } }),
        regions: ['us-east-1'],
        now: new Date(),
        runId: 'release-half',
      },
    );
    // Assess: the item is released; the answer says the other half was gone.
    expect(result.outcome).toBe('released');
    expect(result.lock?.reason).toContain('its other half was already gone');
    expect(await infoOf(dynamo, table, lockId)).toBeUndefined();
  });

  it('releases a lockfile with the CLI: a wrong ID is refused (exit 1), the right one releases it (exit 0)', async () => {
    const bucket = bucketName('cli-state');
    await createBucket(s3, bucket, { versioned: true });
    const held = await lockfile(bucket, 'env:/prod/app.tfstate');
    const dir = mkdtempSync(join(tmpdir(), 'tflj-lf-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ buckets: { include: [bucket] } }));
    const release = (id: string) =>
      cli(
        'release',
        '--yes',
        '--endpoint',
        engine.endpoint,
        '--policy',
        policy,
        `--bucket=${bucket}`,
        '--key=env:/prod/app.tfstate.tflock',
        `--id=${id}`,
      );

    const wrong = await release('f0000000-0000-0000-0000-000000000000');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('is not the ID of the lock held at');
    expect(wrong.stdout + wrong.stderr).not.toContain(held.id);
    expect((await getObject(s3, bucket, 'env:/prod/app.tfstate.tflock'))?.body.toString()).toBe(held.body);

    const right = await release(held.id);
    expect(right).toMatchObject({ code: 0 });
    expect(right.stdout).toContain(`released s3://${bucket}/env:/prod/app.tfstate.tflock`);
    expect(await getObject(s3, bucket, 'env:/prod/app.tfstate.tflock')).toBeUndefined();
  });
});

/** Runs the CLI as a process; resolves with its exit code and output whatever the code. */
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_REGION: '' };
  const entry = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [entry, ...args], {
      env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}
