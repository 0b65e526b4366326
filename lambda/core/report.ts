// Core: the run report's types and counts.
import type { HolderOutcome, StateWrite } from './evidence';
import type { RunFailure } from './failure';
import type { Mode } from './policy';
import { type Unread, unreadOf } from './unread';

export type Decision = 'keep' | 'alert' | 'delete';
/**
 * What the run did with a lock: `changed` means the lock was released or re-taken before the guarded delete;
 * `gone` that it vanished around the delete (a lost response): deleted by the janitor or released by its holder.
 */
export type Outcome = 'kept' | 'alerted' | 'deleted' | 'changed' | 'gone' | 'skipped' | 'failed';

/** One lock table as the run saw it. `error` is set when the table could not be (fully) read. */
export type TableReport = {
  region: string;
  name: string;
  items: number;
  locks: number;
  digests: number;
  unparseable: number;
  error?: string;
  /** On a failed table: true when its failure is news (new, or not alerted on within `realertAfter`). */
  notify?: boolean;
};

/** One lock and what the run decided and did about it. */
export type LockReport = {
  /** Where the lock is held: a DynamoDB lock table, or an S3 lockfile. @default "dynamodb" */
  store?: 'dynamodb' | 's3';
  region: string;
  /** The lock table; for a lockfile, its bucket as `s3://<bucket>` (the place name messages group by). */
  table: string;
  /** A lockfile's bucket and `.tflock` key. */
  bucket?: string;
  key?: string;
  /** True on both halves of a double lock (the same lock in a table and in a lockfile, judged as one). */
  double?: boolean;
  /** A lockfile's S3 LastModified (ISO 8601): when the lock was taken, by the server's clock; its age counts from it. */
  lastModified?: string;
  lockId: string;
  id: string;
  operation: string;
  who: string;
  version: string;
  /** `Created` exactly as Terraform wrote it (up to nanoseconds). */
  created: string;
  ageSeconds: number;
  /** Seconds since the last sign of life: what the rule's durations were compared with. */
  idleSeconds?: number;
  /** When the holder was last known alive (ISO 8601): the lock's start, or a later state write. */
  lastSignOfLife?: string;
  /** The last state write seen while the lock was held (ISO 8601), and how: `digest` moved, or `s3` LastModified. */
  stateWrite?: { at: string; source: StateWrite['source'] };
  /** What the EC2 host check found about the holder (policy `evidence.ec2Hosts`). */
  holder?: { outcome: HolderOutcome; instanceId?: string; state?: string };
  rule: string;
  decision: Decision;
  outcome: Outcome;
  reason: string;
  /** How many runs have seen this exact lock, this one included. */
  sightings: number;
  /** True when this lock is news for people this run (first alert, re-alert, deletion or failure). */
  notify: boolean;
};

/** An item or lockfile that is neither a lock nor a digest; reported, never touched. */
export type UnparseableReport = {
  region: string;
  /** The table, or `s3://<bucket>` for a lockfile. */
  table: string;
  lockId?: string;
  /** A lockfile's key and age. */
  key?: string;
  lastModified?: string;
  problem: string;
};

/** One state bucket as the run saw it. `error` is set when it could not be (fully) read. */
export type BucketReport = {
  region: string;
  name: string;
  /** Objects listed, and the `.tflock` lockfiles among them. */
  objects: number;
  lockfiles: number;
  unparseable: number;
  error?: string;
  /** On a failed bucket: true when its failure is news. */
  notify?: boolean;
};

/** A lock an earlier run had alerted on that is gone now. */
export type ResolvedReport = { region: string; table: string; lockId: string; id: string };

export type RunCounts = {
  locks: number;
  stale: number;
  alerted: number;
  deleted: number;
  changed: number;
  skipped: number;
  errors: number;
};

/** The run report (README "The command line") (the `--json` output and the Lambda's summary). */
export type RunReport = {
  runId: string;
  startedAt: string;
  finishedAt: string;
  mode: Mode;
  regions: string[];
  tables: TableReport[];
  /** The state buckets whose lockfiles were audited (policy `buckets`); empty when none are configured. */
  buckets: BucketReport[];
  locks: LockReport[];
  unparseable: UnparseableReport[];
  resolved: ResolvedReport[];
  /** Problems that did not fail a table (an API the server lacks, a table skipped by the time budget, ...). */
  warnings: string[];
  /** Run-level failures that are not one table's or one lock's: an audit write, the notification, the state table. */
  failures: RunFailure[];
  /** Whether a message was published for this run (absent when no notifier is configured). */
  notification?: { sent: boolean; error?: string };
  /**
   * Every region, table, bucket and evidence source the run could not read, with the reason and a fix (derived
   * from `tables`, `buckets` and `failures`). Empty only when every place was read: only then is "no locks" true.
   */
  couldNotRead: Unread[];
  counts: RunCounts;
};

/** Counts derived from a report; `errors` = failed tables and buckets + failed deletes + run-level failures. */
export function countRun(
  tables: readonly Pick<TableReport, 'error'>[],
  locks: readonly LockReport[],
  failures: readonly RunFailure[] = [],
): RunCounts {
  const counts: RunCounts = {
    locks: locks.length,
    stale: 0,
    alerted: 0,
    deleted: 0,
    changed: 0,
    skipped: 0,
    errors: 0,
  };
  for (const lock of locks) {
    if (lock.decision !== 'keep') counts.stale++;
    if (lock.outcome === 'alerted') counts.alerted++;
    else if (lock.outcome === 'deleted') counts.deleted++;
    // `gone` is not counted as a deletion: the janitor cannot tell whether it deleted the lock.
    else if (lock.outcome === 'changed' || lock.outcome === 'gone') counts.changed++;
    else if (lock.outcome === 'skipped') counts.skipped++;
    else if (lock.outcome === 'failed') counts.errors++;
  }
  counts.errors += tables.filter((t) => t.error !== undefined).length + failures.length;
  return counts;
}

/** True when the run finished with errors (exit code 1, the Lambda's failure metric). */
export function hasErrors(report: RunReport): boolean {
  return report.counts.errors > 0;
}

/** A table report with no items read, carrying an error. */
export function emptyTable(region: string, name: string, error?: string): TableReport {
  return { region, name, items: 0, locks: 0, digests: 0, unparseable: 0, ...(error ? { error } : {}) };
}

/** Everything a run found and did: the report is built from these once, with its counts. */
export type RunResults = Omit<RunReport, 'counts' | 'couldNotRead'>;

/** The run report, counts and what could not be read derived from the results. */
export function buildReport(results: RunResults): RunReport {
  const places = [...results.tables, ...results.buckets];
  return {
    ...results,
    couldNotRead: unreadOf(results.tables, results.buckets, results.failures),
    counts: countRun(places, results.locks, results.failures),
  };
}
