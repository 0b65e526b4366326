// Run: the places this run knows of but did not read in full, where a lone half's other half may be.
import { describeError } from '../core/errors';
import type { LockHalf } from '../core/lock-half';
import { classifyItem } from '../core/lock-item';
import { classifyLockfile } from '../core/lockfile';
import type { LockfileIndex } from './lockfile-index';
import type { SweepOptions } from './options';

/**
 * A lock found in one place only is judged alone, unless its other half may be in a place the janitor did not
 * read in full this run (opted out, failed, not reached, read in part): deleting that half alone would leave the
 * other half held (Terraform's unlock then fails) and may take a live lock's half. Such a place is asked about
 * that one lock (one consistent GetItem or GetObject: nothing there is judged or changed); a half found there, or
 * a place that cannot say, keeps the lone half from being deleted. Lives one run.
 */
export class UnreadPlaces {
  private readonly buckets = new Map<string, string>();
  private readonly tables = new Map<string, Map<string, string>>();
  private readonly unlistedRegions = new Map<string, string>();
  private bucketsUnlisted?: string;

  /** @param lockfiles this run's lockfile index: a bucket it is still reading is not read in full yet. */
  constructor(
    private readonly opts: Pick<SweepOptions, 'policy' | 'lockStores' | 'lockfileStores'>,
    private readonly lockfiles?: Pick<LockfileIndex, 'unsettled'>,
  ) {}

  /** A bucket not read in full this run, and why (`*`: the bucket listing failed). */
  bucket(name: string, why: string): void {
    if (name === '*') this.bucketsUnlisted = why;
    else this.buckets.set(name, why);
  }

  /** A lock table not read in full this run, and why (`*`: the region's tables could not be listed). */
  table(region: string, name: string, why: string): void {
    if (name === '*') {
      this.unlistedRegions.set(region, why);
      return;
    }
    const inRegion = this.tables.get(region) ?? new Map<string, string>();
    inRegion.set(name, why);
    this.tables.set(region, inRegion);
  }

  /** Why the lone half must not be deleted alone (its other half is, or may be, unread); undefined: it stands alone. */
  async partnerUnread(half: LockHalf): Promise<string | undefined> {
    return half.store === 's3' ? this.itemHalf(half) : this.lockfileHalf(half);
  }

  private async itemHalf(half: Extract<LockHalf, { store: 's3' }>): Promise<string | undefined> {
    const unlisted = this.unlistedRegions.get(half.region);
    if (unlisted)
      return `the lock tables of ${half.region} could not be listed (${unlisted}) to look for its other half`;
    const { lockId, info } = half.lockfile;
    for (const [table, why] of this.tables.get(half.region) ?? []) {
      try {
        const raw = await this.opts.lockStores(half.region).getItem(table, lockId);
        const item = raw && classifyItem(raw);
        if (item?.kind === 'lock' && item.info.ID === info.ID)
          return `its other half is in lock table ${table}, which was not read this run (${why})`;
      } catch (e) {
        return `lock table ${table} (${why}) could not be asked for its other half: ${describeError(e)}`;
      }
    }
    return undefined;
  }

  private async lockfileHalf(half: Extract<LockHalf, { store: 'dynamodb' }>): Promise<string | undefined> {
    const { lockId, info } = half.item;
    const slash = lockId.indexOf('/');
    if (slash < 1) return undefined;
    const bucket = lockId.slice(0, slash);
    const selected = this.opts.policy.buckets.include.some((g) => g.test(bucket));
    if (selected && this.lockfiles?.unsettled(bucket))
      return `its state bucket ${bucket} was not read in full before this lock's time ran out, and may hold its other half`;
    const why = this.buckets.get(bucket);
    if (why === undefined) {
      return this.bucketsUnlisted && selected
        ? `the state buckets could not be listed (${this.bucketsUnlisted}) to look for its lockfile half`
        : undefined;
    }
    const key = `${lockId.slice(slash + 1)}.tflock`;
    try {
      const store = this.opts.lockfileStores?.(half.region);
      if (!store) return `its state bucket ${bucket} was not read this run (${why})`;
      const read = await store.readLockfile(bucket, key);
      if (read.kind === 'missing') return undefined;
      const listed = { key, etag: '', lastModifiedMs: undefined, size: undefined };
      const lockfile = classifyLockfile(bucket, listed, read);
      if (lockfile.kind === 'lock' && lockfile.info.ID !== info.ID) return undefined;
      return `its lockfile half may be s3://${bucket}/${key}, which was not read this run (${why})`;
    } catch (e) {
      return `its state bucket ${bucket} (${why}) could not be asked for its lockfile half: ${describeError(e)}`;
    }
  }
}
