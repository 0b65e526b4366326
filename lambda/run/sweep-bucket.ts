// Run: finds the policy's state buckets and reads their `.tflock` lockfiles, streaming, a few bodies at a time.
import { describeError } from '../core/errors';
import type { LockfileHalf } from '../core/lock-half';
import { classifyLockfile } from '../core/lockfile';
import { plural } from '../core/message/format';
import type { BucketReport, UnparseableReport } from '../core/report';
import { mapBounded } from './bounded';
import { Stopped, within } from './deadline';
import { isOptedOut, isSelected } from './discovery';
import type { SweepOptions } from './options';
import { placeTime } from './sweep-table';

/** A state bucket the janitor will read, in its own region. */
export type LockBucket = { readonly region: string; readonly name: string };

/** What one bucket's read found. `complete` is false when the bucket was not read to its end. */
export type BucketSweep = {
  readonly bucket: BucketReport;
  readonly complete: boolean;
  readonly halves: LockfileHalf[];
  readonly unparseable: UnparseableReport[];
};

/** Lockfile bodies read at once (each is one small GetObject). */
const READS_AT_ONCE = 8;

/** A bucket report with nothing read, carrying an error. */
export function emptyBucket(region: string, name: string, error?: string): BucketReport {
  return { region, name, objects: 0, lockfiles: 0, unparseable: 0, ...(error ? { error } : {}) };
}

/**
 * The buckets the policy names (`buckets` globs; none by default, and then S3 is not called at all), each in
 * its own region within the run's regions, opted-out ones left out. A bucket whose region or tags cannot be read
 * is skipped and reported (fail closed). Never throws.
 */
export async function discoverBuckets(opts: SweepOptions): Promise<{
  readonly buckets: LockBucket[];
  readonly failures: BucketReport[];
  readonly warnings: string[];
  /** Buckets the globs select that are not read: opted out, or in a region the run does not cover; and why. */
  readonly skipped: { readonly name: string; readonly why: string }[];
}> {
  const { buckets: globs } = opts.policy;
  if (globs.include.length === 0 || !opts.lockfileStores)
    return { buckets: [], failures: [], warnings: [], skipped: [] };
  const home = opts.regions[0];
  const directory = opts.lockfileStores(home);
  const named: { name: string; region?: string }[] = [];
  const listed = new Set<string>();
  try {
    for await (const b of directory.listBuckets()) {
      listed.add(b.name);
      if (isSelected(b.name, globs)) named.push(b);
    }
  } catch (e) {
    return {
      buckets: [],
      failures: [emptyBucket(home, '*', `could not list the buckets: ${describeError(e)}`)],
      warnings: [],
      skipped: [],
    };
  }
  const failures: BucketReport[] = [];
  const elsewhere: { name: string; region: string }[] = [];
  const optedOut: string[] = [];
  const found = await mapBounded(named, 8, async (b): Promise<LockBucket | undefined> => {
    let region: string;
    try {
      region = b.region ?? (await directory.bucketRegion(b.name));
    } catch (e) {
      failures.push(emptyBucket(home, b.name, `could not find the bucket's region: ${describeError(e)}`));
      return undefined;
    }
    if (!opts.regions.includes(region)) {
      elsewhere.push({ name: b.name, region });
      return undefined;
    }
    const tag = globs.optOutTag;
    if (tag === false) return { region, name: b.name };
    try {
      const tags = await opts.lockfileStores!(region).bucketTags(b.name);
      if (isOptedOut(tags, tag)) {
        optedOut.push(b.name);
        return undefined;
      }
    } catch (e) {
      const error = `skipped: its tags could not be read, so the opt-out tag "${tag}" could not be checked (fail closed): ${describeError(e)}. Grant s3:GetBucketTagging, or set buckets.optOutTag to false`;
      failures.push(emptyBucket(region, b.name, error));
      return undefined;
    }
    return { region, name: b.name };
  });
  const outside = outsideRegions(globs, elsewhere, opts.regions);
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
    buckets: found.filter((b): b is LockBucket => b !== undefined),
    failures: [...failures, ...outside.failures, ...missing],
    warnings: outside.warnings,
    skipped: [
      ...optedOut.map((name) => ({ name, why: `opted out with "${globs.optOutTag}"` })),
      ...elsewhere.map(({ name, region }) => ({ name, why: `in ${region}, outside this run's regions` })),
    ],
  };
}

/**
 * Buckets the globs select in regions the run does not cover are not read: one the policy names outright is a
 * failed bucket (never an all-clear); those a wildcard matched are one warning (a janitor per region is normal).
 */
function outsideRegions(
  globs: SweepOptions['policy']['buckets'],
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

/** Lists one bucket page by page and reads each lockfile's body and ETag; a failure ends this bucket only. */
export async function readBucket(opts: SweepOptions, bucket: LockBucket): Promise<BucketSweep> {
  const counts = { region: bucket.region, name: bucket.name, objects: 0, lockfiles: 0, unparseable: 0 };
  const halves: LockfileHalf[] = [];
  const unparseable: UnparseableReport[] = [];
  const end = (complete: boolean, error?: string): BucketSweep => ({
    bucket: error === undefined ? counts : { ...counts, error },
    complete,
    halves,
    unparseable,
  });
  const store = opts.lockfileStores!(bucket.region);
  const deadline = { untilMs: Date.now() + placeTime(opts), signal: opts.signal };
  try {
    for await (const page of within(store.listLockfiles(bucket.name), deadline)) {
      counts.objects += page.objects;
      counts.lockfiles += page.lockfiles.length;
      const read = await mapBounded(page.lockfiles, READS_AT_ONCE, async (entry) =>
        classifyLockfile(bucket.name, entry, await store.readLockfile(bucket.name, entry.key)),
      );
      for (const lockfile of read) {
        if (lockfile.kind === 'lock') halves.push({ store: 's3', region: bucket.region, lockfile });
        else if (lockfile.kind === 'unparseable') {
          counts.unparseable++;
          const { lockId, key, problem, lastModifiedMs } = lockfile;
          const entry = {
            region: bucket.region,
            table: `s3://${bucket.name}`,
            lockId,
            key,
            ...(lastModifiedMs === undefined ? {} : { lastModified: new Date(lastModifiedMs).toISOString() }),
            problem,
          };
          unparseable.push(entry);
          opts.logger?.warn(entry, 'unparseable lockfile');
        }
      }
    }
    return end(true);
  } catch (e) {
    if (e instanceof Stopped)
      return end(
        false,
        `stopped after ${plural(counts.objects, 'object')}: ${e.message}; the rest of the bucket was not read this run`,
      );
    const error = `failed after ${plural(counts.objects, 'object')}: ${describeError(e)}`;
    opts.logger?.error({ region: bucket.region, bucket: bucket.name, error }, 'bucket failed');
    return end(false, error);
  }
}
