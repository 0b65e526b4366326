// Core: one lock as held in one place (a lock item or a lockfile): what each kind of half is, said once, and what all share.
import type { StateWrite } from './evidence';
import type { LockItem } from './lock-item';
import type { LockfileLock } from './lockfile';
import {
  memoryName,
  OBJECT_STORES,
  type ObjectStoreKind,
  type Place,
  placeKind,
  type StoreKind,
} from './place';
import type { AuditRecord } from './ports';
import type { LockReport } from './report';

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
  readonly store: ObjectStoreKind;
  readonly region: string;
  readonly lockfile: LockfileLock;
};

/**
 * One lock in one place. A double lock (the same LockInfo in a lock table and in a lockfile, as Terraform writes
 * with both `dynamodb_table` and `use_lockfile`) is two halves judged as one.
 */
export type LockHalf = TableHalf | LockfileHalf;

export { bucketPlace } from './place';

/**
 * What differs between the kinds of half, said once: the run and the core ask these and never test the kind.
 * A new lock store adds its half type to `LockHalf` and one entry here.
 */
type HalfKind<H extends LockHalf> = {
  /** The half's place (the table; the bucket). */
  readonly place: (half: H) => Place;
  /** How the half's lock is found again in its place: a lock item's LockID, a lockfile's key. */
  readonly ref: (half: H) => string;
  /** The lock as parsed. */
  readonly lock: (half: H) => Pick<LockItem, 'lockId' | 'rawInfo' | 'info'>;
  /** When it was taken, for its age; undefined when not to be trusted. @see takenMs */
  readonly taken: (half: H) => number | undefined;
  /** Why its own time is not trusted, when it says. */
  readonly createdProblem: (half: H) => string | undefined;
  /** The state's digest read this run, for the janitor's memory to compare (lock items only). */
  readonly digest: (half: H) => string | undefined;
  /** When the state was written after the lock was taken, by the store's own clock (lockfiles: S3). */
  readonly stateWrittenMs: (half: H) => number | undefined;
  /** Its own fields in a report line (a lockfile's bucket, key, LastModified). */
  readonly reportFields: (half: H) => Partial<LockReport>;
  /** Its own fields in an audit record: where it was, and the condition of its delete. */
  readonly auditFields: (half: H) => Partial<AuditRecord>;
  /** Whether the half still holds what the record (an intent) was judged on: the Info bytes; the ETag. */
  readonly unchangedSince: (half: H, record: AuditRecord) => boolean;
  /** What the other half of a double lock calls it. */
  readonly word: string;
  /** Deleted before the other half of a double lock (Terraform takes the lockfile first). */
  readonly deleteFirst: boolean;
};

const TABLE_HALF: HalfKind<TableHalf> = {
  place: (h) => ({ store: 'dynamodb', region: h.region, name: h.table }),
  ref: (h) => h.item.lockId,
  lock: (h) => h.item,
  taken: (h) => h.item.createdMs,
  createdProblem: (h) => h.item.createdProblem,
  digest: (h) => h.digest,
  stateWrittenMs: () => undefined,
  reportFields: () => ({}),
  auditFields: () => ({}),
  unchangedSince: (h, record) => h.item.rawInfo === record.info,
  word: 'lock table half',
  deleteFirst: false,
};

const LOCKFILE_HALF: HalfKind<LockfileHalf> = {
  place: (h) => ({ store: h.store, region: h.region, name: h.lockfile.bucket }),
  ref: (h) => h.lockfile.key,
  lock: (h) => h.lockfile,
  taken: (h) => h.lockfile.lastModifiedMs ?? h.lockfile.createdMs,
  createdProblem: () => undefined,
  digest: () => undefined,
  stateWrittenMs: (h) => h.lockfile.stateLastModifiedMs,
  reportFields: ({ lockfile }) => ({
    bucket: lockfile.bucket,
    key: lockfile.key,
    ...(lockfile.lastModifiedMs === undefined
      ? {}
      : { lastModified: new Date(lockfile.lastModifiedMs).toISOString() }),
  }),
  auditFields: (h) => ({
    store: h.store,
    bucket: h.lockfile.bucket,
    key: h.lockfile.key,
    etag: h.lockfile.etag,
  }),
  unchangedSince: (h, record) => h.lockfile.etag === record.etag,
  word: 'lockfile half',
  deleteFirst: true,
};

/** A lock table's item; a lockfile in any object store (they share one kind of half). */
const HALVES: { readonly [K in StoreKind]: HalfKind<Extract<LockHalf, { store: K }>> } = {
  dynamodb: TABLE_HALF,
  ...(Object.fromEntries(OBJECT_STORES.map((store) => [store, LOCKFILE_HALF])) as {
    readonly [K in ObjectStoreKind]: HalfKind<LockfileHalf>;
  }),
};

/** What the half's kind says about it. */
export function halfKind<H extends LockHalf>(half: H): HalfKind<H> {
  return HALVES[half.store] as unknown as HalfKind<H>;
}

/** The half in a sentence: `my-locks (eu-west-1) acme/app.tfstate`, `s3://b/app.tfstate.tflock (eu-west-1)`. */
export function describeHalf(half: LockHalf): string {
  const kind = halfKind(half);
  const place = kind.place(half);
  return placeKind(place.store).where(place, kind.ref(half));
}

/** Where the half lives, as the janitor's memory names places: the table, or `s3://<bucket>`. */
export function placeOf(half: LockHalf): { readonly region: string; readonly table: string } {
  const place = halfKind(half).place(half);
  return { region: place.region, table: memoryName(place) };
}

/** The half's lock as parsed: LockID (`bucket/<state path>` for both kinds), the raw bytes and the LockInfo. */
export function lockOf(half: LockHalf): Pick<LockItem, 'lockId' | 'rawInfo' | 'info'> {
  return halfKind(half).lock(half);
}

/**
 * When the half's lock was taken, for its age: a lockfile's S3 `LastModified` (the server's clock, when the
 * lock was really taken); a lock item's `Created` (the client's clock). Undefined when not to be trusted.
 */
export function takenMs(half: LockHalf): number | undefined {
  return halfKind(half).taken(half);
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
  const problem = halfKind(first).createdProblem(first);
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
    const digestMs = lastWriteMs[i];
    if (digestMs !== undefined) return { atMs: digestMs, source: 'digest' };
    const atMs = halfKind(half).stateWrittenMs(half);
    const taken = takenMs(half);
    if (atMs === undefined || (taken !== undefined && atMs <= taken)) return undefined;
    return { atMs, source: 's3' };
  });
  return writes.reduce<StateWrite | undefined>((a, b) => (!b || (a && a.atMs >= b.atMs) ? a : b), undefined);
}

/** Where a record (an intent or an audit record) says its half was: the place and the ref within it. */
export function recordPlace(record: AuditRecord): { readonly place: Place; readonly ref: string } {
  if (record.store !== undefined && record.bucket !== undefined && record.key !== undefined)
    return { place: { store: record.store, region: record.region, name: record.bucket }, ref: record.key };
  return { place: { store: 'dynamodb', region: record.region, name: record.table }, ref: record.lockId };
}
