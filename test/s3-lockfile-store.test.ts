// Tests: how S3LockfileStore reads S3 errors (lost responses, unreadable bodies, tags), on the in-process S3.
import type { S3Client } from '@aws-sdk/client-s3';
import type { LocalS3Call, LocalS3Fault } from '../bin/demo/local-s3';
import { S3LockfileStore, s3ClientConfig } from '../lambda/adapters/s3-lockfile-store';
import {
  createBucket,
  getObject,
  lockfileBody,
  putObject,
  type S3Engine,
  s3TestClient,
  startLocalEngine,
} from './support/s3';

const BUCKET = 'acme-tfstate';
const KEY = 'app/terraform.tfstate.tflock';

let fault: ((call: LocalS3Call) => LocalS3Fault | undefined) | undefined;
let engine: S3Engine;
let client: S3Client;
let sent: string[];

beforeAll(async () => {
  engine = await startLocalEngine({ fault: (call) => fault?.(call) });
  // Three attempts, so a lost response is retried as the SDK would in production.
  ({ client, sent } = s3TestClient(engine.endpoint, 3));
});
afterAll(async () => {
  client.destroy();
  await engine.stop();
});
beforeEach(async () => {
  fault = undefined;
  await engine.reset();
  await createBucket(client, BUCKET, { versioned: true });
});

/** Fails the first request of `operation` with `reply`, then lets every request through. */
function failFirst(operation: string, reply: LocalS3Fault): void {
  let failed = false;
  fault = (call) => {
    if (call.operation !== operation || failed) return undefined;
    failed = true;
    return reply;
  };
}

const store = () => new S3LockfileStore(client);

describe('deleteLockfileIfUnchanged on a flaky S3', () => {
  it('says gone, not deleted, when the first attempt deleted it and its response was lost', async () => {
    const etag = await putObject(client, BUCKET, KEY, lockfileBody(BUCKET, 'app/terraform.tfstate').body);
    failFirst('DeleteObject', { status: 500, code: 'InternalError', afterApplying: true });
    expect(await store().deleteLockfileIfUnchanged(BUCKET, KEY, etag)).toBe('gone');
    expect(await getObject(client, BUCKET, KEY)).toBeUndefined();
    expect(engine.local?.calls.filter((c) => c.operation === 'DeleteObject')).toHaveLength(2);
  });

  it('says deleted when a retry deletes what a failed first attempt left in place', async () => {
    const etag = await putObject(client, BUCKET, KEY, lockfileBody(BUCKET, 'app/terraform.tfstate').body);
    failFirst('DeleteObject', { status: 503, code: 'SlowDown' });
    expect(await store().deleteLockfileIfUnchanged(BUCKET, KEY, etag)).toBe('deleted');
  });

  it('says changed on a 409 ConditionalRequestConflict (a concurrent write)', async () => {
    const etag = await putObject(client, BUCKET, KEY, 'x');
    failFirst('DeleteObject', { status: 409, code: 'ConditionalRequestConflict' });
    expect(await store().deleteLockfileIfUnchanged(BUCKET, KEY, etag)).toBe('changed');
    expect(await getObject(client, BUCKET, KEY)).toBeDefined();
  });

  it('lets other errors propagate', async () => {
    const etag = await putObject(client, BUCKET, KEY, 'x');
    failFirst('DeleteObject', { status: 403, code: 'AccessDenied' });
    await expect(store().deleteLockfileIfUnchanged(BUCKET, KEY, etag)).rejects.toMatchObject({
      name: 'AccessDenied',
    });
  });
});

describe('readLockfile', () => {
  it.each([
    [403, 'AccessDenied'],
    [400, 'KMS.DisabledException'],
    [400, 'KMS.NotFoundException'],
    [400, 'InvalidRequest'],
    [403, 'InvalidObjectState'],
  ])('reports a %i %s as unreadable instead of throwing', async (status, code) => {
    await putObject(client, BUCKET, KEY, 'x');
    failFirst('GetObject', { status, code, message: 'no' });
    expect(await store().readLockfile(BUCKET, KEY)).toEqual({
      kind: 'unreadable',
      errorName: code,
      message: 'no',
    });
  });

  it('lets an unexpected error propagate', async () => {
    await putObject(client, BUCKET, KEY, 'x');
    fault = (call) => (call.operation === 'GetObject' ? { status: 400, code: 'InvalidArgument' } : undefined);
    await expect(store().readLockfile(BUCKET, KEY)).rejects.toMatchObject({ name: 'InvalidArgument' });
  });

  it('stops reading a body at the limit', async () => {
    await putObject(client, BUCKET, KEY, Buffer.alloc(64 * 1024 + 1, 'x'));
    expect(await store().readLockfile(BUCKET, KEY)).toMatchObject({ kind: 'too-big', size: 64 * 1024 + 1 });
    await putObject(client, BUCKET, KEY, Buffer.alloc(64 * 1024, 'x'));
    expect(await store().readLockfile(BUCKET, KEY)).toMatchObject({ kind: 'body' });
  });
});

describe('buckets', () => {
  it('fails closed when the tags cannot be read', async () => {
    failFirst('GetBucketTagging', { status: 403, code: 'AccessDenied' });
    await expect(store().bucketTags(BUCKET)).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  it("reads the legacy location EU as eu-west-1 and takes ListBuckets' own region", async () => {
    await createBucket(client, 'acme-tfstate-legacy', { region: 'EU' });
    expect(await store().bucketRegion('acme-tfstate-legacy')).toBe('eu-west-1');
    const buckets = [];
    for await (const b of store().listBuckets()) buckets.push(b);
    expect(buckets).toEqual([
      { name: BUCKET, region: 'us-east-1' },
      { name: 'acme-tfstate-legacy', region: 'eu-west-1' },
    ]);
  });

  it('asks for nothing but the pages it streams', async () => {
    for (let i = 0; i < 5; i++) await putObject(client, BUCKET, `s${i}.tflock`, 'x');
    sent.length = 0;
    for await (const page of new S3LockfileStore(client, 2).listLockfiles(BUCKET)) {
      expect(page.lockfiles.length).toBeLessThanOrEqual(2);
      break;
    }
    // The first page, and the next one requested ahead; never the whole listing.
    expect(sent).toEqual(['ListObjectsV2Command', 'ListObjectsV2Command']);
  });
});

describe('s3ClientConfig', () => {
  it.each([
    [{ region: 'eu-west-1' }, { region: 'eu-west-1', maxAttempts: 6 }],
    [
      { region: 'us-east-1', endpoint: 'http://127.0.0.1:5000', maxAttempts: 1 },
      { region: 'us-east-1', maxAttempts: 1, endpoint: 'http://127.0.0.1:5000', forcePathStyle: true },
    ],
  ])(
    'uses path-style addressing only with an endpoint, and the janitor timeouts (%j)',
    (options, expected) => {
      const config = s3ClientConfig(options);
      expect(config).toEqual({
        ...expected,
        requestHandler: expect.objectContaining({ throwOnRequestTimeout: true }),
      });
      if (!('endpoint' in options)) expect(config).not.toHaveProperty('forcePathStyle');
    },
  );
});
