// Terraform-exact lock items: LockInfo marshalled as Go does, digest items, lock IDs.
import { randomBytes } from 'node:crypto';
import type { LockInfo } from '../../lambda/core/lock-item';

const FIELDS = ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'] as const;

/**
 * `Info` bytes exactly as Terraform writes them: Go's `json.Marshal` of `statemgr.LockInfo`, fields in struct
 * order, no whitespace, and `<`, `>`, `&`, U+2028, U+2029 escaped as `\u003c`... (JSON.stringify does not).
 */
export function marshalLockInfo(info: LockInfo): string {
  const body = FIELDS.map((f) => `${JSON.stringify(f)}:${JSON.stringify(info[f])}`).join(',');
  return `{${body}}`.replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** A lock ID as `NewLockInfo` makes it: 16 random bytes in the 8-4-4-4-12 layout, no UUID version bits. */
export function newLockId(): string {
  const h = randomBytes(16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Go's `time.Time.MarshalJSON` in UTC: RFC 3339 with the fraction's trailing zeros trimmed (and the dot
 * dropped when it is zero). `subMillis` adds the digits below a millisecond that Go clocks have.
 */
export function goTimestamp(ms: number, subMillis = ''): string {
  if (!/^\d{0,6}$/.test(subMillis)) throw new RangeError(`subMillis "${subMillis}" must be 0 to 6 digits`);
  const iso = new Date(ms).toISOString(); // 2025-03-14T09:26:53.589Z
  const fraction = `${iso.slice(20, 23)}${subMillis}`.replace(/0+$/, '');
  return `${iso.slice(0, 19)}${fraction ? `.${fraction}` : ''}Z`;
}

export type TerraformLock = {
  readonly bucket: string;
  /** The state path: `key`, or `env:/<workspace>/<key>`. */
  readonly path: string;
  readonly operation: string;
  readonly who: string;
  readonly version?: string;
  readonly createdMs: number;
  readonly subMillis?: string;
  readonly id?: string;
};

/** The DynamoDB item Terraform's S3 backend puts on Lock(): exactly `LockID` and `Info`. */
export function lockItem(lock: TerraformLock): { LockID: { S: string }; Info: { S: string } } {
  const lockId = `${lock.bucket}/${lock.path}`;
  const info: LockInfo = {
    ID: lock.id ?? newLockId(),
    Operation: lock.operation,
    Info: '',
    Who: lock.who,
    Version: lock.version ?? '1.9.8',
    Created: goTimestamp(lock.createdMs, lock.subMillis ?? ''),
    Path: lockId,
  };
  return { LockID: { S: lockId }, Info: { S: marshalLockInfo(info) } };
}

/** The digest item written after every state upload: `<LockID>-md5` and the MD5 of the state. */
export function digestItem(bucket: string, path: string): { LockID: { S: string }; Digest: { S: string } } {
  return { LockID: { S: `${bucket}/${path}-md5` }, Digest: { S: randomBytes(16).toString('hex') } };
}
