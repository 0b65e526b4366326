// Tests: property-based safety of lockfile deletes on the in-process S3 (what the server saw, what is left).
import { DeleteObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as fc from 'fast-check';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';
import { JanitorError } from '../lambda/core/errors';
import { isLockfileKey } from '../lambda/core/lockfile';
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

let engine: S3Engine;
let client: S3Client;
let store: S3LockfileStore;

beforeAll(async () => {
  engine = await startLocalEngine();
  ({ client } = s3TestClient(engine.endpoint));
  store = new S3LockfileStore(client);
});
afterAll(async () => {
  client.destroy();
  await engine.stop();
});

async function freshBucket(versioned: boolean): Promise<void> {
  await engine.reset();
  await createBucket(client, BUCKET, { versioned });
}

/** Whether S3 (and the SDK) can carry the key: 1 to 1024 UTF-8 bytes, no lone surrogates. */
function validKey(key: string): boolean {
  try {
    encodeURIComponent(key);
  } catch {
    return false;
  }
  return key.length > 0 && Buffer.byteLength(key, 'utf8') <= 1024;
}

const stem = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.string({ unit: 'grapheme', maxLength: 10 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom('terraform.tfstate', 'env:/ws/app/terraform.tfstate', 'a/..', '.', '..', 'a b+c', '%41'),
);
const suffix = fc.constantFrom(
  '.tflock',
  '',
  '.tflock.bak',
  '.TFLOCK',
  'tflock',
  '.tflock/',
  '.tflock ',
  '/.tflock',
  '.tflock\n',
  '.tflock\u0000',
  '.tfloc',
  '-md5',
);
const anyKey = fc
  .tuple(stem, suffix)
  .map(([s, x]) => s + x)
  .filter(validKey);

describe('lockfile deletes, for any key and body', () => {
  it('never deletes, nor even asks to delete, a key that is not a lockfile', async () => {
    await fc.assert(
      fc.asyncProperty(anyKey, fc.boolean(), async (key, versioned) => {
        // Prepare
        await freshBucket(versioned);
        const etag = await putObject(client, BUCKET, key, 'state or anything');
        // Act
        const result = await store.deleteLockfileIfUnchanged(BUCKET, key, etag).catch((e: unknown) => e);
        // Assess
        const deletes = engine.local!.calls.filter((c) => c.operation === 'DeleteObject');
        if (isLockfileKey(key)) {
          expect(result).toBe('deleted');
        } else {
          expect(result).toBeInstanceOf(JanitorError);
          expect(deletes).toEqual([]);
          expect((await getObject(client, BUCKET, key))?.etag).toBe(etag);
        }
        expect(key.endsWith('.tflock') || deletes.length === 0).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  it('never deletes a lockfile whose body changed between the read and the delete', async () => {
    const body = fc.oneof(
      fc.constant(null),
      fc.string({ maxLength: 300 }),
      fc.constant('').map(() => lockfileBody(BUCKET, 'app/terraform.tfstate').body),
    );
    await fc.assert(
      fc.asyncProperty(body, body, fc.boolean(), async (first, second, versioned) => {
        // Prepare: the lockfile holds `first` (null: absent); the janitor reads it; then it becomes `second`.
        fc.pre(first !== null);
        await freshBucket(versioned);
        const key = 'app/terraform.tfstate.tflock';
        await putObject(client, BUCKET, key, first!);
        const read = await store.readLockfile(BUCKET, key);
        if (read.kind !== 'body') throw new Error(`expected a body, got ${read.kind}`);
        if (second === null) await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
        else await putObject(client, BUCKET, key, second);
        // Act
        const result = await store.deleteLockfileIfUnchanged(BUCKET, key, read.etag!);
        // Assess
        const left = await getObject(client, BUCKET, key);
        if (second === first) {
          expect(result).toBe('deleted');
          expect(left).toBeUndefined();
        } else {
          expect(result).toBe('changed');
          expect(left?.body.toString('utf8')).toBe(second ?? undefined);
        }
      }),
      { numRuns: 100 },
    );
  });
});
