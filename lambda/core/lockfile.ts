// Core: recognises S3 lockfile keys (`<state path>.tflock`) and classifies what a lockfile read returned.
import { JanitorError } from './errors';
import { type LockInfo, parseCreated, parseLockInfo } from './lock-item';
import type { LockfileEntry, LockfileRead } from './lockfile-port';

/** The suffix Terraform/OpenTofu append to the state path (terraform s3 backend_state.go `lockFileSuffix`). */
export const LOCKFILE_SUFFIX = '.tflock';

/** Bodies above this size are not lockfiles (Terraform writes ~250 bytes); they are never read in full. */
export const MAX_LOCKFILE_BYTES = 64 * 1024;

/**
 * True when `key` is a lockfile key: it ends in `.tflock` and the state path before it is non-empty and does
 * not end in `/` (Terraform rejects state keys ending in `/` and cleans workspace paths with `path.Join`).
 */
export function isLockfileKey(key: string): boolean {
  if (!key.endsWith(LOCKFILE_SUFFIX)) return false;
  const path = key.slice(0, -LOCKFILE_SUFFIX.length);
  return path.length > 0 && !path.endsWith('/');
}

/** The state path of a lockfile key (`key` without `.tflock`); throws on a key that is not a lockfile's. */
export function statePathOfLockfile(key: string): string {
  if (!isLockfileKey(key))
    throw new JanitorError(
      `"${key}" is not a lockfile key: a lockfile key is a state path followed by .tflock`,
    );
  return key.slice(0, -LOCKFILE_SUFFIX.length);
}

/** The lock's identity `bucket/<state path>`: the same string as the DynamoDB `LockID` of the same state. */
export function lockIdOfLockfile(bucket: string, key: string): string {
  return `${bucket}/${statePathOfLockfile(key)}`;
}

/** A lockfile holding a Terraform lock; `etag` is the one read with `rawInfo`, the condition of its delete. */
export type LockfileLock = {
  readonly kind: 'lock';
  readonly bucket: string;
  readonly key: string;
  readonly lockId: string;
  /** The body exactly as read (UTF-8). */
  readonly rawInfo: string;
  readonly info: LockInfo;
  /** `Created` in epoch ms (the client's clock); undefined when it is not an RFC 3339 time. */
  readonly createdMs: number | undefined;
  readonly etag: string;
  /** S3 `LastModified` in epoch ms (the server's clock: when the lock was taken); the lock's age counts from it. */
  readonly lastModifiedMs: number | undefined;
  readonly size: number;
  /** `LastModified` of the state object beside it, when the listing showed one. */
  readonly stateLastModifiedMs?: number;
};

/** A lockfile that is not a readable Terraform lock; reported with the problem and its age, never deleted. */
export type UnparseableLockfile = {
  readonly kind: 'unparseable';
  readonly bucket: string;
  readonly key: string;
  readonly lockId: string;
  readonly problem: string;
  readonly lastModifiedMs: number | undefined;
};

/** The lockfile vanished between the listing and the read: released meanwhile. Not a lock, not a problem. */
export type GoneLockfile = {
  readonly kind: 'gone';
  readonly bucket: string;
  readonly key: string;
  readonly lockId: string;
};

export type ClassifiedLockfile = LockfileLock | UnparseableLockfile | GoneLockfile;

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Classifies one listed lockfile by what reading it returned: a lock (LockInfo JSON with a non-empty `ID`, an
 * ETag to condition the delete on), gone, or unparseable (too big, unreadable, not UTF-8, not LockInfo).
 */
export function classifyLockfile(
  bucket: string,
  listed: LockfileEntry,
  read: LockfileRead,
): ClassifiedLockfile {
  const where = { bucket, key: listed.key, lockId: lockIdOfLockfile(bucket, listed.key) };
  if (read.kind === 'missing') return { kind: 'gone', ...where };
  const lastModifiedMs = read.kind === 'unreadable' ? listed.lastModifiedMs : read.lastModifiedMs;
  const unparseable = (problem: string): UnparseableLockfile => ({
    kind: 'unparseable',
    ...where,
    problem,
    lastModifiedMs,
  });
  if (read.kind === 'unreadable')
    return unparseable(`the lockfile could not be read (${read.errorName}): ${read.message}`);
  if (read.kind === 'too-big')
    return unparseable(`the lockfile is ${read.size} bytes, more than a lock's ${MAX_LOCKFILE_BYTES}`);
  if (!read.etag) return unparseable('S3 returned no ETag, so a delete could not be made conditional');
  let rawInfo: string;
  try {
    rawInfo = utf8.decode(read.body);
  } catch {
    return unparseable('the body is not UTF-8 text');
  }
  const parsed = parseLockInfo(rawInfo);
  if (typeof parsed === 'string') return unparseable(`the body is not a Terraform lock: ${parsed}`);
  return {
    kind: 'lock',
    ...where,
    rawInfo,
    info: parsed,
    createdMs: parseCreated(parsed.Created),
    etag: read.etag,
    lastModifiedMs,
    size: read.body.byteLength,
    ...(listed.stateLastModifiedMs === undefined ? {} : { stateLastModifiedMs: listed.stateLastModifiedMs }),
  };
}
