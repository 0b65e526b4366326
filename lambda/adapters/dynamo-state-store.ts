// Adapter: the StateStore port over the janitor's DynamoDB state table (sightings, alerts).
import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { JanitorError } from '../core/errors';
import type { Sighting } from '../core/judge';
import type { AuditRecord, LockKey, StateStore, TableRef } from '../core/ports';
import { callOptions } from './call-signal';
import { isAudited, putAudit } from './state-audit';
import {
  fromAuditItem,
  INTENT_PK,
  intentKey,
  lockKeyString,
  type StateItem,
  sha256,
  sightingKey,
  sightingPk,
  strings,
  toAuditItem,
  toSighting,
} from './state-keys';
import {
  attributeNames,
  inParallel,
  onStateTable,
  queryPartition,
  unlessConditionFailed,
} from './state-table';
import { TableFailureMemory } from './state-table-failures';
import { SweepMemory } from './state-table-sweeps';

export { listAudit } from './state-audit';

/** A restart's digest part: the new digest (or none), and no write (it was seen under another `Info`). */
const restartDigest = (digest: string | undefined): string =>
  digest === undefined ? ' REMOVE #digest, #lastWrite' : ', #digest = :digest REMOVE #lastWrite';

const DEFAULT_SIGHTING_TTL_SECONDS = 7 * 24 * 3600;
const PARALLEL_WRITES = 8;
const OBSERVE_ATTEMPTS = 3;

const SET_IDENTITY = 'SET #region = :region, #table = :table, #lockId = :lockId, #id = :id';
// Same Info (or a new lock), last counted at least the sighting gap away from this run: one more sighting.
const COUNT_IF =
  'attribute_not_exists(pk) OR (#infoHash = :hash AND NOT #lastSeen = :now AND (#lastSeen <= :early OR #lastSeen >= :late))';
// `absentAt` is set once, when the lock is first seen (0: no complete sweep of its place was remembered then).
const COUNT_SET =
  '#lastSeen = :now, #firstSeen = if_not_exists(#firstSeen, :now), #infoHash = :hash, #expiresAt = :expiresAt';
const ABSENT_SET = ', #absentAt = if_not_exists(#absentAt, :absentAt)';
const COUNT_ADD = 'ADD #count :one';
// With the state's digest: the same one as last counted (or none remembered yet), or another one: a state write.
const SAME_DIGEST_IF = 'attribute_not_exists(#digest) OR #digest = :digest';
const MOVED_DIGEST_IF = 'attribute_exists(#digest) AND NOT #digest = :digest';
// Within the sighting gap the count stays, but a digest that moved is still a sign of life, recorded at once.
const MOVED_WITHIN_GAP_IF = `#infoHash = :hash AND ${MOVED_DIGEST_IF}`;
const MOVED_WITHIN_GAP = 'SET #digest = :digest, #lastWrite = :now';
// Another Info under the same lock ID: "the same Info seen on N runs" starts again (lastAlerted is kept).
const RESTART_IF = 'attribute_exists(pk) AND NOT #infoHash = :hash';
const RESTART =
  '#count = :one, #firstSeen = :now, #lastSeen = :now, #infoHash = :hash, #expiresAt = :expiresAt';
// A later run that saw the lock again keeps it.
const FORGET_IF = 'attribute_exists(pk) AND NOT #lastSeen > :now';

/**
 * The janitor's memory in its DynamoDB state table (pk S, sk S, TTL attribute `expiresAt` in epoch seconds).
 * - A sighting per lock instance: pk `SIGHTING#<region>#<table>`, sk `sha256(JSON.stringify([lockId, id]))`
 *   (collision-free for any Unicode, within the 1,024-byte sort key limit); attributes region, table, lockId,
 *   id, infoHash (sha256 of `Info`), count, firstSeen, lastSeen, lastAlerted? (epoch ms), digest? (the state's
 *   digest at the last counted sighting that read one), lastWrite? (epoch ms: when a sighting saw that digest
 *   change) and expiresAt = lastSeen + `sightingTtlSeconds`, so the memory of a lock expires once nobody sees it.
 * - An audit record per deletion or release: pk `AUDIT#<region>#<table>`, sk `<at>#<sha256 of the record>`,
 *   every `AuditRecord` field, no expiresAt, never overwritten (see `putAudit`).
 *
 * Every write is conditional, so concurrent runs never corrupt a count. A run is identified by its `nowMs`:
 * observing a lock twice at the same instant (or an SDK retry of an update that succeeded) counts once.
 * Transient errors are retried by the client's retry strategy; what remains propagates.
 */
