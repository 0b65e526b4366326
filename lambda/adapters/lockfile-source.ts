// Adapter: the S3 state buckets as a LockSource: find the policy's buckets, list and read their lockfiles, delete one guarded.

import { mapBounded } from '../core/bounded';
import { describeError } from '../core/errors';
import type { LockfileHalf, LockHalf } from '../core/lock-half';
import type {
  Discovered,
  FreshHalf,
  HalfPage,
  LockSource,
  PlaceCheck,
  UnreadView,
} from '../core/lock-source';
import { classifyLockfile, isLockfileKey, type LockfileLock } from '../core/lockfile';
import type { LockfileStore } from '../core/lockfile-port';
import {
  isSelected,
  memoryName,
  type ObjectStoreKind,
  type Place,
  type PlaceRules,
  rulesOf,
} from '../core/place';
import type { Policy } from '../core/policy';
import type { DeleteResult, JanitorLogger } from '../core/ports';
import type { BucketReport, UnparseableReport } from '../core/report';

/** Lockfile bodies read at once (each is one small GetObject). */
const READS_AT_ONCE = 8;

/** What the bucket source needs from the run. */
export type BucketSourceOptions = {
  /** The object store its lockfiles are in. @default 's3' */
  readonly kind?: ObjectStoreKind;
  readonly policy: Policy;
  readonly regions: readonly string[];
  readonly lockfileStores: (region: string) => LockfileStore;
  readonly logger?: JanitorLogger;
};

/** A bucket report with nothing read, carrying an error. */
export function emptyBucket(region: string, name: string, error?: string): BucketReport {
  return { region, name, objects: 0, lockfiles: 0, unparseable: 0, ...(error ? { error } : {}) };
}

/** The policy's state buckets of one object store, each read through a client of its own region. */
export class BucketSource implements LockSource {
  readonly store: ObjectStoreKind;
  readonly pairing = 'parks' as const;

  constructor(private readonly opts: BucketSourceOptions) {
    this.store = opts.kind ?? 's3';
  }

  report(place: Place, error?: string): BucketReport {
    return emptyBucket(place.region, place.name, error);
  }

  /**
   * The buckets the policy names (`buckets` globs; none by default, and then S3 is not called at all), each in
   * its own region within the run's regions. A bucket whose region cannot be read is reported (fail closed); one
   * in a region the run does not cover is skipped (a failure when the policy names it outright). Never throws.
   */
  async discover(found: (place: Place) => void): Promise<Discovered> {
    const { policy, regions } = this.opts;
    const globs = rulesOf(policy, this.store);
    if (globs.include.length === 0) return { failures: [], warnings: [], skipped: [] };
    const home = regions[0];
    const directory = this.opts.lockfileStores(home);
    const named: { name: string; region?: string }[] = [];
    const listed = new Set<string>();
    try {
      for await (const b of directory.listBuckets()) {
        listed.add(b.name);
        if (isSelected(b.name, globs)) named.push(b);
      }
    } catch (e) {
      return {
        failures: [emptyBucket(home, '*', `could not list the buckets: ${describeError(e)}`)],
        warnings: [],
        skipped: [],
      };
    }
    const failures: BucketReport[] = [];
    const elsewhere: { name: string; region: string }[] = [];
    await mapBounded(named, 8, async (b) => {
      let region: string;
      try {
        region = b.region ?? (await directory.bucketRegion(b.name));
      } catch (e) {
        failures.push(emptyBucket(home, b.name, `could not find the bucket's region: ${describeError(e)}`));
        return;
      }
      if (regions.includes(region)) found({ store: this.store, region, name: b.name });
      else elsewhere.push({ name: b.name, region });
    });
    const outside = outsideRegions(globs, elsewhere, regions);
    // A bucket named outright that the (account-wide) listing does not show cannot be read: never an all-clear.
    const missing = globs.include
      .map((g) => g.literal)
      .filter((name): name is string => name !== undefined && !listed.has(name))
      .map((name) =>
        emptyBucket(
          home,
          name,
          "not found: the policy names this bucket but the account's bucket list does not show it; check the name, or grant s3:ListAllMyBuckets",
        ),
      );
    return {
      failures: [...failures, ...outside.failures, ...missing],
      warnings: outside.warnings,
      skipped: elsewhere.map(({ name, region }) => ({
        place: { store: this.store, region, name },
        why: `in ${region}, outside this run's regions`,
      })),
    };
  }

  /** Every bucket may hold lockfiles: nothing to ask. */
  async check(): Promise<PlaceCheck> {
    return { kind: 'lock-place' };
  }

  refProblem(key: string): string | undefined {
    return isLockfileKey(key)
      ? undefined
      : `"${key}" is not a lockfile key (a state path followed by .tflock)`;
  }

  tags(place: Place): Promise<Record<string, string>> {
    return this.opts.lockfileStores(place.region).bucketTags(place.name);
  }

