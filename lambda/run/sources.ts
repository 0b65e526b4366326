// Run: the registration of every lock store the janitor reads, as the LockSources of one run or one release.
import { BucketSource } from '../adapters/lockfile-source';
import { TableSource } from '../adapters/table-source';
import { JanitorError } from '../core/errors';
import type { LockHalf } from '../core/lock-half';
import type { LockSource } from '../core/lock-source';
import type { StoreKind } from '../core/place';
import type { SweepOptions } from './options';

/** The lock stores of one run, in the order their places are reported. */
export type Sources = {
  readonly all: readonly LockSource[];
  /** The source of a kind of place; undefined when the run has no access to that store. */
  of(store: StoreKind): LockSource | undefined;
  /** The source that holds the half (it was read through it). */
  holding(half: LockHalf): LockSource;
};

/** What the sources are made from: the shell's stores per region, the policy and the run's regions. */
export type SourceOptions = Pick<
  SweepOptions,
  'policy' | 'regions' | 'lockStores' | 'lockfileStores' | 'logger'
> &
  Partial<Pick<SweepOptions, 'state'>>;

/**
 * Every lock store of the run: the lock tables always, the state buckets when the shell gave S3 access. A new
 * store registers here (one line), beside its adapter.
 */
export function sourcesOf(opts: SourceOptions): Sources {
  const { stateWrites } = opts.policy.evidence;
  const all: LockSource[] = [
    new TableSource({ ...opts, digests: stateWrites && !opts.state?.singleRun }),
    ...(opts.lockfileStores ? [new BucketSource({ ...opts, lockfileStores: opts.lockfileStores })] : []),
  ];
  const of = (store: StoreKind) => all.find((s) => s.store === store);
  return {
    all,
    of,
    holding: (half) => {
      const source = of(half.store);
      if (!source) throw new JanitorError(`no access to the ${half.store} store in ${half.region}`);
      return source;
    },
  };
}
