// Adapter: the StateStore port in process memory (CLI without a state table, demo, tests).
import { createHash } from 'node:crypto';
import type { Sighting } from '../core/judge';
import type { AuditRecord, LockKey, StateStore, TableRef } from '../core/ports';

/** The SHA-256 of a string's UTF-8 bytes, as 32 raw bytes. */
const sha256 = (text: string): Buffer => createHash('sha256').update(text, 'utf8').digest();

/**
 * What the memory keeps of each lock instance, in columns indexed by the lock's slot, so a lock costs no object,
 * no number box and no hex string of its own (about 150 bytes a lock less than an object per lock). Per slot:
 * `count`; `firstSeenMs`; `lastSeenMs` (when the last counted sighting was: sightings closer than the gap do not
 * count); `lastAlertedMs` (NaN: never); `lastWriteMs` (when a counted sighting saw the state digest change; NaN:
 * never); `absentMs` (the end of the place's last complete sweep when the lock was first seen; 0: none); and 32
 * bytes each of: the SHA-256 of the lock's `Info` (as the state table keeps it: the whole `Info` would cost ~250
 * bytes a lock), of the `Info` the last alert named (set with `lastAlertedMs`), and of the state digest at the
 * last sighting that had one (with a flag: none yet). A digest is compared by its SHA-256: two different digests
 * read as the same only if their SHA-256s collide (about 2^-256 for one comparison).
 */
class LockColumns {
  private static readonly NUMBERS = 6;
  private static readonly BYTES = 3 * 32 + 1;
  private numbers = new Float64Array(0);
  private bytes = new Uint8Array(0);
  private size = 0;
  private readonly free: number[] = [];

  /** A slot for a new lock instance (a freed one first), its fields to be set by `fresh`. */
  take(): number {
    const freed = this.free.pop();
    if (freed !== undefined) return freed;
    if (this.size * LockColumns.NUMBERS >= this.numbers.length) {
      const capacity = Math.max(256, this.size * 2);
      const numbers = new Float64Array(capacity * LockColumns.NUMBERS);
      numbers.set(this.numbers);
      const bytes = new Uint8Array(capacity * LockColumns.BYTES);
      bytes.set(this.bytes);
      this.numbers = numbers;
      this.bytes = bytes;
    }
    return this.size++;
  }

  release(slot: number): void {
    this.free.push(slot);
  }

  get(slot: number, field: NumberField): number {
    return this.numbers[slot * LockColumns.NUMBERS + field];
  }

  set(slot: number, field: NumberField, value: number): void {
    this.numbers[slot * LockColumns.NUMBERS + field] = value;
  }

  /** Whether the hash `which` of the slot is `hash` (the digest's: false when none was kept). */
  same(slot: number, which: HashField, hash: Uint8Array): boolean {
    if (which === DIGEST && !this.hasDigest(slot)) return false;
    const at = slot * LockColumns.BYTES + which * 32;
    for (let i = 0; i < 32; i++) if (this.bytes[at + i] !== hash[i]) return false;
    return true;
  }

  /** Keeps `hash` as the slot's hash `which` (the digest's: none when undefined). */
  keep(slot: number, which: HashField, hash: Uint8Array | undefined): void {
    if (which === DIGEST) this.bytes[slot * LockColumns.BYTES + 96] = hash ? 1 : 0;
    if (hash) this.bytes.set(hash.subarray(0, 32), slot * LockColumns.BYTES + which * 32);
  }

  /** Copies the slot's hash `from` to its hash `to` (the alerted `Info` from the seen one). */
  copy(slot: number, from: HashField, to: HashField): void {
    const at = slot * LockColumns.BYTES;
    this.bytes.copyWithin(at + to * 32, at + from * 32, at + from * 32 + 32);
  }

  hasDigest(slot: number): boolean {
    return this.bytes[slot * LockColumns.BYTES + 96] === 1;
  }
}

const [COUNT, FIRST_SEEN, LAST_SEEN, LAST_ALERTED, LAST_WRITE, ABSENT] = [0, 1, 2, 3, 4, 5] as const;
type NumberField =
  | typeof COUNT
  | typeof FIRST_SEEN
  | typeof LAST_SEEN
  | typeof LAST_ALERTED
  | typeof LAST_WRITE
  | typeof ABSENT;