  async *pages(place: Place): AsyncIterable<HalfPage> {
    const store = this.opts.lockfileStores(place.region);
    for await (const page of store.listLockfiles(place.name)) {
      const read = await mapBounded(page.lockfiles, READS_AT_ONCE, async (entry) =>
        classifyLockfile(place.name, entry, await store.readLockfile(place.name, entry.key)),
      );
      const halves: LockfileHalf[] = [];
      const unparseable: UnparseableReport[] = [];
      for (const lockfile of read) {
        if (lockfile.kind === 'lock') halves.push(this.half(place, lockfile));
        else if (lockfile.kind === 'unparseable') {
          const { lockId, key, problem, lastModifiedMs } = lockfile;
          const entry = {
            region: place.region,
            table: memoryName(place),
            lockId,
            key,
            ...(lastModifiedMs === undefined ? {} : { lastModified: new Date(lastModifiedMs).toISOString() }),
            problem,
          };
          unparseable.push(entry);
          this.opts.logger?.warn(entry, 'unparseable lockfile');
        }
      }
      yield {
        halves,
        unparseable,
        units: page.objects,
        counts: { objects: page.objects, lockfiles: page.lockfiles.length },
      };
    }
  }

  async readHalf(place: Place, key: string): Promise<FreshHalf> {
    const read = await this.opts.lockfileStores(place.region).readLockfile(place.name, key);
    const listed = { key, etag: '', lastModifiedMs: undefined, size: undefined };
    const lockfile = classifyLockfile(place.name, listed, read);
    if (lockfile.kind === 'gone') return { kind: 'missing' };
    if (lockfile.kind === 'unparseable')
      return { kind: 'not-a-lock', what: `not a readable lock (${lockfile.problem})` };
    return { kind: 'half', half: this.half(place, lockfile) };
  }

  deleteIfUnchanged(half: LockHalf): Promise<DeleteResult> {
    const { region, lockfile } = half as LockfileHalf;
    return this.opts
      .lockfileStores(region)
      .deleteLockfileIfUnchanged(lockfile.bucket, lockfile.key, lockfile.etag);
  }

  /** A listing already gave each lockfile's evidence (the state object's LastModified): nothing more to read. */
  async withEvidence(locks: readonly (readonly LockHalf[])[]): Promise<LockHalf[][]> {
    return locks.map((halves) => [...halves]);
  }

  /**
   * A lock item's LockID is `<bucket>/<state path>`, so only `<state path>.tflock` in that bucket can be its
   * lockfile half: asked (one GetObject) when that bucket was not read in full. Anything there but a lock of
   * another ID keeps the lone half (an unreadable lockfile may be the other half).
   */
  async partnerUnread(
    lock: { readonly lockId: string; readonly id: string; readonly region: string },
    unread: UnreadView,
  ): Promise<string | undefined> {
    const slash = lock.lockId.indexOf('/');
    if (slash < 1) return undefined;
    const bucket = lock.lockId.slice(0, slash);
    const selected = rulesOf(this.opts.policy, this.store).include.some((g) => g.test(bucket));
    if (selected && unread.unsettled(bucket))
      return `its state bucket ${bucket} was not read in full before this lock's time ran out, and may hold its other half`;
    const why = unread.places.find((p) => p.place.name === bucket)?.why;
    if (why === undefined) {
      const unlisted = unread.unlisted.get('*');
      return unlisted && selected
        ? `the state buckets could not be listed (${unlisted}) to look for its lockfile half`
        : undefined;
    }
    const key = `${lock.lockId.slice(slash + 1)}.tflock`;
    try {
      const place = { store: this.store, region: lock.region, name: bucket };
      const read = await this.readHalf(place, key);
      if (read.kind === 'missing') return undefined;
      if (read.kind === 'half' && (read.half as LockfileHalf).lockfile.info.ID !== lock.id) return undefined;
      return `its lockfile half may be ${memoryName(place)}/${key}, which was not read this run (${why})`;
    } catch (e) {
      return `its state bucket ${bucket} (${why}) could not be asked for its lockfile half: ${describeError(e)}`;
    }
  }

  private half(place: Place, lockfile: LockfileLock): LockfileHalf {
    return { store: this.store, region: place.region, lockfile };
  }
}

/**
 * Buckets the globs select in regions the run does not cover are not read: one the policy names outright is a
 * failed bucket (never an all-clear); those a wildcard matched are one warning (a janitor per region is normal).
 */
function outsideRegions(
  globs: PlaceRules,
  elsewhere: readonly { name: string; region: string }[],
  regions: readonly string[],
): { failures: BucketReport[]; warnings: string[] } {
  const named = new Set(globs.include.map((g) => g.literal));
  const covered = regions.join(', ');
  const failures = elsewhere
    .filter((b) => named.has(b.name))
    .map((b) =>
      emptyBucket(
        b.region,
        b.name,
        `not read: it is in ${b.region}, a region this run does not cover (${covered}); add --region ${b.region} or put it in the policy's regions`,
      ),
    );
  const matched = elsewhere.filter((b) => !named.has(b.name));
  const warnings = matched.length
    ? [
        `${matched.length} bucket(s) matching the policy's bucket globs are in regions this run does not cover and were not read: ${matched
          .slice(0, 5)
          .map((b) => `${b.name} (${b.region})`)
          .join(', ')}${matched.length > 5 ? ', …' : ''}`,
      ]
    : [];
  return { failures, warnings };
}
