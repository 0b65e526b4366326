// Core: the LockfileStore port (S3 buckets and their `.tflock` lockfiles) and its records; types only.

/** A bucket as ListBuckets shows it; `region` when the server says it (AWS does, per bucket). */
export type BucketSummary = { readonly name: string; readonly region?: string };

/** A lockfile as the listing shows it (ListObjectsV2), before its body is read. */
export type LockfileEntry = {
  readonly key: string;
  /** The listing's ETag (quoted, as S3 gives it). The delete is conditional on the ETag of the read instead. */
  readonly etag: string;
  readonly lastModifiedMs: number | undefined;
  readonly size: number | undefined;
  /**
   * `LastModified` of the state object `<path>` beside `<path>.tflock`, when it exists: a state write after the
   * lock was taken is a sign of life. The listing is in key order and the state sorts before its lockfile, so
   * it is found without holding the listing (only the chain of keys that are prefixes of one another).
   */
  readonly stateLastModifiedMs?: number;
};

/** One ListObjectsV2 page: how many objects it listed, and the lockfiles among them. */
export type LockfilePage = {
  readonly objects: number;
  readonly lockfiles: readonly LockfileEntry[];
};

/**
 * What reading a lockfile found: its body (bounded), `too-big` (body not read), `missing` (gone since the
 * listing), or `unreadable` (AccessDenied, KMS.*, SSE-C InvalidRequest...: the error's name and message).
 */
export type LockfileRead =
  | {
      readonly kind: 'body';
      readonly body: Uint8Array;
      readonly etag: string | undefined;
      readonly lastModifiedMs: number | undefined;
    }
  | {
      readonly kind: 'too-big';
      readonly size: number;
      readonly etag: string | undefined;
      readonly lastModifiedMs: number | undefined;
    }
  | { readonly kind: 'missing' }
  | { readonly kind: 'unreadable'; readonly errorName: string; readonly message: string };

/**
 * What a conditional delete did: `deleted`; `changed` when the lockfile no longer had the ETag that was judged
 * (replaced, re-taken, or gone before the delete); `gone` when the condition failed only on an SDK retry, so an
 * earlier attempt of this very delete may have removed it (or its holder released it): never a certain deletion.
 */
export type LockfileDeleteResult = 'deleted' | 'changed' | 'gone';

/** S3 buckets and their lockfiles, through one S3 client. AWS errors not named here propagate. */
export interface LockfileStore {
  /** Every bucket of the account (ListBuckets, following continuation tokens). */
  listBuckets(): AsyncIterable<BucketSummary>;
  /** The bucket's region (GetBucketLocation: empty = us-east-1, `EU` = eu-west-1). */
  bucketRegion(bucket: string): Promise<string>;
  /** The bucket's tags; `{}` when it has none (NoSuchTagSet). Any other error propagates: fail closed. */
  bucketTags(bucket: string): Promise<Record<string, string>>;
  /** Streams the bucket's listing page by page, keeping only lockfile keys. */
  listLockfiles(bucket: string): AsyncIterable<LockfilePage>;
  /** Reads one lockfile's body (at most MAX_LOCKFILE_BYTES), ETag and LastModified. */
  readLockfile(bucket: string, key: string): Promise<LockfileRead>;
  /**
   * Deletes the lockfile only if its current ETag is `etag` (DeleteObject If-Match; never a VersionId, so a
   * versioned bucket keeps a delete marker). Throws a JanitorError, sending nothing, if `key` is not a lockfile key.
   */
  deleteLockfileIfUnchanged(bucket: string, key: string, etag: string): Promise<LockfileDeleteResult>;
}
