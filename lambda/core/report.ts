// Core: the run report's types and counts.

import type { HolderOutcome, StateWrite } from './evidence';
import type { RunFailure } from './failure';
import type { StoreKind } from './place';
import type { Mode } from './policy';
import { type Unread, unreadOf } from './unread';

export type Decision = 'keep' | 'alert' | 'delete';
/**
 * What the run did with a lock: `alerted` means a message naming it was published to SNS by this run;
 * `alerted-earlier` that an earlier run's delivered message named it and it is not due again (`realertAfter`);
 * `unsent` that it is stale and due an alert but no message reached anyone (no topic, or the publish failed);
 * `changed` that the lock was released or re-taken before the guarded delete; `gone` that it vanished around
 * the delete (a lost response): deleted by the janitor or released by its holder.
 */
export type Outcome =
  | 'kept'
  | 'alerted'
  | 'alerted-earlier'
  | 'unsent'
  | 'deleted'
  | 'changed'
  | 'gone'
  | 'skipped'
  | 'failed';

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
  store?: StoreKind;
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

/** What counting a lock's lines and remembering its alert read of each line. */
export type LockLine = Pick<
  LockReport,
  'region' | 'table' | 'lockId' | 'id' | 'double' | 'decision' | 'outcome' | 'notify'
>;

/**
 * A line of a news lock that no message shows whole (the Lambda keeps whole only the locks its messages can
 * show): what the counts, the messages' "N more" and the alert memory need of it, and nothing else.
 */
export type BriefLine = LockLine & { readonly brief: true };

/** A news lock's line as messages get it: whole, or brief (counted, never shown). */
export type NewsLine = LockReport | BriefLine;

/** True for a whole report line, which a message may show. */
export function isWhole(line: NewsLine): line is LockReport {
  return !('brief' in line);
}

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

/** Counts of a run; a double lock (two report lines) is one lock in every count but `errors` (each failed half). */
export type RunCounts = {
  locks: number;
  stale: number;
  alerted: number;
  /** Stale locks already alerted by an earlier run, not due again. */
  alertedEarlier: number;
  /** Stale locks due an alert that no message reached. */
  unsent: number;
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
  /**
   * Locks whose report lines were handed on as decided and not kept (the Lambda logs them and keeps only the lines
   * a message or its memory needs; the CLI's `--json` and `--output tsv` write them), so the run's memory stays
   * flat in locks: counted in `counts`, absent from `locks`.
   */
  folded?: FoldedLocks;
  /**
   * The lines of the news locks beyond those any message shows whole (the Lambda): counted in `counts` and in the
   * messages, remembered as alerted once delivered, absent from `locks`. Each line was logged whole as decided.
   */
  brief?: BriefLine[];
};

/** What the locks whose lines were not kept add to a report: their counts, and how many were stale and quiet. */
export type FoldedLocks = {
  readonly locks: number;
  /** Their share of the report's counts (every field but `errors` from tables and run-level failures). */
  readonly counts: RunCounts;
  /** Stale locks among them (none is news): the message's "alerted earlier, not repeated". */
  readonly quiet: number;
};

/**
 * Whether a lock's lines may be left out of a report that keeps only what is needed later: none of its lines is
 * news (a message names it, the memory remembers it as alerted) or waits on the message's delivery (`unsent`).
 */
export function foldable(lines: readonly LockLine[]): boolean {
  return !lines.some((l) => l.notify || l.outcome === 'unsent');
}

/**
 * `folded` with one more lock's lines (both lines of a double lock together): the tally a run keeps is added to
 * in place (a new one when there is none), since a run folds every lock it does not keep, tens of thousands.
 */
export function foldLock(folded: FoldedLocks | undefined, lines: readonly LockLine[]): FoldedLocks {
  const tally: { -readonly [K in keyof FoldedLocks]: FoldedLocks[K] } = folded ?? {
    locks: 0,
    counts: noCounts(),
    quiet: 0,
  };
  tally.locks++;
  countLock(tally.counts, lines);
  if (lines.some((l) => l.decision !== 'keep')) tally.quiet++;
  return tally;
}

function addCounts(a: RunCounts, b: RunCounts): RunCounts {
  const sum = { ...a };
  for (const k of Object.keys(b) as (keyof RunCounts)[]) sum[k] += b[k];
  return sum;
}

/** The counts of a run that found nothing. */
export function noCounts(): RunCounts {
  return {
    locks: 0,
    stale: 0,
    alerted: 0,
    alertedEarlier: 0,
    unsent: 0,
    deleted: 0,
    changed: 0,
    skipped: 0,
    errors: 0,
  };
}

