// Run: how many places are read at once in each region: a small semaphore per region and kind of place.

/** Places read at once in each region when neither the policy nor the caller says. @see SweepOptions.concurrency */
export const DEFAULT_CONCURRENCY = 16;

/**
 * Runs tasks with at most `limit` of them in flight per key (a region, and the kind of place: tables and
 * buckets have separate slots, so a table waiting for a bucket's lockfiles never holds the slot that bucket
 * needs). Tasks start in the order they are queued.
 */
export class RegionPools {
  private readonly running = new Map<string, number>();
  private readonly queued = new Map<string, (() => void)[]>();

  constructor(private readonly limit: number) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    if ((this.running.get(key) ?? 0) >= this.limit) {
      await new Promise<void>((resolve) => {
        const queue = this.queued.get(key) ?? [];
        queue.push(resolve);
        this.queued.set(key, queue);
      });
    } else this.running.set(key, (this.running.get(key) ?? 0) + 1);
    try {
      return await task();
    } finally {
      const next = this.queued.get(key)?.shift();
      // The slot passes straight to the next task; otherwise it is freed.
      if (next) next();
      else this.running.set(key, (this.running.get(key) ?? 1) - 1);
    }
  }
}
