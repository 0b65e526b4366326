// Run: what one sweep needs from its shell (policy, stores, clock, logger).
import type { Holder } from '../core/evidence';
import type { LockfileStore } from '../core/lockfile-port';
import type { RenderOptions } from '../core/message/sns';
import type { Policy } from '../core/policy';
import type { JanitorLogger, LockStore, Notifier, StateStore } from '../core/ports';
import type { LockReport } from '../core/report';

export type { JanitorLogger } from '../core/ports';

/** Everything one sweep needs; the shell (Lambda handler or CLI) builds it. */
export type SweepOptions = {
  readonly policy: Policy;
  readonly regions: readonly string[];
  /** The lock store of a region (one DynamoDB client each). */
  readonly lockStores: (region: string) => LockStore;
  /** The lockfile store of a region (one S3 client each); needed only when the policy names buckets. */
  readonly lockfileStores?: (region: string) => LockfileStore;
  /**
   * The holder host check (an `Ec2HostDirectory` made for this run): the holder of each lock, in order, from its
   * region and `Who`. Called once per page of locks, only when the policy's `evidence.ec2Hosts` is on; it should
   * remember its answers for the run, so a host is asked about once. A failure leaves every holder `unknown`.
   */
  readonly holders?: (
    locks: readonly { readonly region: string; readonly who: string }[],
  ) => Promise<Holder[]>;
  /** The janitor's memory; `MemoryStateStore` when no state table is configured. */
  readonly state: StateStore;
  /** Told once at the end of the run when there is news; omitted = nobody is told. */
  readonly notifier?: Notifier;
  /** How messages show the release (the Lambda passes its own name and region for `aws lambda invoke`). */
  readonly render?: RenderOptions;
  /** The run's clock: every lock is judged against this instant. */
  readonly now: Date;
  /**
   * The time now, for what the run records as it goes (a lock's sighting is recorded at the time it is made).
   * @default the run's `now`
   */
  readonly clock?: () => number;
  readonly runId: string;
  readonly logger?: JanitorLogger;
  /** Milliseconds left before the caller must stop (the Lambda's remaining time); omitted = no limit. */
  readonly remainingMs?: () => number;
  /** Aborted when the run must wrap up now (SIGINT/SIGTERM in the CLI, the Lambda deadline): reads stop at once. */
  readonly signal?: AbortSignal;
  /**
   * Aborted when the AWS calls still in flight must be abandoned (the CLI a moment after Ctrl-C, the Lambda just
   * before its deadline): every AWS call of the run carries it, retries included. Omitted: calls end by their
   * own timeouts. Unlike `signal`, which only stops reading, this also cuts the run's last writes short.
   */
  readonly callSignal?: AbortSignal;
  /** How long one place (table) may be read before it is left for the next run. @default 120000 */
  readonly placeBudgetMs?: number;
  /**
   * Places read at once in each region: lock tables, and state buckets in slots of their own (a table waiting for
   * its lockfiles never holds a bucket's slot). @default the policy's `concurrency`, else 16
   */
  readonly concurrency?: number;
  /**
   * Which lock lines the report keeps: `all` (the CLI's table prints them), `news`: only the lines a message or
   * the janitor's memory needs; the others are logged as they are decided ("lock judged") and only counted, so the
   * run's memory stays flat in locks (the Lambda); or `{ stream }`: each lock's lines are handed to `stream` as
   * they are decided, once nothing later can change them (every lock when no message goes out; else every lock
   * that is not news), and only counted; the others stay in the report (the CLI's `--json` and `--output tsv`).
   * @default 'all'
   */
  readonly lines?: 'all' | 'news' | { readonly stream: LineSink };
};

/**
 * Takes one page's decided locks (each lock's lines together: both halves of a double lock), in the order they
 * were decided. The run awaits it before it reads on, so a slow reader slows the run instead of piling lines up.
 */
export type LineSink = (locks: readonly (readonly LockReport[])[]) => Promise<void>;
