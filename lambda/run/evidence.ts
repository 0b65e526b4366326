// Run: gathers the evidence of life the policy asks for: what each lock store offers (state digests), the holders' hosts.
import { describeError } from '../core/errors';
import type { Holder } from '../core/evidence';
import type { RunFailure } from '../core/failure';
import { type LockHalf, lockOf } from '../core/lock-half';
import type { SweepOptions } from './options';
import type { Sources } from './sources';

/**
 * The holder of each lock (by its first half: a double lock holds the same `Who` in both), in one call of the
 * shell's host check; undefined for all when `evidence.ec2Hosts` is off or no check is wired. A call that fails
 * leaves every holder `unknown` (never gone), and each region whose check failed is added to `unread` once.
 */
export async function holdersOf(
  opts: SweepOptions,
  locks: readonly (readonly LockHalf[])[],
  unread: RunFailure[] = [],
): Promise<(Holder | undefined)[]> {
  const check = opts.holders;
  if (!opts.policy.evidence.ec2Hosts || !check || locks.length === 0) return locks.map(() => undefined);
  const queries = locks.map(([half]) => ({ region: half.region, who: lockOf(half).info.Who }));
  let holders: Holder[];
  try {
    const found = await check(queries);
    holders = queries.map((_, i) => found[i] ?? unchecked('the host check gave no answer'));
  } catch (e) {
    const problem = `the host check failed: ${describeError(e)}`;
    opts.logger?.warn({ problem }, 'host check failed');
    holders = queries.map(() => unchecked(problem));
  }
  holders.forEach((holder, i) => {
    if (holder.unread === undefined) return;
    const { region } = queries[i];
    const message = `the EC2 holder check in ${region} could not be read: ${holder.unread}; those locks' holders are unknown (never taken as gone)`;
    if (!unread.some((f) => f.message === message))
      unread.push({ kind: 'evidence', region, table: 'EC2 holder check', message });
  });
  return holders;
}

function unchecked(problem: string): Holder {
  return { outcome: 'unknown', reason: `host not checked (${problem})`, unread: problem };
}

/**
 * Each lock's halves with the evidence every store offers (a lock item's state digest), read for a page at once;
 * what could not be read is added to `unread`. Never throws.
 */
export async function withEvidence(
  sources: Sources,
  locks: readonly (readonly LockHalf[])[],
  unread: RunFailure[] = [],
): Promise<LockHalf[][]> {
  let found = locks.map((halves) => [...halves]);
  for (const source of sources.all) found = await source.withEvidence(found, unread);
  return found;
}
