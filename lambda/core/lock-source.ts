// Core: the LockSource port: one lock store (lock tables, state buckets) as the run finds, reads and changes it; types only.
import type { RunFailure } from './failure';
import type { LockHalf } from './lock-half';
import type { Place, StoreKind } from './place';
import type { DeleteResult } from './ports';
import type { BucketReport, TableReport, UnparseableReport } from './report';

/** A place's line in the run report: what its read counted, and why it was not read in full. */
export type PlaceReport = TableReport | BucketReport;

/** One page of a place's read: its locks as halves, what could not be parsed, and what it adds to the counts. */
export type HalfPage = {
  readonly halves: readonly LockHalf[];
  readonly unparseable: readonly UnparseableReport[];
  /** Added to the place's report counts (a table's items, locks, digests; a bucket's objects, lockfiles). */
  readonly counts: Readonly<Record<string, number>>;
  /** How many of the store's units (items, objects) the page held: "stopped after 3 items". */
  readonly units: number;
};

/** What discovery found besides the places it handed over: failures, warnings, and places it leaves unread. */
export type Discovered = {
  /** Places that could not be found or checked; a place named `*` is a whole listing that failed. */
  readonly failures: readonly PlaceReport[];
  readonly warnings: readonly string[];
  /** Places the policy selects that this run does not read, and why (a lock's other half may be there). */
  readonly skipped: readonly { readonly place: Place; readonly why: string }[];
};

/** Whether a place is one this store keeps Terraform locks in (a lock table's key schema), or absent. */
export type PlaceCheck =
  | { readonly kind: 'lock-place' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'other'; readonly what: string }
  /** The check could not be made: `reason` for a report, `error` as thrown. */
  | { readonly kind: 'failed'; readonly reason: string; readonly error: unknown };

/** One lock's half read fresh from its place: the half, nothing there, or something that is not a lock. */
export type FreshHalf =
  | { readonly kind: 'half'; readonly half: LockHalf }
  | { readonly kind: 'missing' }
  | { readonly kind: 'not-a-lock'; readonly what: string };

/** What the run knows about the places of one store it did not read in full, for a lone half's partner search. */
export type UnreadView = {
  /** The store's places not read in full this run, and why. */
  readonly places: readonly { readonly place: Place; readonly why: string }[];
  /** Regions (or `*`: all) whose places could not be listed, and why. */
  readonly unlisted: ReadonlyMap<string, string>;
  /** True while the place may still be read this run (its read has not ended). */
  readonly unsettled: (name: string) => boolean;
};

/**
 * One lock store. The run reads every store through this port and never asks which one it is: a new store is a
 * new source and its registration (lambda/run/sources.ts), its half kind (core/lock-half.ts) and its place kind
 * (core/place.ts). AWS errors not named here propagate.
 */
export interface LockSource {
  readonly store: StoreKind;
  /**
   * How this store's halves meet another store's halves of the same lock: `takes` reads pages and takes each
   * lock's other half from the pairing index (lock tables); `parks` leaves its halves there for the taker,
   * judged alone at the end when none took them (lockfiles).
   */
  readonly pairing: 'takes' | 'parks';
  /** The report of a place with nothing counted yet, with the error when given. */
  report(place: Place, error?: string): PlaceReport;
  /** Hands each place the policy selects to `found` as soon as it is known; never throws. */
  discover(found: (place: Place) => void): Promise<Discovered>;
  /** Whether the place holds Terraform locks (started beside its first page; nothing is acted on before). Never throws. */
  check(place: Place): Promise<PlaceCheck>;
  /** Why `ref` can never name a lock in this store (a lockfile key must end in .tflock); undefined when it can. */
  refProblem(ref: string): string | undefined;
  /** The place's tags, for the opt-out check; any error propagates (the caller fails closed). */
  tags(place: Place): Promise<Record<string, string>>;
  /** The place's locks, page by page (consistent reads). */
  pages(place: Place): AsyncIterable<HalfPage>;
  /** One lock in a place, read fresh: `ref` is a lock item's LockID or a lockfile's key. */
  readHalf(place: Place, ref: string): Promise<FreshHalf>;
  /** Deletes the half only if it still holds exactly what was judged (its Info bytes; its ETag). */
  deleteIfUnchanged(half: LockHalf): Promise<DeleteResult>;
  /**
   * The halves with the evidence this store offers added (a lock item's state digest), for the locks whose
   * first half is this store's; what could not be read is added to `unread`. Never throws.
   */
  withEvidence(locks: readonly (readonly LockHalf[])[], unread: RunFailure[]): Promise<LockHalf[][]>;
  /**
   * Why the other half of a lone half (LockID, ID, region) may be in one of this store's places that was not read
   * in full; undefined when it cannot be there. Asks such a place about that one lock, changing nothing.
   */
  partnerUnread(
    lock: { readonly lockId: string; readonly id: string; readonly region: string },
    unread: UnreadView,
  ): Promise<string | undefined>;
}
