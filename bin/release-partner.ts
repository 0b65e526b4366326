// CLI: a lock item's lockfile half: `<LockID>.tflock` in the state bucket its LockID names, read once, fresh.
import { describeError } from '../lambda/core/errors';
import { classifyLockfile } from '../lambda/core/lockfile';
import type { LockfileStore } from '../lambda/core/lockfile-port';

/** What the lockfile beside a lock item says: the same lock's other half, none, or unknown (with why). */
export type Partner =
  | { readonly kind: 'half'; readonly bucket: string; readonly key: string }
  | { readonly kind: 'none' }
  | { readonly kind: 'unknown'; readonly bucket: string; readonly key: string; readonly why: string };

/**
 * Terraform with both `dynamodb_table` and `use_lockfile` holds one lock in two places: the item `bucket/path` and
 * the lockfile `path.tflock` in `bucket`, with the same ID. Releasing the item alone leaves the state locked, so
 * a release of an item looks there once: a lockfile holding `id` is its other half; none (or no such bucket) is
 * none; anything else (AccessDenied, a refused endpoint) is unknown and said.
 */
export async function lockfilePartner(
  lockId: string,
  id: string,
  store: () => LockfileStore,
): Promise<Partner> {
  const slash = lockId.indexOf('/');
  if (slash < 1 || slash === lockId.length - 1) return { kind: 'none' };
  const bucket = lockId.slice(0, slash);
  const key = `${lockId.slice(slash + 1)}.tflock`;
  try {
    const read = await store().readLockfile(bucket, key);
    if (read.kind === 'missing') return { kind: 'none' };
    const lockfile = classifyLockfile(
      bucket,
      { key, etag: '', lastModifiedMs: undefined, size: undefined },
      read,
    );
    if (lockfile.kind === 'lock')
      return lockfile.info.ID === id ? { kind: 'half', bucket, key } : { kind: 'none' };
    return { kind: 'unknown', bucket, key, why: 'it could not be read as a lockfile' };
  } catch (e) {
    if ((e as { name?: string }).name === 'NoSuchBucket') return { kind: 'none' };
    return { kind: 'unknown', bucket, key, why: describeError(e) };
  }
}