const [INFO, ALERTED, DIGEST] = [0, 1, 2] as const;
type HashField = typeof INFO | typeof ALERTED | typeof DIGEST;

/** A time kept as a number, NaN for none, as the port says it: undefined for none. */
const timeOf = (ms: number): number | undefined => (Number.isNaN(ms) ? undefined : ms);

/**
 * The janitor's memory kept in this process only: used when no state table is configured. A CLI run or a
 * Lambda cold start begins with an empty memory, so each run counts as one sighting; the demo reuses one
 * instance across its two sweeps.
 */
export class MemoryStateStore implements StateStore {
  /** Each lock instance's slot in `locks`, key `[region, table, lockId, id]`. */
  private readonly slots = new Map<string, number>();
  private readonly locks = new LockColumns();
  /** Failing tables: key `[region, table]` → when the failure was last alerted (undefined: never). */
  private readonly tableFailures = new Map<string, number | undefined>();
  readonly audits: AuditRecord[] = [];
  /** Intent records by lock instance (written before each delete, cleared after its audit). */
  private readonly pending = new Map<string, AuditRecord>();
  /** The end of each place's last complete sweep, key `[region, table]`. */
  private readonly swept = new Map<string, number>();
  readonly singleRun: boolean;

  /** @param options.singleRun this instance serves one run and is dropped (the CLI); @default false */
  constructor(options: { readonly singleRun?: boolean } = {}) {
    this.singleRun = options.singleRun ?? false;
  }

  async observe(
    key: LockKey,
    rawInfo: string,
    nowMs: number,
    gapMs = 0,
    digest?: string,
    absentMs = 0,
  ): Promise<Sighting> {
    // A store that serves one run keeps no sightings: nothing it could remember is ever read again, and a
    // lock is seen once per run (what a fresh memory answers), so the CLI without a state table skips the work.
    if (this.singleRun) return { count: 1, firstSeenMs: nowMs, ...(absentMs > 0 ? { absentMs } : {}) };
    const id = keyOf(key);
    const infoHash = sha256(rawInfo);
    const digestHash = digest === undefined ? undefined : sha256(digest);
    const locks = this.locks;
    let slot = this.slots.get(id);
    if (slot !== undefined && locks.same(slot, INFO, infoHash)) {
      const lastSeenMs = locks.get(slot, LAST_SEEN);
      if (lastSeenMs !== nowMs && Math.abs(nowMs - lastSeenMs) >= gapMs) {
        locks.set(slot, COUNT, locks.get(slot, COUNT) + 1);
        locks.set(slot, LAST_SEEN, nowMs);
      }
      // A sighting with a digest keeps it, and notes a write when it differs from the last one kept.
      if (digestHash) {
        if (locks.hasDigest(slot) && !locks.same(slot, DIGEST, digestHash))
          locks.set(slot, LAST_WRITE, nowMs);
        locks.keep(slot, DIGEST, digestHash);
      }
    } else {
      // A new instance (a lock never seen, or its `Info` changed): the alert it had and its first absence stay.
      const fresh = slot === undefined;
      slot ??= locks.take();
      this.slots.set(id, slot);
      locks.keep(slot, INFO, infoHash);
      locks.set(slot, COUNT, 1);
      locks.set(slot, FIRST_SEEN, nowMs);
      locks.set(slot, LAST_SEEN, nowMs);
      if (fresh) {
        locks.set(slot, LAST_ALERTED, Number.NaN);
        locks.set(slot, ABSENT, absentMs);
      }
      locks.keep(slot, DIGEST, digestHash);
      locks.set(slot, LAST_WRITE, Number.NaN);
    }
    const lastWriteMs = timeOf(locks.get(slot, LAST_WRITE));
    const absent = locks.get(slot, ABSENT);
    return {
      count: locks.get(slot, COUNT),
      firstSeenMs: locks.get(slot, FIRST_SEEN),
      lastAlertedMs: timeOf(locks.get(slot, LAST_ALERTED)),
      ...(lastWriteMs === undefined ? {} : { lastWriteMs }),
      ...(absent > 0 ? { absentMs: absent } : {}),
    };
  }

