// Core: the one place model — a lock table or a state bucket, its region, the policy's rules for it — and the one admission check.
import { describeError } from './errors';
import type { Policy } from './policy';

/** The lock stores the janitor reads: DynamoDB lock tables, S3 state buckets' `.tflock` lockfiles. */
export type StoreKind = 'dynamodb' | ObjectStoreKind;

/** The object stores whose buckets hold `.tflock` lockfiles (`use_lockfile`): each is read by the bucket source. */
export const OBJECT_STORES = ['s3'] as const;
export type ObjectStoreKind = (typeof OBJECT_STORES)[number];

/** A place that holds locks: a lock table or a state bucket, in its region. */
export type Place = { readonly store: StoreKind; readonly region: string; readonly name: string };

/** The policy's rules for one kind of place: which names it selects, and the opt-out tag. */
export type PlaceRules = Policy['tables'];

/** What differs between kinds of place, said once: how each is named, governed and counted. */
type PlaceKind = {
  /** The word for one place in a sentence. */
  readonly noun: string;
  /** The policy's field with its rules (`tables`, `buckets`). */
  readonly rules: 'tables' | 'buckets';
  /** How the janitor's memory and the report name the place (a table's name; `s3://<bucket>`). */
  readonly memory: (name: string) => string;
  /** What its read counts one by one (for "stopped after 3 items"). */
  readonly unit: string;
  /** How to let the janitor read its tags, or do without the opt-out tag. */
  readonly tagsFix: string;
  /** In a report, the place's report list. */
  readonly list: 'tables' | 'buckets';
  /** What one lock held there is called. */
  readonly half: string;
  /** One lock there, in a sentence: `my-locks (eu-west-1) acme/app.tfstate`, `s3://b/app.tfstate.tflock (eu-west-1)`. */
  readonly where: (place: Place, ref: string) => string;
};

const KINDS: Readonly<Record<StoreKind, PlaceKind>> = {
  dynamodb: {
    noun: 'table',
    rules: 'tables',
    memory: (name) => name,
    unit: 'item',
    tagsFix:
      'Grant dynamodb:ListTagsOfResource; on a server without tagging (DynamoDB Local) set tables.optOutTag to false and use tables.exclude',
    list: 'tables',
    half: 'lock item',
    where: (p, lockId) => `${p.name} (${p.region}) ${lockId}`,
  },
  s3: {
    noun: 'bucket',
    rules: 'buckets',
    memory: (name) => `s3://${name}`,
    unit: 'object',
    tagsFix: 'Grant s3:GetBucketTagging, or set buckets.optOutTag to false',
    list: 'buckets',
    half: 'lockfile',
    where: (p, key) => `s3://${p.name}/${key} (${p.region})`,
  },
};

/** True for a lockfile's store (an object store); false for a lock table's, or none named (a lock item). */
export function isObjectStore(store: StoreKind | undefined): store is ObjectStoreKind {
  return (OBJECT_STORES as readonly string[]).includes(store ?? '');
}

/** What the run needs to know about a kind of place. */
export function placeKind(store: StoreKind): PlaceKind {
  return KINDS[store];
}

/** The name of a lockfile's place where a table name stands for a lock table's: `s3://<bucket>`. */
export const bucketPlace = (bucket: string): string => KINDS.s3.memory(bucket);

/** How the janitor's memory, the report and its messages name the place (`my-locks`, `s3://my-bucket`). */
export function memoryName(place: Pick<Place, 'store' | 'name'>): string {
  return KINDS[place.store].memory(place.name);
}

/** The policy's rules for the place's kind. */
export function rulesOf(policy: Policy, store: StoreKind): PlaceRules {
  return policy[KINDS[store].rules];
}

/** A name passes when some include glob matches it and no exclude glob does. */
export function isSelected(name: string, rules: PlaceRules): boolean {
  return rules.include.some((g) => g.test(name)) && !rules.exclude.some((g) => g.test(name));
}

/** The opt-out tag is present with any value but "false". */
export function isOptedOut(tags: Readonly<Record<string, string>>, optOutTag: string): boolean {
  return optOutTag in tags && tags[optOutTag].toLowerCase() !== 'false';
}

/**
 * Whether the janitor may read and change a place: admitted, or not with the reason. `optedOut`: the place
 * carries the opt-out tag (left out of the report); otherwise the refusal is a failure to report.
 */
export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly optedOut: boolean; readonly reason: string };

/**
 * The part of the admission known without a call: the place's region is one of the janitor's, and the policy's
 * globs select its name. Undefined when both hold.
 */
export function scopeRefusal(place: Place, policy: Policy, regions: readonly string[]): string | undefined {
  const { noun, rules } = KINDS[place.store];
  if (!regions.includes(place.region))
    return `region ${place.region} is outside the janitor's regions (${regions.join(', ')})`;
  if (!isSelected(place.name, rulesOf(policy, place.store)))
    return `${noun} ${place.name} is outside the policy's ${rules} (include/exclude globs)`;
  return undefined;
}

/**
 * The opt-out verdict from the place's tags, or from the error that kept them from being read (fail closed:
 * never admitted). With `optOutTag: false` every place is admitted and its tags need not be read.
 */
export function tagAdmission(
  place: Place,
  policy: Policy,
  tags: { readonly tags: Readonly<Record<string, string>> } | { readonly error: unknown },
): Admission {
  const tag = rulesOf(policy, place.store).optOutTag;
  if (tag === false) return { admitted: true };
  const { noun, tagsFix } = KINDS[place.store];
  if ('error' in tags)
    return {
      admitted: false,
      optedOut: false,
      reason: `its tags could not be read, so the opt-out tag "${tag}" could not be checked (fail closed): ${describeError(tags.error)}. ${tagsFix}`,
    };
  if (!isOptedOut(tags.tags, tag)) return { admitted: true };
  return {
    admitted: false,
    optedOut: true,
    reason: `${noun} ${place.name} carries the opt-out tag "${tag}"`,
  };
}

/** Whether the policy reads tags for this kind of place at all. */
export function checksTags(policy: Policy, store: StoreKind): boolean {
  return rulesOf(policy, store).optOutTag !== false;
}
