// Run: the lockfiles read this run, by lock, so a lock item finds its other half and a double lock is judged once.
import type { LockfileHalf } from '../core/lock-half';

/**
 * The lockfile halves of this run, keyed by LockID and lock ID (a double lock holds the same LockInfo in both
 * places; the same LockID with another ID is another lock). `take` hands a half to the lock item that pairs with
 * it, once; `rest` is every lockfile no lock item took: single locks (mixed fleets), judged on their own.
 */
export class LockfileIndex {
  private readonly halves = new Map<string, LockfileHalf>();

  constructor(halves: readonly LockfileHalf[]) {
    for (const half of halves) this.halves.set(keyOf(half.lockfile.lockId, half.lockfile.info.ID), half);
  }

  take(lockId: string, id: string): LockfileHalf | undefined {
    const key = keyOf(lockId, id);
    const half = this.halves.get(key);
    this.halves.delete(key);
    return half;
  }

  rest(): LockfileHalf[] {
    return [...this.halves.values()];
  }
}

const keyOf = (lockId: string, id: string): string => JSON.stringify([lockId, id]);
