// Core: the ports the run talks through (lock store, state store, notifier) and their records.
import type { Sighting } from './judge';
import type { RawItem } from './lock-item';
import type { RenderedMessage } from './message/sns';
import type { ObjectStoreKind } from './place';

/** The structured logger the engine writes to; a pino logger fits it. */
export interface JanitorLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** A table as DescribeTable shows it, reduced to what discovery needs. */
export type TableDescription = {
  readonly name: string;
  readonly arn: string;
  readonly keySchema: readonly { readonly name: string; readonly keyType: string }[];
  readonly attributeTypes: Readonly<Record<string, string>>;
};

/**
 * What a guarded delete did, told from evidence: `deleted`; `changed` when the lock no longer held the bytes that
 * were judged (released or re-taken; nothing deleted); `gone` when the condition failed only on an SDK retry and
 * the lock is absent: the first attempt may have deleted it with its response lost, or the holder released it.
 */
export type DeleteResult = 'deleted' | 'changed' | 'gone';

/**
 * One page of a lock table's Scan: the items that came back, and the digest items the server read but left
 * out (filtered), counted so a table's `items` and `digests` stay exact.
 */
export type ScanPage = { readonly items: readonly RawItem[]; readonly skippedDigests: number };

/** The lock tables of one region (one DynamoDB client). AWS errors other than a failed condition propagate. */
export interface LockStore {
  readonly region: string;
  /** Every table name in the region (ListTables, paginated). */
  listTables(): AsyncIterable<string>;
  /** The table's key schema and ARN; undefined when the region has no table of that name. */
  describeTable(name: string): Promise<TableDescription | undefined>;
  /** The table's tags; any error propagates (the caller fails closed and skips the table). */
  listTags(arn: string): Promise<Record<string, string>>;
  /** Streams the table page by page with consistent reads. */
  scan(table: string): AsyncIterable<ScanPage>;
  /** A consistent read of one item. */
  getItem(table: string, lockId: string): Promise<RawItem | undefined>;
  /**
   * Consistent reads of many items at once (BatchGetItem: 100 keys a call, unprocessed keys retried), by
   * `LockID`; an item that does not exist is absent from the map.
   */
  getItems(table: string, lockIds: readonly string[]): Promise<Map<string, RawItem>>;
  /** Deletes the item only if its `Info` is byte-identical to `rawInfo`. */
  deleteIfUnchanged(table: string, lockId: string, rawInfo: string): Promise<DeleteResult>;
}

/** One lock instance as the janitor knows it: the key of its memory. */
export type LockKey = {
  readonly region: string;
  readonly table: string;
  readonly lockId: string;
  /** The lock's `ID` (a new one each time Terraform takes the lock). */
  readonly id: string;
};

/**
 * Why a lock was deleted or released, written before anyone is told (safety invariant 6). `gone`: the lock
 * vanished around the janitor's delete (a lost response, or a dangling intent found the lock gone), so it was
 * deleted by the janitor or released by its holder: never recorded as a certain deletion.
 */
export type AuditRecord = LockKey & {
  /** A lockfile's store, bucket, `.tflock` key and the ETag its delete was conditional on (absent: a lock item). */
  readonly store?: ObjectStoreKind;
  readonly bucket?: string;
  readonly key?: string;
  readonly etag?: string;
  readonly action: 'deleted' | 'released' | 'gone';
  readonly info: string;
  readonly rule: string;
  readonly reason: string;
  readonly runId: string;
  readonly at: string;
};

/** A lock table, or a region's table listing (`table` = `*`). */
export type TableRef = { readonly region: string; readonly table: string };

