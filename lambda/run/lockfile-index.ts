// Run: the parked halves read this run (lockfiles), by lock, so a lock item finds its other half and a double lock is judged once.
import { type LockHalf, lockOf } from '../core/lock-half';
import { beforeDeadline, type Deadline } from './deadline';

/**
 * The lockfile halves of this run, keyed by LockID and lock ID (a double lock holds the same LockInfo in both
 * places; the same LockID with another ID is another lock), filled while tables are read at the same time.
 * A lock item's LockID is `<bucket>/<state path>`, so only a lockfile of that bucket can be its other half:
 * `take` waits while that bucket is still being read (and while the run does not yet know which buckets it
 * reads), never past the caller's deadline, then hands the half over once. `rest` is every lockfile no lock
 * item took: single locks (mixed fleets), judged on their own.
 */
export class LockfileIndex {
  private readonly halves = new Map<string, LockHalf>();
  private readonly reading = new Map<string, Promise<void>>();
  private readonly finish = new Map<string, () => void>();
  private known: Promise<void> = Promise.resolve();
  private discovered = true;
  /** One wait per deadline and awaited read, shared by every lock item waiting on it (a page may hold thousands). */
  private readonly waits = new WeakMap<Deadline, Map<Promise<void>, Promise<void>>>();

  /** @param halves lockfiles already read in full (their buckets need no waiting). */
  constructor(halves: readonly LockHalf[] = []) {
    this.add(halves);
  }

  /** The buckets to read will be known when `discovery` settles: until then a lock item may have to wait. */
  discovering(discovery: Promise<unknown>): void {
    this.discovered = false;
    this.known = Promise.all([this.known, discovery]).then(
      () => {
        this.discovered = true;
      },
      () => {
        this.discovered = true;
      },
    );
  }

  /**
   * True while `bucket` (without one: any bucket) may still be read this run: the buckets to read are not known
   * yet, or it is being read.
   * A lock item that went on alone then (its wait ran out) may have its other half there.
   */
  unsettled(bucket?: string): boolean {
    return !this.discovered || (bucket === undefined ? this.finish.size > 0 : this.finish.has(bucket));
  }

  /** `bucket` is being read: a lock item of its LockID waits for `read` (below) before it is judged. */
  reads(bucket: string): void {
    if (this.reading.has(bucket)) return;
    this.reading.set(bucket, new Promise<void>((resolve) => this.finish.set(bucket, resolve)));
  }

  /** `bucket`'s read ended (in full or not) with these lockfile halves. */
  read(bucket: string, halves: readonly LockHalf[]): void {
    this.add(halves);
    this.finish.get(bucket)?.();
    this.finish.delete(bucket);
  }

  /**
   * Each lock item of a page with its lockfile half, if any (see `take`): without waiting, and without a promise a
   * lock, when no bucket can still be read (a run without buckets, or after every bucket's read).
   */
  async pair(items: readonly LockHalf[], deadline?: Deadline): Promise<LockHalf[][]> {
    const paired = (half: LockHalf, other: LockHalf | undefined) => (other ? [half, other] : [half]);
    if (!deadline || (this.discovered && this.finish.size === 0))
      return items.map((half) => {
        const { lockId, info } = lockOf(half);
        return paired(half, this.takeNow(lockId, info.ID));
      });
    return Promise.all(
      items.map(async (half) => {
        const { lockId, info } = lockOf(half);
        return paired(half, await this.take(lockId, info.ID, deadline));
      }),
    );
  }

  /**
   * The lockfile half of this lock, once the bucket it would be in is read (or the deadline passed: then the
   * lock item goes on alone, and a half read later is judged on its own).
   */
  async take(lockId: string, id: string, deadline?: Deadline): Promise<LockHalf | undefined> {
    const bucket = lockId.slice(0, Math.max(0, lockId.indexOf('/')));
    try {
      if (deadline) {
        if (!this.discovered) await this.wait(this.known, deadline);
        const pending = this.finish.has(bucket) ? this.reading.get(bucket) : undefined;
        if (pending) await this.wait(pending, deadline);
      }
    } catch {
      // Out of time: pair with what has been read.
    }
    return this.takeNow(lockId, id);
  }

  /** `awaited` within `deadline`, one wait (one timer, one abort listener) however many lock items share it. */
  private wait(awaited: Promise<void>, deadline: Deadline): Promise<void> {
    let byAwaited = this.waits.get(deadline);
    if (!byAwaited) {
      byAwaited = new Map();
      this.waits.set(deadline, byAwaited);
    }
    let waiting = byAwaited.get(awaited);
    if (!waiting) {
      waiting = beforeDeadline(awaited, deadline);
      waiting.catch(() => undefined);
      byAwaited.set(awaited, waiting);
    }
    return waiting;
  }

  /** The half if it has been read, without waiting. */
  takeNow(lockId: string, id: string): LockHalf | undefined {
    if (this.halves.size === 0) return undefined;
    const key = keyOf(lockId, id);
    const half = this.halves.get(key);
    this.halves.delete(key);
    return half;
  }

  rest(): LockHalf[] {
    return [...this.halves.values()];
  }

  private add(halves: readonly LockHalf[]): void {
    for (const half of halves) {
      const { lockId, info } = lockOf(half);
      this.halves.set(keyOf(lockId, info.ID), half);
    }
  }
}

const keyOf = (lockId: string, id: string): string => JSON.stringify([lockId, id]);
