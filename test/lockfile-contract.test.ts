// Tests: the S3 lockfile contract, run against moto and the in-process S3 alike so the two cannot drift.
import type { S3Client } from '@aws-sdk/client-s3';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';
import { JanitorError } from '../lambda/core/errors';
import { classifyLockfile } from '../lambda/core/lockfile';
import type { BucketSummary, LockfileEntry, LockfilePage } from '../lambda/core/lockfile-port';
import {
  createBucket,
  getObject,
  lockfileBody,
  putObject,
  type S3Engine,
  s3Engines,
  s3TestClient,
  versionsOf,
} from './support/s3';
import { TerraformLockfileClient } from './support/terraform-lockfile-client';

const BUCKET = 'acme-tfstate';
const STATE = 'env:/staging/network/terraform.tfstate';
const LOCKFILE = `${STATE}.tflock`;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const x of iterable) all.push(x);
  return all;
}

for (const { name, available, start } of s3Engines())
  (available ? describe : describe.skip)(`the lockfile contract on ${name}`, () => contract(start));

function contract(start: () => Promise<S3Engine>): void {
  let engine: S3Engine;
  let client: S3Client;
  let sent: string[];
  let store: S3LockfileStore;
  let terraform: TerraformLockfileClient;

  beforeAll(async () => {
    engine = await start();
    ({ client, sent } = s3TestClient(engine.endpoint));
    store = new S3LockfileStore(client, 2);
    terraform = new TerraformLockfileClient(client);
  });
  afterAll(async () => {
    client?.destroy();
    await engine?.stop();
  });
  beforeEach(async () => {
    await engine.reset();
    await createBucket(client, BUCKET, { versioned: true });
    sent.length = 0;
  });

  /** Terraform takes the lock of `path` in BUCKET; returns its ID and body. */
  async function terraformLock(path = STATE) {
    const lock = lockfileBody(BUCKET, path);
    expect(await terraform.lock(BUCKET, path, lock.body)).toBe(true);
    return lock;
  }

  /** Lists and reads the lockfile as the janitor does; returns what it judged. */
  async function readAsJanitor(key = LOCKFILE) {
    const listed = (await collect(store.listLockfiles(BUCKET))).flatMap((p) => p.lockfiles);
    const entry = listed.find((l) => l.key === key) as LockfileEntry;
    return classifyLockfile(BUCKET, entry, await store.readLockfile(BUCKET, key));
  }

  it("takes Terraform's lock with If-None-Match: * only once", async () => {
    await terraformLock();
    expect(await terraform.lock(BUCKET, STATE, lockfileBody(BUCKET, STATE).body)).toBe(false);
  });

  it('lists only lockfile keys, page by page, with the state object beside each', async () => {
    // Prepare
    await putObject(client, BUCKET, STATE, '{"version":4}');
    await terraformLock();
    await terraformLock('app/terraform.tfstate');
    for (const key of [
      'a.tflock.bak',
      'notes/.tflock',
      'b.tflock/x',
      'env:/staging/network/terraform.tfstate.bak',
    ])
      await putObject(client, BUCKET, key, 'not a lock');
    // Act
    const pages: LockfilePage[] = await collect(store.listLockfiles(BUCKET));
    // Assess
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.reduce((n, p) => n + p.objects, 0)).toBe(7);
    const lockfiles = pages.flatMap((p) => p.lockfiles);
    expect(lockfiles.map((l) => l.key)).toEqual(['app/terraform.tfstate.tflock', LOCKFILE]);
    expect(lockfiles[0].stateLastModifiedMs).toBeUndefined();
    expect(lockfiles[1]).toMatchObject({
      etag: expect.stringMatching(/^"[0-9a-f]{32}"$/),
      size: expect.any(Number),
    });
    expect(lockfiles[1].stateLastModifiedMs).toEqual(expect.any(Number));
    expect(lockfiles[1].lastModifiedMs).toEqual(expect.any(Number));
  });

  it('keeps keys with spaces, plus signs, unicode and control characters intact', async () => {
    const keys = ['a b+c/terraform.tfstate.tflock', 'é/🔒.tflock', 'x\u0001y.tflock', '100%.tflock'];
    for (const key of keys) await putObject(client, BUCKET, key, 'x');
    const listed = (await collect(store.listLockfiles(BUCKET))).flatMap((p) => p.lockfiles);
    expect(listed.map((l) => l.key).sort()).toEqual([...keys].sort());
  });

  it('reads a Terraform lockfile byte for byte with its ETag, as a lock', async () => {
    const { id, body } = await terraformLock();
    const lock = await readAsJanitor();
    expect(lock).toMatchObject({
      kind: 'lock',
      key: LOCKFILE,
      lockId: `${BUCKET}/${STATE}`,
      rawInfo: body,
      info: { ID: id, Path: `${BUCKET}/${STATE}` },
      etag: (await getObject(client, BUCKET, LOCKFILE))?.etag,
    });
  });

  it('classifies a lockfile that is not LockInfo, and one too big to be a lock, as unparseable', async () => {
    await putObject(client, BUCKET, 'junk.tflock', 'locked by bob');
    await putObject(client, BUCKET, 'huge.tflock', 'x'.repeat(70 * 1024));
    expect(await readAsJanitor('junk.tflock')).toMatchObject({ kind: 'unparseable', problem: /not JSON/ });
    expect(await store.readLockfile(BUCKET, 'huge.tflock')).toMatchObject({
      kind: 'too-big',
      size: 70 * 1024,
    });
  });

  it('tells a lockfile that is gone since the listing', async () => {
    expect(await store.readLockfile(BUCKET, LOCKFILE)).toEqual({ kind: 'missing' });
  });

  it('deletes with the ETag that was read, leaving a delete marker on a versioned bucket', async () => {
    await terraformLock();
    const lock = await readAsJanitor();
    if (lock.kind !== 'lock') throw new Error(`expected a lock, got ${lock.kind}`);
    expect(await store.deleteLockfileIfUnchanged(BUCKET, LOCKFILE, lock.etag)).toBe('deleted');
    expect(await getObject(client, BUCKET, LOCKFILE)).toBeUndefined();
    const { versions, deleteMarkers } = await versionsOf(client, BUCKET, LOCKFILE);
    expect(versions).toHaveLength(1);
    expect(deleteMarkers).toEqual([expect.objectContaining({ IsLatest: true })]);
  });

  it('keeps a lockfile whose ETag differs, byte for byte (changed)', async () => {
    const { body } = await terraformLock();
    const before = await getObject(client, BUCKET, LOCKFILE);
    expect(
      await store.deleteLockfileIfUnchanged(BUCKET, LOCKFILE, '"0123456789abcdef0123456789abcdef"'),
    ).toBe('changed');
    expect(await getObject(client, BUCKET, LOCKFILE)).toEqual(before);
    expect(before?.body.toString('utf8')).toBe(body);
  });

  it('keeps the new lock when Terraform released and re-took it between read and delete (changed)', async () => {
    const first = await terraformLock();
    const judged = await readAsJanitor();
    expect(await terraform.unlock(BUCKET, STATE, first.id)).toEqual({ outcome: 'released' });
    const second = await terraformLock();
    if (judged.kind !== 'lock') throw new Error('expected a lock');
    expect(await store.deleteLockfileIfUnchanged(BUCKET, LOCKFILE, judged.etag)).toBe('changed');
    expect((await getObject(client, BUCKET, LOCKFILE))?.body.toString('utf8')).toBe(second.body);
  });

  it('reports a lockfile released before the delete as changed', async () => {
    const { id } = await terraformLock();
    const judged = await readAsJanitor();
    await terraform.unlock(BUCKET, STATE, id);
    if (judged.kind !== 'lock') throw new Error('expected a lock');
    expect(await store.deleteLockfileIfUnchanged(BUCKET, LOCKFILE, judged.etag)).toBe('changed');
  });

  it.each([STATE, 'a.tflock.bak', '.tflock', 'dir/.tflock'])(
    'refuses to delete %j, sending no request',
    async (key) => {
      const etag = await putObject(client, BUCKET, key, 'state');
      sent.length = 0;
      await expect(store.deleteLockfileIfUnchanged(BUCKET, key, etag)).rejects.toThrow(JanitorError);
      expect(sent).toEqual([]);
      expect((await getObject(client, BUCKET, key))?.etag).toBe(etag);
    },
  );

  it.each(['', '*'])('refuses a delete whose ETag %j would make it unconditional', async (etag) => {
    await terraformLock();
    sent.length = 0;
    await expect(store.deleteLockfileIfUnchanged(BUCKET, LOCKFILE, etag)).rejects.toThrow(/without the ETag/);
    expect(sent).toEqual([]);
  });

  it("lists buckets, and reads each one's region and tags (none = no tag set)", async () => {
    await createBucket(client, 'acme-tfstate-eu', {
      region: 'eu-west-1',
      tags: { team: 'infra', 'a&b': '<x>' },
    });
    const buckets: BucketSummary[] = await collect(store.listBuckets());
    expect(buckets.map((b) => b.name).sort()).toEqual([BUCKET, 'acme-tfstate-eu']);
    expect(await store.bucketRegion(BUCKET)).toBe('us-east-1');
    expect(await store.bucketRegion('acme-tfstate-eu')).toBe('eu-west-1');
    expect(await store.bucketTags(BUCKET)).toEqual({});
    expect(await store.bucketTags('acme-tfstate-eu')).toEqual({ team: 'infra', 'a&b': '<x>' });
  });

  it('lets a missing bucket fail loudly (the caller fails closed)', async () => {
    await expect(store.bucketTags('no-such-bucket')).rejects.toMatchObject({ name: 'NoSuchBucket' });
    await expect(collect(store.listLockfiles('no-such-bucket'))).rejects.toMatchObject({
      name: 'NoSuchBucket',
    });
  });
}
