// Adapter: the state table's keys and item encodings (sightings, audit records).
import { createHash } from 'node:crypto';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { AUDIT_KEY_PREFIX } from '../core/contract';
import type { Sighting } from '../core/judge';
import type { AuditRecord, LockKey } from '../core/ports';

/** A DynamoDB item or key in DynamoDB JSON. */
export type StateItem = Record<string, AttributeValue>;

/** Hex SHA-256 of a string's UTF-8 bytes. */
export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

// Region and table names never contain `#` (DynamoDB allows [a-zA-Z0-9_.-] in names), so the partition
// keys are unambiguous. LockIDs are any Unicode up to ~1 KB and a sort key is capped at 1,024 bytes, so
// sort keys hold a SHA-256 of an injective encoding (a JSON array) instead of the raw LockID.

/** The partition holding one lock table's sightings: `SIGHTING#<region>#<table>`. */
export const sightingPk = (region: string, table: string): string => `SIGHTING#${region}#${table}`;

/** The partition holding one lock table's audit records: `AUDIT#<region>#<table>`. */
export const auditPk = (region: string, table: string): string => `${AUDIT_KEY_PREFIX}${region}#${table}`;

/** The partition of intent records (one per delete in flight or left dangling by a run that died). */
export const INTENT_PK = 'INTENT';

/** An intent record's key: pk `INTENT`, sk `<region>#<table>#sha256(JSON.stringify([lockId, id]))`. */
export function intentKey(key: LockKey): StateItem {
  return {
    pk: { S: INTENT_PK },
    sk: { S: `${key.region}#${key.table}#${sha256(JSON.stringify([key.lockId, key.id]))}` },
  };
}

/** One lock instance's identity as a string, for sets: the JSON array `[region, table, lockId, id]`. */
export const lockKeyString = (k: LockKey): string => JSON.stringify([k.region, k.table, k.lockId, k.id]);

/** The sighting item's key: sk is `sha256(JSON.stringify([lockId, id]))`. */
export function sightingKey(key: LockKey): StateItem {
  return {
    pk: { S: sightingPk(key.region, key.table) },
    sk: { S: sha256(JSON.stringify([key.lockId, key.id])) },
  };
}

const AUDIT_FIELDS = [
  'region',
  'table',
  'lockId',
  'id',
  'action',
  'info',
  'rule',
  'reason',
  'runId',
  'at',
] as const satisfies readonly (keyof AuditRecord)[];

/** Fields only a lockfile's record has (absent on a lock item's, so older records keep their keys). */
const LOCKFILE_FIELDS = ['store', 'bucket', 'key', 'etag'] as const satisfies readonly (keyof AuditRecord)[];

/**
 * The audit item's key: sk is `<at>#<sha256 of the whole record>`, so records sort by time, two different
 * records never share a key, and writing the same record twice lands on the same item.
 */
export function auditKey(record: AuditRecord): StateItem {
  const lockfile = LOCKFILE_FIELDS.map((f) => record[f]).filter((v) => v !== undefined);
  const content = JSON.stringify([...AUDIT_FIELDS.map((f) => record[f]), ...lockfile]);
  return { pk: { S: auditPk(record.region, record.table) }, sk: { S: `${record.at}#${sha256(content)}` } };
}

// A DynamoDB item is at most 400 KB (names and values). A lock item near that limit leaves no room for the
// audit record's other fields, so such an `Info` is kept gzip-compressed instead (`infoGz`, type B).
const MAX_PLAIN_INFO_BYTES = 300 * 1024;

/**
 * The audit item: its key and every record field as a string attribute; no `expiresAt` (kept forever).
 * An `Info` over 300 KB is stored gzip-compressed in `infoGz`, so any lock DynamoDB can hold can be audited.
 */
export function toAuditItem(record: AuditRecord): StateItem {
  const item = auditKey(record);
  for (const f of AUDIT_FIELDS) item[f] = { S: record[f] };
  for (const f of LOCKFILE_FIELDS) {
    const value = record[f];
    if (value !== undefined) item[f] = { S: value };
  }
  if (Buffer.byteLength(record.info, 'utf8') > MAX_PLAIN_INFO_BYTES) {
    delete item.info;
    item.infoGz = { B: gzipSync(record.info) };
  }
  return item;
}

/** The record an audit item holds; undefined when a field is missing or the action unknown. */
export function fromAuditItem(item: StateItem): AuditRecord | undefined {
  const values: Record<string, string> = {};
  const gz = item.infoGz?.B;
  for (const f of AUDIT_FIELDS) {
    const value = f === 'info' && gz ? gunzipSync(gz).toString('utf8') : item[f]?.S;
    if (value === undefined) return undefined;
    values[f] = value;
  }
  if (!['deleted', 'released', 'gone'].includes(values.action)) return undefined;
  for (const f of LOCKFILE_FIELDS) {
    const value = item[f]?.S;
    if (value !== undefined) values[f] = value;
  }
  return values as AuditRecord;
}

/** String attributes from a name → value map. */
export function strings(values: Record<string, string>): StateItem {
  return Object.fromEntries(Object.entries(values).map(([name, value]) => [name, { S: value }]));
}

/**
 * The `Sighting` a sighting item holds (count; firstSeen, lastAlerted, lastWrite and absentAt are epoch-ms numbers,
 * absentAt 0 meaning none).
 */
export function toSighting(item: StateItem): Sighting {
  const lastAlerted = item.lastAlerted?.N;
  const lastWrite = item.lastWrite?.N;
  const absentAt = Number(item.absentAt?.N ?? 0);
  return {
    count: Number(item.count?.N),
    firstSeenMs: Number(item.firstSeen?.N),
    ...(lastAlerted === undefined ? {} : { lastAlertedMs: Number(lastAlerted) }),
    ...(lastWrite === undefined ? {} : { lastWriteMs: Number(lastWrite) }),
    ...(absentAt > 0 ? { absentMs: absentAt } : {}),
  };
}