/** The janitor's memory across runs: sightings per lock instance, alerts, failing tables, and the audit trail. */
export interface StateStore {
  /**
   * True when the store is dropped after this one run (the CLI without a state table): nothing it records is
   * ever compared by a later run, so the sweep reads no state digests for it.
   */
  readonly singleRun?: boolean;
  /**
   * Records that this run saw the lock with this `Info`; returns the sightings so far, this one included. A
   * sighting closer than `gapMs` to the last counted one (or at the same instant) is not counted again.
   * `digest`: the state's digest (`<LockID>-md5` item's `Digest`) read this run, remembered on each counted
   * sighting; one that differs from the digest remembered before sets `lastWriteMs` to `nowMs`, kept until the
   * lock's `Info` changes. Without it the remembered digest and write are left as they are. A digest that differs
   * from the remembered one is a state write even when the sighting is within the gap (only the count is spaced).
   * `absentMs`: the end of the last complete sweep of the lock's place (0: none known), remembered once, when the
   * lock is first seen (`Sighting.absentMs`).
   */
  observe(
    key: LockKey,
    rawInfo: string,
    nowMs: number,
    gapMs?: number,
    digest?: string,
    absentMs?: number,
  ): Promise<Sighting>;
  /** When the place (a table, or `s3://<bucket>`) was last read in full; undefined when none is remembered. */
  lastCompleteSweep(place: TableRef): Promise<number | undefined>;
  /** Remembers that these places were read in full by a sweep that ended at `atMs` (an earlier time never wins). */
  noteCompleteSweeps(places: readonly TableRef[], atMs: number): Promise<void>;
  /** Remembers that these locks, with the Info last sighted, were part of an alert at `nowMs`. */
  markAlerted(keys: readonly LockKey[], nowMs: number): Promise<void>;
  /**
   * Whether the janitor announced this lock instance as stale with exactly this `Info` (an alert named it while
   * its sighting held these bytes): what a release through the janitor's Lambda may act on.
   */
  announced(key: LockKey, rawInfo: string): Promise<boolean>;
  /** Forgets locks of the fully-read tables that this run did not see; returns those that had been alerted. */
  forgetGone(
    scanned: readonly { region: string; table: string }[],
    seen: readonly LockKey[],
    nowMs: number,
  ): Promise<LockKey[]>;
  /**
   * Forgets one lock instance that the janitor itself deleted or released, so a later run never reports it as
   * "resolved" (resolved means: gone since the alert, and not by the janitor).
   */
  forgetLock(key: LockKey): Promise<void>;
  /** Appends an audit record; never overwrites one; must not lose it. */
  audit(record: AuditRecord): Promise<void>;
  /**
   * Writes the intent to delete a lock before the delete (the record the audit will hold); it stays until
   * `clearIntent`, so a run that dies mid-delete leaves it for the next run to resolve.
   */
  recordIntent(intent: AuditRecord): Promise<void>;
  /** Removes the intent of this lock instance (its delete was audited, or did not happen). */
  clearIntent(key: LockKey): Promise<void>;
  /** Every intent still recorded, oldest first. */
  intents(): Promise<AuditRecord[]>;
  /**
   * Whether the outcome of this intent is already audited: an audit record of the same lock instance by the same
   * run at the same time exists (its run audited the delete and then failed to clear the intent).
   */
  audited(intent: AuditRecord): Promise<boolean>;
  /**
   * Remembers that `failed` tables failed this run and forgets the failures of `recovered` ones (read in full);
   * returns, for each failed table in order, when its failure was last part of an alert (undefined: never).
   */
  noteTableFailures(
    failed: readonly TableRef[],
    recovered: readonly TableRef[],
    nowMs: number,
  ): Promise<(number | undefined)[]>;
  /** Remembers that these tables' failures were part of an alert at `nowMs`. */
  markTableFailuresAlerted(tables: readonly TableRef[], nowMs: number): Promise<void>;
}

/**
 * Publishes finished messages (SNS), one call per message; deciding whether there is news, which messages go
 * to whom and rendering them happen in the core.
 */
export interface Notifier {
  /** Sends one message; errors propagate to the caller, which records the failed notification. */
  publish(message: RenderedMessage): Promise<void>;
}
