// Core: one lock as held in one place — a DynamoDB lock item or an S3 lockfile — and what both kinds share.
import type { StateWrite } from './evidence';
import type { LockItem } from './lock-item';
import type { LockfileLock } from './lockfile';

/** A lock item in a DynamoDB lock table. */
export type TableHalf = {
  readonly store: 'dynamodb';
  readonly region: string;
  readonly table: string;
  readonly item: LockItem;
  /**
   * The state's digest (`Digest` of the `<LockID>-md5` item) read this run, when state writes are evidence and
   * the digest item has one; the janitor's memory compares it with the last sighting's.
   */
  readonly digest?: string;
};

/** A `.tflock` lockfile in an S3 state bucket. */
export type LockfileHalf = {
  readonly store: 's3';
  readonly region: string;
  readonly lockfile: LockfileLock;
};

/**
 * One lock in one place. A double lock (the same LockInfo in a lock table and in a lockfile, as Terraform writes
 * with both `dynamodb_table` and `use_lockfile`) is two halves judged as one.
 */
export type LockHalf = TableHalf | LockfileHalf;

/** The name of a lockfile's place where a table name stands for a lock table's: `s3://<bucket>`. */
export const bucketPlace = (bucket: string): string => `s3://${bucket}`;

/** Where the half lives, as the janitor's memory names places: the table, or `s3://<bucket>`. */
export function placeOf(half: LockHalf): { readonly region: string; readonly table: string } {
  return {
    region: half.region,
    table: half.store === 'dynamodb' ? half.table : bucketPlace(half.lockfile.bucket),
  };
}

/** The half's lock as parsed: LockID (`bucket/<state path>` for both kinds), the raw bytes and the LockInfo. */
export function lockOf(half: LockHalf): Pick<LockItem, 'lockId' | 'rawInfo' | 'info'> {
  return half.store === 'dynamodb' ? half.item : half.lockfile;
}

/**
 * When the half's lock was taken, for its age: a lockfile's S3 `LastModified` (the server's clock, when the
 * lock was really taken); a lock item's `Created` (the client's clock). Undefined when not to be trusted.
 */
export function takenMs(half: LockHalf): number | undefined {
  return half.store === 'dynamodb'
    ? half.item.createdMs
    : (half.lockfile.lastModifiedMs ?? half.lockfile.createdMs);
}

/**
 * The lock item the judge reads for the halves of one lock: the LockInfo of the first half and the age of the
 * youngest (a double lock counts from its younger half; a time that cannot be trusted wins, so the age then
 * comes from the sightings).
 */
export function judgedItem(halves: readonly LockHalf[]): LockItem {
  const times = halves.map(takenMs);
  const unknown = times.some((t) => t === undefined);
  const first = halves[0];
  const problem = first.store === 'dynamodb' ? first.item.createdProblem : undefined;
  return {
    kind: 'lock',
    ...lockOf(first),
    createdMs: unknown ? undefined : Math.max(...(times as number[])),
    ...(unknown && problem ? { createdProblem: problem } : {}),
  };
}

/**
 * The latest state write seen while the lock was held, over its halves: a table half's digest change (the
 * sighting that saw it, `lastWriteMs[i]`), a lockfile's state object written after the lockfile (S3's clock).
 * A double lock takes the later of both.
 */
export function stateWriteOf(
  halves: readonly LockHalf[],
  lastWriteMs: readonly (number | undefined)[],
): StateWrite | undefined {
  const writes = halves.map((half, i): StateWrite | undefined => {
    if (half.store === 'dynamodb') {
      const atMs = lastWriteMs[i];
      return atMs === undefined ? undefined : { atMs, source: 'digest' };
    }
    const atMs = half.lockfile.stateLastModifiedMs;
    const taken = takenMs(half);
    if (atMs === undefined || (taken !== undefined && atMs <= taken)) return undefined;
    return { atMs, source: 's3' };
  });
  return writes.reduce<StateWrite | undefined>((a, b) => (!b || (a && a.atMs >= b.atMs) ? a : b), undefined);
}
