// Core: classifies DynamoDB items as locks, digests or unparseable, and parses LockInfo.
/**
 * An item as DynamoDB returns it (DynamoDB JSON, e.g. `{ LockID: { S: "..." } }`). Declared here so the
 * pure engine needs no AWS SDK import.
 */
export type RawItem = Readonly<Record<string, object>>;

/** Terraform's `statemgr.LockInfo`, the JSON held in a lock item's `Info` attribute. */
export type LockInfo = {
  readonly ID: string;
  readonly Operation: string;
  readonly Info: string;
  readonly Who: string;
  readonly Version: string;
  readonly Created: string;
  readonly Path: string;
};

/** A lock item: `Info` kept byte for byte (`rawInfo`) so a delete can be conditional on exactly it. */
export type LockItem = {
  readonly kind: 'lock';
  readonly lockId: string;
  readonly rawInfo: string;
  readonly info: LockInfo;
  /**
   * `Created` in epoch milliseconds; undefined when it is not an RFC 3339 time or is impossible (Go's zero
   * time, or before 2014): the age then comes from the janitor's first sighting.
   */
  readonly createdMs: number | undefined;
  /** Why `createdMs` is undefined, for the judge's reason ("Created is impossible: ..."); absent when it is set. */
  readonly createdProblem?: string;
};

/** A state digest item (`…-md5`, with `Digest`, or Terragrunt's bare `LockID`): never a lock, never deleted. */
export type DigestItem = { readonly kind: 'digest'; readonly lockId: string };

/** Anything else; reported with the problem, never deleted. */
export type UnparseableItem = {
  readonly kind: 'unparseable';
  readonly lockId?: string;
  readonly problem: string;
};

export type ClassifiedItem = LockItem | DigestItem | UnparseableItem;

const INFO_FIELDS = ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'] as const;

// Go's time.MarshalJSON: RFC 3339 with 0-9 fractional digits (trailing zeros trimmed) and `Z` for UTC
// (hashicorp/terraform statemgr/locker.go; Go time.Time.MarshalJSON). Offsets are accepted for locks written by other tools.
const RFC3339 = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:\d{2})$/;

// No real lock is older than Terraform's S3 state locking; Go's zero time (`0001-01-01T00:00:00Z`, what an
// unset time.Time marshals to) and anything before 2014 is a writer's bug or a forgery, never an age.
const EARLIEST_CREATED_MS = Date.UTC(2014, 0, 1);
const GO_ZERO_TIME_MS = Date.parse('0001-01-01T00:00:00Z');

/** `Created` read: epoch milliseconds (sub-millisecond digits dropped), or why it cannot be used. */
export function readCreated(created: string): { readonly ms: number } | { readonly problem: string } {
  const m = RFC3339.exec(created);
  const millis = (m?.[2] ?? '').padEnd(3, '0').slice(0, 3);
  const ms = m ? Date.parse(`${m[1]}.${millis}${m[3]}`) : Number.NaN;
  if (Number.isNaN(ms)) return { problem: 'Created is unreadable (not an RFC 3339 time)' };
  if (ms === GO_ZERO_TIME_MS)
    return { problem: "Created is impossible (Go's zero time 0001-01-01T00:00:00Z)" };
  if (ms < EARLIEST_CREATED_MS)
    return { problem: 'Created is impossible (before 2014, older than Terraform state locking)' };
  return { ms };
}

/** Parses Go's RFC 3339 `Created` to epoch milliseconds; undefined if malformed or impossible (see {@link readCreated}). */
export function parseCreated(created: string): number | undefined {
  const read = readCreated(created);
  return 'ms' in read ? read.ms : undefined;
}

/** Classifies one item by its attributes, never by its LockID suffix (a state key may itself end in `-md5`). */
export function classifyItem(item: RawItem): ClassifiedItem {
  const lockId = stringAttr(item, 'LockID');
  if (lockId === undefined) return { kind: 'unparseable', problem: 'no LockID string attribute' };
  const names = Object.keys(item);
  if (!('Info' in item)) {
    if ('Digest' in item || names.length === 1) return { kind: 'digest', lockId };
    return { kind: 'unparseable', lockId, problem: `no Info attribute (has ${names.sort().join(', ')})` };
  }
  if ('Digest' in item) return { kind: 'unparseable', lockId, problem: 'has both Info and Digest' };
  const rawInfo = stringAttr(item, 'Info');
  if (rawInfo === undefined)
    return { kind: 'unparseable', lockId, problem: 'Info is not a string attribute' };
  const parsed = parseLockInfo(rawInfo);
  if (typeof parsed === 'string') return { kind: 'unparseable', lockId, problem: parsed };
  const created = readCreated(parsed.Created);
  return 'ms' in created
    ? { kind: 'lock', lockId, rawInfo, info: parsed, createdMs: created.ms }
    : { kind: 'lock', lockId, rawInfo, info: parsed, createdMs: undefined, createdProblem: created.problem };
}

/** Parses `Info` as LockInfo JSON with a non-empty `ID`; returns the problem as a string otherwise. */
export function parseLockInfo(rawInfo: string): LockInfo | string {
  let value: unknown;
  try {
    value = JSON.parse(rawInfo);
  } catch {
    return rawInfo.length === 0 ? 'Info is empty' : 'Info is not JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'Info is not a JSON object';
  const obj = value as Record<string, unknown>;
  if (typeof obj.ID !== 'string' || obj.ID.length === 0) return 'Info has no lock ID (ID)';
  const info: Record<string, string> = {};
  for (const field of INFO_FIELDS) {
    const v = obj[field];
    if (v !== undefined && v !== null && typeof v !== 'string') return `Info.${field} is not a string`;
    info[field] = v ?? '';
  }
  return info as LockInfo;
}

function stringAttr(item: RawItem, name: string): string | undefined {
  const v = (item[name] as { S?: unknown } | undefined)?.S;
  return typeof v === 'string' ? v : undefined;
}

/** Splits a LockID into bucket and state path, and the workspace when the default `env:` prefix is used. */
export function describeLockId(lockId: string): { bucket: string; path: string; workspace?: string } {
  const slash = lockId.indexOf('/');
  if (slash < 0) return { bucket: '', path: lockId };
  const bucket = lockId.slice(0, slash);
  const path = lockId.slice(slash + 1);
  const ws = /^env:\/([^/]+)\//.exec(path);
  return ws ? { bucket, path, workspace: ws[1] } : { bucket, path };
}
