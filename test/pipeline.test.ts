// Tests: the sweep's pipeline: places read at once, and a lock item waiting for its lockfile half only while that bucket is read.
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';
import type { LockfilePage, LockfileStore } from '../lambda/core/lockfile-port';
import type { PolicyInput } from '../lambda/core/policy';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR, sweepTables } from './support/janitor';
import { createBucket, lockfileBody, type S3Engine, s3TestClient, startLocalEngine } from './support/s3';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A lockfile store whose listing pages each come `delayMs` late; `events` records when listing ended. */
function slowListing(inner: LockfileStore, delayMs: number, events: string[]): LockfileStore {
  return {
    listBuckets: () => inner.listBuckets(),
    bucketRegion: (b) => inner.bucketRegion(b),
    bucketTags: (b) => inner.bucketTags(b),
    readLockfile: (b, k) => inner.readLockfile(b, k),
    deleteLockfileIfUnchanged: (b, k, e) => inner.deleteLockfileIfUnchanged(b, k, e),
    async *listLockfiles(bucket: string): AsyncIterable<LockfilePage> {
      for await (const page of inner.listLockfiles(bucket)) {
        await sleep(delayMs);
        yield page;
      }
      events.push('listing ended');
    },
  };
}

describe('the sweep pipeline', () => {
  let engine: S3Engine;
  let s3: S3Client;
  const dynamo = testClient();
  beforeAll(async () => {
    engine = await startLocalEngine();
    s3 = s3TestClient(engine.endpoint).client;
  });
  afterAll(async () => {
    s3.destroy();
    dynamo.destroy();
    await engine.stop();
  });

  /** A bucket and a table holding the same lock (a double lock), and a table with a lock of another bucket. */
  async function doubleLock() {
    const prefix = uniqueName('pipe');
    const bucket = `${prefix}-state`.toLowerCase();
    await createBucket(s3, bucket);
    const lock = lockfileBody(bucket, 'app/terraform.tfstate', { createdMs: Date.now() - 3 * HOUR });
    await s3.send(
      new PutObjectCommand({ Bucket: bucket, Key: 'app/terraform.tfstate.tflock', Body: lock.body }),
    );
    await createLockTable(dynamo, `${prefix}-a`);
    await putItems(dynamo, `${prefix}-a`, [
      { LockID: { S: `${bucket}/app/terraform.tfstate` }, Info: { S: lock.body } },
    ]);
    await createLockTable(dynamo, `${prefix}-b`);
    const other = lockfileBody('elsewhere', 'x/terraform.tfstate', { createdMs: Date.now() - 3 * HOUR });
    await putItems(dynamo, `${prefix}-b`, [
      { LockID: { S: 'elsewhere/x/terraform.tfstate' }, Info: { S: other.body } },
    ]);
    return { prefix, bucket };
  }

  const POLICY = (bucket: string): PolicyInput => ({
    mode: 'report',
    buckets: { include: [bucket] },
    rules: [{ name: 'r', match: {}, alertAfter: '1h' }],
  });

  it('pairs a lock item with its lockfile read later, and reads a table of another bucket meanwhile', async () => {
    const { prefix, bucket } = await doubleLock();
    const events: string[] = [];
    const store = slowListing(new S3LockfileStore(s3), 400, events);
    const report = await sweepTables(dynamo, prefix, POLICY(bucket), {
      lockfileStores: () => store,
      state: new MemoryStateStore(),
      logger: {
        info: (o, msg) => {
          if (msg === 'lock judged') events.push(`judged ${(o as { lockId: string }).lockId}`);
        },
        warn: () => undefined,
        error: () => undefined,
      },
      now: new Date(),
    });
    const double = report.locks.filter((l) => l.lockId === `${bucket}/app/terraform.tfstate`);
    expect(double.map((l) => [l.store, l.double])).toEqual([
      ['dynamodb', true],
      ['s3', true],
    ]);
    // The table whose lock names another bucket was judged before the slow bucket was listed to its end.
    expect(events.indexOf('judged elsewhere/x/terraform.tfstate')).toBeLessThan(
      events.indexOf('listing ended'),
    );
    expect(events.indexOf(`judged ${bucket}/app/terraform.tfstate`)).toBeGreaterThan(
      events.indexOf('listing ended'),
    );
  });

  it('waits for the lockfile no longer than the place budget: the lock item then goes on alone', async () => {
    const { prefix, bucket } = await doubleLock();
    const store = slowListing(new S3LockfileStore(s3), 1_500, []);
    const report = await sweepTables(dynamo, prefix, POLICY(bucket), {
      lockfileStores: () => store,
      state: new MemoryStateStore(),
      placeBudgetMs: 300,
      now: new Date(),
    });
    const item = report.locks.find((l) => l.store === 'dynamodb' && l.lockId.startsWith(bucket));
    expect(item?.double).toBeFalsy();
    // The bucket itself ran out of time: reported, never an all-clear.
    expect(report.buckets.find((b) => b.name === bucket)?.error).toMatch(/stopped/);
  });
});
