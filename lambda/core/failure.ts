// Core: a run failure that is not one table's or one lock's outcome, typed so logs and reports keep its facts.

/** What failed. */
export type FailureKind =
  | 'sighting' // recording a lock's sighting in the state table
  | 'audit' // writing the audit record of a deletion or release
  | 'intent' // writing, clearing or resolving an intent record (written before each delete)
  | 'forget' // forgetting the locks that are gone
  | 'table-memory' // remembering which tables failed
  | 'sweep-memory' // reading or remembering when a place was last read in full
  | 'alert-memory' // remembering what was alerted
  | 'notification' // publishing the run's message
  | 'deadline' // the run outlived the Lambda's deadline
  | 'evidence'; // a piece of evidence could not be read (EC2 holder check, state digests, a bucket out of the run's regions)

/** One failure: what failed, where, the lock if any (with its full `Info` when a record may be lost), why. */
export type RunFailure = {
  readonly kind: FailureKind;
  readonly message: string;
  readonly region?: string;
  readonly table?: string;
  readonly lock?: { readonly lockId: string; readonly id: string; readonly info?: string };
  /** What to do about it, when the failure knows better than the reason's error name (see core/unread.ts). */
  readonly fix?: string;
};