  async lastCompleteSweep(place: TableRef): Promise<number | undefined> {
    return this.swept.get(tableKey(place));
  }

  async noteCompleteSweeps(places: readonly TableRef[], atMs: number): Promise<void> {
    for (const place of places) {
      const key = tableKey(place);
      this.swept.set(key, Math.max(atMs, this.swept.get(key) ?? 0));
    }
  }

  async markAlerted(keys: readonly LockKey[], nowMs: number): Promise<void> {
    for (const key of keys) {
      const slot = this.slots.get(keyOf(key));
      if (slot !== undefined) {
        this.locks.set(slot, LAST_ALERTED, nowMs);
        this.locks.copy(slot, INFO, ALERTED);
      }
    }
  }

  async announced(key: LockKey, rawInfo: string): Promise<boolean> {
    const slot = this.slots.get(keyOf(key));
    if (slot === undefined || Number.isNaN(this.locks.get(slot, LAST_ALERTED))) return false;
    return this.locks.same(slot, ALERTED, sha256(rawInfo));
  }

  async forgetGone(
    scanned: readonly { region: string; table: string }[],
    seen: readonly LockKey[],
    _nowMs: number,
  ): Promise<LockKey[]> {
    // The slots seen, not their keys: no second copy of every key is held while the memory is walked.
    const seenSlots = new Set<number>();
    for (const key of seen) {
      const slot = this.slots.get(keyOf(key));
      if (slot !== undefined) seenSlots.add(slot);
    }
    const tables = new Set(scanned.map((t) => JSON.stringify([t.region, t.table])));
    const resolved: LockKey[] = [];
    for (const [id, slot] of this.slots) {
      if (seenSlots.has(slot)) continue;
      const key = JSON.parse(id) as [string, string, string, string];
      if (!tables.has(JSON.stringify([key[0], key[1]]))) continue;
      this.forgetSlot(id, slot);
      if (!Number.isNaN(this.locks.get(slot, LAST_ALERTED)))
        resolved.push({ region: key[0], table: key[1], lockId: key[2], id: key[3] });
    }
    return resolved;
  }

  async forgetLock(key: LockKey): Promise<void> {
    const id = keyOf(key);
    const slot = this.slots.get(id);
    if (slot !== undefined) this.forgetSlot(id, slot);
  }

  private forgetSlot(id: string, slot: number): void {
    this.slots.delete(id);
    this.locks.release(slot);
  }

  async audit(record: AuditRecord): Promise<void> {
    this.audits.push(record);
  }

  async recordIntent(intent: AuditRecord): Promise<void> {
    this.pending.set(keyOf(intent), intent);
  }

  async clearIntent(key: LockKey): Promise<void> {
    this.pending.delete(keyOf(key));
  }

  async audited(intent: AuditRecord): Promise<boolean> {
    return this.audits.some(
      (a) =>
        a.region === intent.region &&
        a.table === intent.table &&
        a.lockId === intent.lockId &&
        a.id === intent.id &&
        a.runId === intent.runId &&
        a.at === intent.at,
    );
  }

  async intents(): Promise<AuditRecord[]> {
    return [...this.pending.values()].sort((a, b) => a.at.localeCompare(b.at));
  }

  async noteTableFailures(
    failed: readonly TableRef[],
    recovered: readonly TableRef[],
    _nowMs: number,
  ): Promise<(number | undefined)[]> {
    for (const t of recovered) this.tableFailures.delete(tableKey(t));
    return failed.map((t) => {
      const key = tableKey(t);
      if (!this.tableFailures.has(key)) this.tableFailures.set(key, undefined);
      return this.tableFailures.get(key);
    });
  }

  async markTableFailuresAlerted(tables: readonly TableRef[], nowMs: number): Promise<void> {
    for (const t of tables) this.tableFailures.set(tableKey(t), nowMs);
  }
}

function tableKey(t: TableRef): string {
  return JSON.stringify([t.region, t.table]);
}

function keyOf(key: LockKey): string {
  return JSON.stringify([key.region, key.table, key.lockId, key.id]);
}