/**
 * Counts derived from a report; `errors` = failed tables and buckets + failed deletes + run-level failures. The
 * two lines of a double lock count as one lock, by its most telling outcome (a failed half, else a kept one).
 */
export function countRun(
  tables: readonly Pick<TableReport, 'error'>[],
  locks: readonly LockLine[],
  failures: readonly RunFailure[] = [],
): RunCounts {
  const counts = noCounts();
  // A single line is counted as it comes (no group is kept for it); a double lock's lines once both are in.
  const doubles = new Map<string, LockLine[]>();
  for (const lock of locks) {
    if (!lock.double) {
      countLock(counts, [lock]);
      continue;
    }
    const key = doubleKey(lock);
    const group = doubles.get(key);
    if (group) group.push(lock);
    else doubles.set(key, [lock]);
  }
  for (const lines of doubles.values()) countLock(counts, lines);
  counts.errors += tables.filter((t) => t.error !== undefined).length + failures.length;
  return counts;
}

/** Adds one lock (its lines) to `counts`. */
function countLock(counts: RunCounts, lines: readonly LockLine[]): void {
  counts.locks++;
  if (lines.some((l) => l.decision !== 'keep')) counts.stale++;
  const outcome =
    lines.length === 1
      ? lines[0].outcome
      : (OUTCOME_ORDER.find((o) => lines.some((l) => l.outcome === o)) ?? lines[0].outcome);
  if (outcome === 'alerted') counts.alerted++;
  else if (outcome === 'alerted-earlier') counts.alertedEarlier++;
  else if (outcome === 'unsent') counts.unsent++;
  else if (outcome === 'deleted') counts.deleted++;
  // `gone` is not counted as a deletion: the janitor cannot tell whether it deleted the lock.
  else if (outcome === 'changed' || outcome === 'gone') counts.changed++;
  else if (outcome === 'skipped') counts.skipped++;
  // Each failed half is a failed delete: the lock is still held there.
  for (const l of lines) if (l.outcome === 'failed') counts.errors++;
}

/** What the two lines of a double lock share: the region, the state's LockID and the lock's ID. */
function doubleKey(lock: LockLine): string {
  return JSON.stringify([lock.region, lock.lockId, lock.id]);
}

/** Which outcome a lock held in two places is counted by: the most cautious that any of its halves had. */
const OUTCOME_ORDER: readonly Outcome[] = [
  'failed',
  'kept',
  'changed',
  'gone',
  'skipped',
  'unsent',
  'alerted-earlier',
  'alerted',
  'deleted',
];

/**
 * The report's lines grouped by lock: one group per lock, both lines of a double lock together (they share the
 * region, the state's LockID and the lock's ID), in report order.
 */
export function perLock<T extends LockLine>(locks: readonly T[]): T[][] {
  const groups: T[][] = [];
  const doubles = new Map<string, T[]>();
  for (const lock of locks) {
    if (!lock.double) {
      groups.push([lock]);
      continue;
    }
    const key = doubleKey(lock);
    const group = doubles.get(key);
    if (group) group.push(lock);
    else {
      const fresh = [lock];
      doubles.set(key, fresh);
      groups.push(fresh);
    }
  }
  return groups;
}

/** A line's outcome once the run's message went out or did not: `unsent` becomes `alerted` when it was published. */
export function deliveredOutcome(outcome: Outcome, sent: boolean): Outcome {
  return sent && outcome === 'unsent' ? 'alerted' : outcome;
}

/**
 * The locks once the run's message went out or did not (see `deliveredOutcome`); a line left `unsent` by a failed
 * publish says why in its reason. Only the `unsent` lines are copied.
 */
export function afterDelivery(
  locks: readonly LockReport[],
  delivery: { readonly sent: boolean; readonly why?: string },
): LockReport[] {
  return locks.map((lock) => {
    if (lock.outcome !== 'unsent') return lock;
    if (delivery.sent) return { ...lock, outcome: deliveredOutcome(lock.outcome, true) };
    return delivery.why ? { ...lock, reason: `${lock.reason}; not alerted: ${delivery.why}` } : lock;
  });
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
  // A lock's lines are all whole, all brief or all folded: each part is counted on its own.
  const counts = [
    countRun(places, results.locks, results.failures),
    ...(results.brief ? [countRun([], results.brief)] : []),
    ...(results.folded ? [results.folded.counts] : []),
  ];
  return {
    ...results,
    couldNotRead: unreadOf(results.tables, results.buckets, results.failures),
    counts: counts.reduce(addCounts),
  };
}