export class DynamoStateStore implements StateStore {
  private readonly ttlSeconds: number;
  private readonly tableFailures: TableFailureMemory;
  private readonly sweeps: SweepMemory;

  /** @param options.sightingTtlSeconds how long a sighting outlives its last run. @default 7 days */
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    options: { readonly sightingTtlSeconds?: number } = {},
  ) {
    this.ttlSeconds = options.sightingTtlSeconds ?? DEFAULT_SIGHTING_TTL_SECONDS;
    if (!Number.isInteger(this.ttlSeconds) || this.ttlSeconds <= 0) {
      throw new JanitorError(`sightingTtlSeconds must be a positive whole number, got ${this.ttlSeconds}`);
    }
    this.tableFailures = new TableFailureMemory(client, tableName, this.ttlSeconds);
    this.sweeps = new SweepMemory(client, tableName, this.ttlSeconds);
  }

  /**
   * Counts this run's sighting of `Info` (one conditional update) when the last counted sighting is at least
   * `gapMs` away (two invocations a second apart are one sighting); another `Info` restarts the count at 1.
   * With `digest`, a counted sighting remembers it, and sets `lastWrite` to `nowMs` when it differs from the
   * one remembered; a restart forgets the write.
   *
   * The usual case (a new lock, or one more sighting of the same `Info` and digest) is one update. When its
   * condition fails, DynamoDB returns the item as it stood (`ReturnValuesOnConditionCheckFailure`), and what
   * it holds chooses the one update that applies, if any: a run inside the sighting gap that finds nothing
   * changed writes nothing more (one request per lock). An engine that does not return the item costs one
   * consistent read more. Every update stays conditional, so a sighting changed by a concurrent run in between
   * only makes this run try again.
   */
  async observe(
    key: LockKey,
    rawInfo: string,
    nowMs: number,
    gapMs = 0,
    digest?: string,
    absentMs?: number,
  ): Promise<Sighting> {
    const hash = sha256(rawInfo);
    const values = {
      ...strings({
        ':hash': hash,
        ':region': key.region,
        ':table': key.table,
        ':lockId': key.lockId,
        ':id': key.id,
      }),
      ':now': { N: String(nowMs) },
      ':one': { N: '1' },
      ':expiresAt': { N: String(Math.floor(nowMs / 1000) + this.ttlSeconds) },
      ':early': { N: String(nowMs - gapMs) },
      ':late': { N: String(nowMs + gapMs) },
      ...(digest === undefined ? {} : { ':digest': { S: digest } }),
      ...(absentMs === undefined ? {} : { ':absentAt': { N: String(absentMs) } }),
    };
    const count = `${SET_IDENTITY}, ${COUNT_SET}${absentMs === undefined ? '' : ABSENT_SET}`;
    const same = digest === undefined ? COUNT_IF : `(${COUNT_IF}) AND (${SAME_DIGEST_IF})`;
    const counted = `${count}${digest === undefined ? '' : ', #digest = :digest'} ${COUNT_ADD}`;
    for (let attempt = 0; attempt < OBSERVE_ATTEMPTS; attempt++) {
      const first = await this.update(key, same, counted, values, true);
      if (first.item) return toSighting(first.item);
      // The count's condition fails only on an existing item: an answer without it (an engine that does not return
      // it) says nothing, so the item is read.
      const old = first.old ?? (await this.read(key));
      const step = nextStep(old, hash, nowMs, gapMs, digest);
      // Counted already at this instant or within the gap, with nothing new to remember.
      if (step === 'seen') return toSighting(old as StateItem);
      const then: Record<typeof step, readonly [string, string] | undefined> = {
        restart: [RESTART_IF, `${SET_IDENTITY}, ${RESTART}${restartDigest(digest)}`],
        moved: [
          `(${COUNT_IF}) AND (${MOVED_DIGEST_IF})`,
          `${count}, #digest = :digest, #lastWrite = :now ${COUNT_ADD}`,
        ],
        'moved-within-gap': [MOVED_WITHIN_GAP_IF, MOVED_WITHIN_GAP],
        again: undefined,
      };
      const update = then[step];
      const item = update && (await this.update(key, ...update, values)).item;
      if (item) return toSighting(item);
      // The sighting changed between the read and the update (another run): start again from the count.
    }
    throw new JanitorError(
      `The sighting of lock "${key.lockId}" (ID ${key.id}) in ${key.region}/${key.table} kept changing under ` +
        'concurrent janitor runs; the next run will count it.',
    );
  }

  /** A consistent read of one sighting. */
  private async read(key: LockKey): Promise<StateItem | undefined> {
    const get = new GetItemCommand({
      TableName: this.tableName,
      Key: sightingKey(key),
      ConsistentRead: true,
    });
    return (await this.send(this.client.send(get, callOptions()))).Item;
  }

  /**
   * Sets `lastAlerted` on each known sighting, and `alertedHash` to the hash of the `Info` it holds (what was
   * announced); one that was forgotten meanwhile stays forgotten.
   */
  async markAlerted(keys: readonly LockKey[], nowMs: number): Promise<void> {
    const values = { ':now': { N: String(nowMs) } };
    await inParallel(keys, PARALLEL_WRITES, async (key) => {
      await this.update(
        key,
        'attribute_exists(pk)',
        'SET #lastAlerted = :now, #alertedHash = #infoHash',
        values,
      );
    });
  }

  /** True when the sighting's `alertedHash` is the hash of `rawInfo` (a consistent read). */
  async announced(key: LockKey, rawInfo: string): Promise<boolean> {
    const alerted = (await this.read(key))?.alertedHash?.S;
    return alerted !== undefined && alerted === sha256(rawInfo);
  }

  /** Deletes the sightings of the scanned tables that this run did not see; returns those that were alerted. */
  async forgetGone(
    scanned: readonly { region: string; table: string }[],
    seen: readonly LockKey[],
    nowMs: number,
  ): Promise<LockKey[]> {
    const seenKeys = new Set(seen.map(lockKeyString));
    const resolved: LockKey[] = [];
    for (const { region, table } of scanned) {
      const pk = sightingPk(region, table);
      for await (const page of queryPartition(this.client, this.tableName, pk, 'pk, sk, #lockId, #id')) {
        const gone = page.filter(
          ({ lockId, id }) =>
            !seenKeys.has(lockKeyString({ region, table, lockId: lockId?.S ?? '', id: id?.S ?? '' })),
        );
        await inParallel(gone, PARALLEL_WRITES, async (item) => {
          const old = await this.forget(item, nowMs);
          const [lockId, id] = [old?.lockId?.S, old?.id?.S];
          if (old?.lastAlerted && lockId !== undefined && id !== undefined)
            resolved.push({ region, table, lockId, id });
        });
      }
    }
    return resolved;
  }

  async forgetLock(key: LockKey): Promise<void> {
    const command = new DeleteItemCommand({ TableName: this.tableName, Key: sightingKey(key) });
    await this.send(this.client.send(command, callOptions()));
  }

  /** Remembers failing tables (pk `TABLEFAIL#<region>`, sk the table) and forgets recovered ones. */
  noteTableFailures(failed: readonly TableRef[], recovered: readonly TableRef[], nowMs: number) {
    return this.tableFailures.note(failed, recovered, nowMs);
  }

  markTableFailuresAlerted(tables: readonly TableRef[], nowMs: number): Promise<void> {
    return this.tableFailures.markAlerted(tables, nowMs);
  }

  /** The end of the place's last complete sweep (pk `SWEPT#<region>`, sk the place). */
  lastCompleteSweep(place: TableRef): Promise<number | undefined> {
    return this.sweeps.lastComplete(place);
  }

  noteCompleteSweeps(places: readonly TableRef[], atMs: number): Promise<void> {
    return this.sweeps.noteComplete(places, atMs);
  }

  /** Writes the audit record (kept forever, never overwritten); failures propagate. */
  audit(record: AuditRecord): Promise<void> {
    return putAudit(this.client, this.tableName, record);
  }

  /** Writes the intent record (pk `INTENT`): the audit record to be, with no `expiresAt` (kept until cleared). */
  async recordIntent(intent: AuditRecord): Promise<void> {
    const item = { ...toAuditItem(intent), ...intentKey(intent) };
    await this.send(
      this.client.send(new PutItemCommand({ TableName: this.tableName, Item: item }), callOptions()),
    );
  }

  async clearIntent(key: LockKey): Promise<void> {
    await this.send(
      this.client.send(
        new DeleteItemCommand({ TableName: this.tableName, Key: intentKey(key) }),
        callOptions(),
      ),
    );
  }

  audited(intent: AuditRecord): Promise<boolean> {
    return isAudited(this.client, this.tableName, intent);
  }

  /** Every intent record, oldest first (a consistent, paginated Query of one small partition). */
  async intents(): Promise<AuditRecord[]> {
    const found: AuditRecord[] = [];
    for await (const page of queryPartition(this.client, this.tableName, INTENT_PK)) {
      for (const item of page) {
        const record = fromAuditItem(item);
        if (record) found.push(record);
      }
    }
    return found.sort((a, b) => a.at.localeCompare(b.at));
  }

  /**
   * A conditional update of one sighting: its new attributes (`item`), or none when the condition failed. With
   * `returnOld`, a failed condition also gives the item as it stood (`old`) when the engine returns it (DynamoDB
   * does, when there was one).
   */
  private update(
    key: LockKey,
    condition: string,
    update: string,
    values: StateItem,
    returnOld = false,
  ): Promise<UpdateOutcome> {
    const command = new UpdateItemCommand({
      TableName: this.tableName,
      Key: sightingKey(key),
      ConditionExpression: condition,
      UpdateExpression: update,
      ExpressionAttributeNames: attributeNames(condition, update),
      ExpressionAttributeValues: usedValues(values, condition, update),
      ReturnValues: 'ALL_NEW',
      ...(returnOld && { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' }),
    });
    return this.send(this.client.send(command, callOptions())).then(
      ({ Attributes }) => ({ item: Attributes }),
      (err: unknown) => {
        unlessConditionFailed(err);
        return { old: (err as { Item?: StateItem }).Item };
      },
    );
  }

  /** Deletes a sighting unless a later run saw it after `nowMs`; the deleted item, if this call deleted it. */
  private forget({ pk, sk }: StateItem, nowMs: number): Promise<StateItem | undefined> {
    const command = new DeleteItemCommand({
      TableName: this.tableName,
      Key: { pk, sk },
      ConditionExpression: FORGET_IF,
      ExpressionAttributeNames: attributeNames(FORGET_IF),
      ExpressionAttributeValues: { ':now': { N: String(nowMs) } },
      ReturnValues: 'ALL_OLD',
    });
    return this.send(this.client.send(command, callOptions())).then(
      ({ Attributes }) => Attributes,
      unlessConditionFailed,
    );
  }

  private send<T>(call: Promise<T>): Promise<T> {
    return onStateTable(this.tableName, call);
  }
}

/** What a conditional update did: the new item, or, when its condition failed, the old one if known. */
type UpdateOutcome = { readonly item?: StateItem; readonly old?: StateItem };

/**
 * What a sighting whose count condition failed calls for, from the item as it stood: `seen` (counted already
 * at this instant or within the gap, nothing new), `restart` (another `Info`), `moved` (countable, but the
 * digest moved), `moved-within-gap` (not countable, but the digest moved: a write all the same), or `again`
 * (nothing explains the failure: the item changed since, or is gone).
 */
export function nextStep(
  old: StateItem | undefined,
  hash: string,
  nowMs: number,
  gapMs: number,
  digest: string | undefined,
): 'seen' | 'restart' | 'moved' | 'moved-within-gap' | 'again' {
  if (old === undefined) return 'again';
  if (old.infoHash?.S !== hash) return 'restart';
  const remembered = old.digest?.S;
  const moved = digest !== undefined && remembered !== undefined && remembered !== digest;
  const lastSeen = Number(old.lastSeen?.N);
  const within = Math.abs(lastSeen - nowMs) < Math.max(gapMs, 1);
  if (within) return moved ? 'moved-within-gap' : 'seen';
  return moved ? 'moved' : 'again';
}

/** The values the expressions use (DynamoDB rejects unused ones). */
function usedValues(values: StateItem, ...expressions: string[]): StateItem {
  const used = new Set(expressions.flatMap((e) => [...e.matchAll(/:\w+/g)].map(([token]) => token)));
  return Object.fromEntries(Object.entries(values).filter(([token]) => used.has(token)));
}
