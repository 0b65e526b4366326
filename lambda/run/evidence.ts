// Run: gathers the evidence of life the policy asks for: the state's digest of a lock item, the holders' hosts.
import { describeError } from '../core/errors';
import type { Holder } from '../core/evidence';
import type { RunFailure } from '../core/failure';
import { type LockHalf, lockOf } from '../core/lock-half';
import type { SweepOptions } from './options';

/** Terraform's digest item for a state: the lock's LockID followed by `-md5` (s3 backend `stateIDSuffix`). */
export const DIGEST_SUFFIX = '-md5';

/** DynamoDB refuses a partition key longer than this many bytes (and with it the whole BatchGetItem). */
export const MAX_KEY_BYTES = 2048;

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
 * Each lock's halves with the state's digest on its lock-table half, when `evidence.stateWrites` is on and the
 * state store outlives the run (a digest is only ever compared with a later sighting's). The page's digests
 * (`<LockID>-md5`) are read together: one consistent BatchGetItem per table and 100 locks. Digests that cannot
 * be read are left out (logged, and added to `unread`): each sighting then keeps the write it remembers, and the
 * lock is judged from what is known. A digest key DynamoDB would refuse (a LockID of more than 2,044 bytes) is
 * not asked for: that lock's state writes are unknown (logged), and its neighbours' digests are read as usual.
 */
export async function withDigests(
  opts: SweepOptions,
  locks: readonly (readonly LockHalf[])[],
  unread: RunFailure[] = [],
): Promise<LockHalf[][]> {
  if (!opts.policy.evidence.stateWrites || opts.state.singleRun) return locks.map((halves) => [...halves]);
  const wanted = locks.filter(([first]) => readable(opts, first, unread));
  if (wanted.length === 0) return locks.map((halves) => [...halves]);
  const digests = new Map<string, string>();
  for (const { region, table, ids } of digestIdsByTable(wanted)) {
    try {
      for (const [id, item] of await opts.lockStores(region).getItems(table, ids)) {
        const digest = (item.Digest as { S?: unknown } | undefined)?.S;
        if (typeof digest === 'string') digests.set(digestKey(region, table, id), digest);
      }
    } catch (e) {
      const problem = `could not read ${ids.length} state digests: ${describeError(e)}`;
      opts.logger?.warn({ region, table, problem }, 'state digests unread');
      const message = `the state digests in ${table} could not be read: ${describeError(e)}; state writes of its locks are unknown`;
      if (!unread.some((f) => f.message === message))
        unread.push({ kind: 'evidence', region, table, message });
    }
  }
  return locks.map(([first, ...rest]) => {
    if (first.store !== 'dynamodb') return [first, ...rest];
    const digest = digests.get(digestKey(first.region, first.table, digestIdOf(first.item.lockId)));
    return digest === undefined ? [first, ...rest] : [{ ...first, digest }, ...rest];
  });
}

/** Whether the half's digest key is one DynamoDB accepts; logs the one it would refuse. */
function readable(opts: SweepOptions, half: LockHalf, unread: RunFailure[]): boolean {
  if (half.store !== 'dynamodb') return false;
  const bytes = Buffer.byteLength(digestIdOf(half.item.lockId), 'utf8');
  if (bytes <= MAX_KEY_BYTES) return true;
  const problem = `its state digest key is ${bytes} bytes, longer than the 2,048 bytes DynamoDB allows in a key: not read, so its state writes are unknown`;
  opts.logger?.warn(
    { region: half.region, table: half.table, lockId: half.item.lockId, problem },
    'state digest unread',
  );
  unread.push({
    kind: 'evidence',
    region: half.region,
    table: half.table,
    message: `the state digest of one lock in ${half.table} could not be read: ${problem}`,
    fix: 'nothing to fix in the janitor: that lock is judged by its age alone',
  });
  return false;
}

type TableDigests = { readonly region: string; readonly table: string; readonly ids: string[] };

/** The digest IDs to read, by table (a page holds one table's locks, but nothing here relies on it). */
function digestIdsByTable(locks: readonly (readonly LockHalf[])[]): TableDigests[] {
  const byTable = new Map<string, TableDigests>();
  for (const [first] of locks) {
    if (first.store !== 'dynamodb') continue;
    const key = JSON.stringify([first.region, first.table]);
    const entry = byTable.get(key) ?? { region: first.region, table: first.table, ids: [] };
    byTable.set(key, entry);
    entry.ids.push(digestIdOf(first.item.lockId));
  }
  return [...byTable.values()];
}

function digestIdOf(lockId: string): string {
  return `${lockId}${DIGEST_SUFFIX}`;
}

function digestKey(region: string, table: string, digestId: string): string {
  return JSON.stringify([region, table, digestId]);
}
