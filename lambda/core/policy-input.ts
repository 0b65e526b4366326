// Core: the policy as people write it (JSON, or an object in a CDK app), documented key by key.
/** The ceiling on what a run may do: `report` logs only, `alert` also notifies, `delete` may also delete. */
export const MODES = ['report', 'alert', 'delete'] as const;
export type Mode = (typeof MODES)[number];

/**
 * The policy (README "The policy"). Every key is optional; unknown keys are rejected. Durations are a whole
 * number and a unit: `90s`, `30m`, `4h`, `7d`. Globs are shell-style: `*`, `?`, `[a-z]`, `[!x]`.
 */
export interface PolicyInput {
  /** The ceiling on what a run may do. @default "alert" */
  readonly mode?: Mode;
  /** The regions to sweep, such as `["eu-west-1"]`. @default the Lambda's own region */
  readonly regions?: string[];
  /** Which lock tables to sweep. @default every lock table, none opted out */
  readonly tables?: TablesInput;
  /** Which state buckets' lockfiles to audit. @default none */
  readonly buckets?: BucketsInput;
  /**
   * Ordered rules, first match wins; the last must be a catch-all (`"match": {}`), and no rule may be
   * unreachable (after a catch-all, or matching exactly what an earlier rule matches).
   * @default [{ "name": "default", "match": {}, "alertAfter": "4h" }]
   */
  readonly rules?: RuleInput[];
  /** Which signs of life count besides a lock's age. @default { "stateWrites": true, "ec2Hosts": false } */
  readonly evidence?: EvidenceInput;
  /** A lock is deleted only after this many runs saw the same lock (1 to 1000). @default 2 */
  readonly minSightings?: number;
  /**
   * Runs count as separate sightings only when at least this far apart, so two invocations a second apart
   * are one sighting. At least `5m` unless `allowShortDurations`. @default "5m"
   */
  readonly sightingGap?: string;
  /** At most this many deletions per run (0 to 10000). @default 10 */
  readonly maxDeletionsPerRun?: number;
  /**
   * Places (lock tables; and, separately, state buckets) read at once in each region (1 to 64). Each place is a
   * few round trips apart, so far regions want more. @default 16
   */
  readonly concurrency?: number;
  /** A stale lock already alerted on is not alerted on again before this. @default "24h" */
  readonly realertAfter?: string;
  /**
   * Allows `deleteAfter`, `deleteWhenHolderGone` and `sightingGap` shorter than 5 minutes: for tests and demos only, since a lock
   * that young may belong to a run still working. @default false
   */
  readonly allowShortDurations?: boolean;
}

/** Which lock tables a run sweeps: by name globs, and an opt-out tag. */
export interface TablesInput {
  /** Table name globs to sweep. @default ["*"] */
  readonly include?: string[];
  /** Table name globs never to sweep, even when included. @default [] */
  readonly exclude?: string[];
  /**
   * A table with this tag (any value but "false") is never swept; a table whose tags cannot be read is skipped
   * (fail closed). `false` turns the check off, for servers without tagging (DynamoDB Local).
   * @default "tf-lock-janitor:ignore"
   */
  readonly optOutTag?: string | false;
}

/** Which state buckets' `.tflock` lockfiles a run audits (S3 native locking, `use_lockfile`). */
export interface BucketsInput {
  /** Bucket name globs to audit. @default [] (no buckets: S3 is not touched) */
  readonly include?: string[];
  /** Bucket name globs never to audit, even when included. @default [] */
  readonly exclude?: string[];
  /** A bucket with this tag is never audited; one whose tags cannot be read is skipped. @default "tf-lock-janitor:ignore" */
  readonly optOutTag?: string | false;
}

/** One rule: which locks it matches, and when they are alerted on or deleted. */
export interface RuleInput {
  /** Shown in reports and alerts; unique within the policy. */
  readonly name: string;
  /** Match fields are ANDed; each is a glob or a list of globs (ORed). @default {} (a catch-all) */
  readonly match?: RuleMatchInput;
  /** Alert on a lock this old. @default never (or at deleteAfter) */
  readonly alertAfter?: string;
  /** Delete a lock this old (at least alertAfter, and at least `5m` unless `allowShortDurations`). @default never */
  readonly deleteAfter?: string;
  /**
   * Delete a lock this old whose holder's EC2 host is gone (terminated, stopped, or no such instance), even
   * before `deleteAfter`; needs `evidence.ec2Hosts`. At most `deleteAfter` when both are set, and at least `5m`
   * unless `allowShortDurations`. @default never
   */
  readonly deleteWhenHolderGone?: string;
}

/** Signs of life that make a lock younger (state writes) or let a rule delete it sooner (a gone EC2 host). */
export interface EvidenceInput {
  /**
   * A state write after the lock was taken (the state's `-md5` digest item changed between sightings, or the
   * state object's S3 `LastModified`) proves the holder was alive then: ages count from the last such write.
   * @default true
   */
  readonly stateWrites?: boolean;
  /**
   * Look up EC2-style holder hosts (`Who` = `user@ip-10-0-12-34`) with `ec2:DescribeInstances`: a host that is
   * gone lets a rule with `deleteWhenHolderGone` delete early. Only for runners in this account and the
   * policy's regions (or whose hostname names its region): a host elsewhere looks gone. @default false
   */
  readonly ec2Hosts?: boolean;
}

/** What a rule matches; every field is optional, and a rule with none matches every lock. */
export interface RuleMatchInput {
  /** The lock table's name. */
  readonly table?: string | string[];
  /** The state's identity `bucket/path` (the DynamoDB `LockID`). */
  readonly lockId?: string | string[];
  /** LockInfo `Operation`, such as `OperationTypePlan`. */
  readonly operation?: string | string[];
  /** LockInfo `Who`, such as `runner@ip-10-0-1-2`. */
  readonly who?: string | string[];
}
