// Run: gathers the evidence of life the policy asks for: the state's digest of a lock item, the holders' hosts.
import { describeError } from '../core/errors';
import type { Holder } from '../core/evidence';
import { type LockHalf, lockOf } from '../core/lock-half';
import type { SweepOptions } from './options';

/** Terraform's digest item for a state: the lock's LockID followed by `-md5` (s3 backend `stateIDSuffix`). */
export const DIGEST_SUFFIX = '-md5';

/**
 * The holder of each lock (by its first half: a double lock holds the same `Who` in both), in one call of the
 * shell's host check; undefined for all when `evidence.ec2Hosts` is off or no check is wired. A call that fails
 * leaves every holder `unknown`: never gone.
 */
export async function holdersOf(
  opts: SweepOptions,
  locks: readonly (readonly LockHalf[])[],
): Promise<(Holder | undefined)[]> {
  const check = opts.holders;
  if (!opts.policy.evidence.ec2Hosts || !check || locks.length === 0) return locks.map(() => undefined);
  const queries = locks.map(([half]) => ({ region: half.region, who: lockOf(half).info.Who }));
  try {
    const found = await check(queries);
    return queries.map((_, i) => found[i] ?? unchecked('the host check gave no answer'));
  } catch (e) {
    const problem = `the host check failed: ${describeError(e)}`;
    opts.logger?.warn({ problem }, 'host check failed');
    return queries.map(() => unchecked(problem));
  }
}

function unchecked(problem: string): Holder {
  return { outcome: 'unknown', reason: `host not checked (${problem})` };
}

/**
 * The lock's halves with the state's digest on its lock-table half, read with one consistent GetItem of
 * `<LockID>-md5` when `evidence.stateWrites` is on. A digest that cannot be read is left out (logged): the
 * sighting then keeps the write it remembers, and the lock is judged from what is known.
 */
export async function withDigest(opts: SweepOptions, halves: readonly LockHalf[]): Promise<LockHalf[]> {
  const [first, ...rest] = halves;
  if (!opts.policy.evidence.stateWrites || first.store !== 'dynamodb') return [...halves];
  const digestId = `${first.item.lockId}${DIGEST_SUFFIX}`;
  try {
    const item = await opts.lockStores(first.region).getItem(first.table, digestId);
    const digest = (item?.Digest as { S?: unknown } | undefined)?.S;
    return typeof digest === 'string' ? [{ ...first, digest }, ...rest] : [...halves];
  } catch (e) {
    const problem = `could not read the state digest ${digestId}: ${describeError(e)}`;
    opts.logger?.warn({ region: first.region, table: first.table, problem }, 'state digest unread');
    return [...halves];
  }
}
