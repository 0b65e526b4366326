// Demo S3: the buckets, versions and conditional writes/deletes of the in-process S3 (no HTTP here).
import { createHash, randomBytes } from 'node:crypto';

/** An S3 error as the service answers it: HTTP status and error code. */
export class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'S3Error';
  }
}

export type StoredObject = {
  readonly key: string;
  readonly body: Buffer;
  /** Quoted MD5 hex of the body, as S3 gives it for a single-part upload. */
  readonly etag: string;
  readonly lastModifiedMs: number;
  readonly contentType: string;
  readonly versionId: string;
};
export type DeleteMarker = {
  readonly key: string;
  readonly deleteMarker: true;
  readonly versionId: string;
  readonly lastModifiedMs: number;
};
export type Version = StoredObject | DeleteMarker;

export type LocalBucket = {
  readonly name: string;
  readonly region: string;
  readonly createdMs: number;
  tags?: Record<string, string>;
  versioning?: 'Enabled' | 'Suspended';
  /** Each key's versions, oldest first; the last one is current. */
  readonly keys: Map<string, Version[]>;
};

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** S3's listing order: UTF-8 bytes. */
export function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** The state of an in-process S3: buckets and objects, with S3's conditional semantics on the current version. */
export class LocalS3Model {
  readonly buckets = new Map<string, LocalBucket>();

  constructor(private readonly clock: () => number) {}

  /** S3 keeps LastModified to the second. */
  private now(): number {
    return Math.floor(this.clock() / 1000) * 1000;
  }

  createBucket(name: string, region: string): void {
    if (!BUCKET_NAME.test(name))
      throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.');
    if (this.buckets.has(name))
      throw new S3Error(
        409,
        'BucketAlreadyOwnedByYou',
        'Your previous request to create the named bucket succeeded.',
      );
    this.buckets.set(name, { name, region, createdMs: this.now(), keys: new Map() });
  }

  bucket(name: string): LocalBucket {
    const bucket = this.buckets.get(name);
    if (!bucket) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    return bucket;
  }

  /** The current version of `key`, unless it is missing or a delete marker. */
  current(bucket: string, key: string): StoredObject | undefined {
    const current = this.bucket(bucket).keys.get(key)?.at(-1);
    return current && !('deleteMarker' in current) ? current : undefined;
  }

  get(bucket: string, key: string): StoredObject {
    const object = this.current(bucket, key);
    if (!object) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    return object;
  }

  /** PutObject; `If-None-Match: *` fails with 412 when a current version exists, `If-Match` when its ETag differs. */
  put(
    bucket: string,
    key: string,
    body: Buffer,
    opts: { contentType?: string; ifNoneMatch?: string; ifMatch?: string } = {},
  ): StoredObject {
    const existing = this.current(bucket, key);
    if (opts.ifNoneMatch === '*' && existing) throw preconditionFailed('If-None-Match');
    if (opts.ifMatch !== undefined && (!existing || !etagMatches(existing.etag, opts.ifMatch)))
      throw existing ? preconditionFailed('If-Match') : noSuchKey();
    const object: StoredObject = {
      key,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModifiedMs: this.now(),
      contentType: opts.contentType ?? 'binary/octet-stream',
      versionId: this.newVersionId(bucket),
    };
    this.addVersion(bucket, key, object);
    return object;
  }

  /** DeleteObject of the current version; `If-Match` gives 404 when missing, 412 when the ETag differs. */
  delete(bucket: string, key: string, ifMatch?: string): DeleteMarker | undefined {
    const existing = this.current(bucket, key);
    if (ifMatch !== undefined && !existing) throw noSuchKey();
    if (ifMatch !== undefined && existing && !etagMatches(existing.etag, ifMatch))
      throw preconditionFailed('If-Match');
    const b = this.bucket(bucket);
    if (!b.versioning) {
      b.keys.delete(key);
      return undefined;
    }
    const marker: DeleteMarker = {
      key,
      deleteMarker: true,
      versionId: this.newVersionId(bucket),
      lastModifiedMs: this.now(),
    };
    this.addVersion(bucket, key, marker);
    return marker;
  }

  /** Current objects in key order after `after`, at most `max`, and whether more remain. */
  list(bucket: string, prefix: string, after: string | undefined, max: number) {
    const keys = [...this.bucket(bucket).keys.keys()]
      .filter((k) => k.startsWith(prefix) && (after === undefined || compareKeys(k, after) > 0))
      .sort(compareKeys);
    const objects: StoredObject[] = [];
    let i = 0;
    for (; i < keys.length && objects.length < max; i++) {
      const object = this.current(bucket, keys[i]);
      if (object) objects.push(object);
    }
    return { objects, truncated: keys.slice(i).some((k) => this.current(bucket, k)) };
  }

  private newVersionId(bucket: string): string {
    return this.bucket(bucket).versioning === 'Enabled' ? randomBytes(16).toString('base64url') : 'null';
  }

  private addVersion(bucket: string, key: string, version: Version): void {
    const b = this.bucket(bucket);
    // Unversioned and suspended buckets hold one `null` version per key, replaced in place.
    const old = b.keys.get(key) ?? [];
    const kept = !b.versioning
      ? []
      : b.versioning === 'Suspended'
        ? old.filter((v) => v.versionId !== 'null')
        : old;
    b.keys.set(key, [...kept, version]);
  }
}

/** S3 compares ETags with or without their quotes. */
function etagMatches(etag: string, condition: string): boolean {
  return condition === '*' || etag.replace(/"/g, '') === condition.replace(/"/g, '');
}

function preconditionFailed(header: string): S3Error {
  return new S3Error(
    412,
    'PreconditionFailed',
    `At least one of the pre-conditions you specified did not hold (${header})`,
  );
}

function noSuchKey(): S3Error {
  return new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
}
