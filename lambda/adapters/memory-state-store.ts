// Adapter: the StateStore port in process memory (CLI without a state table, demo, tests).
import type { Sighting } from '../core/judge';
import type { AuditRecord, LockKey, StateStore, TableRef } from '../core/ports';
import { Field, Hash, LockSlots, placeKey, sha256 } from './memory-locks';

/**
 * The janitor's memory kept in this process only: used when no state table is configured. A CLI run or a
 * Lambda cold start begins with an empty memory, so each run counts as one sighting; the demo reuses one
 * instance across its two sweeps.
 */
export class MemoryStateStore implements StateStore {
  /** What is remembered of each lock instance seen (sightings, alerts), packed. */
  private readonly locks = new LockSlots();
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
    const infoHash = sha256(rawInfo);
    const digestHash = digest === undefined ? undefined : sha256(digest);
    const locks = this.locks;
    let slot = locks.find(key);
    if (slot !== undefined && locks.same(slot, Hash.Info, infoHash)) {
      const lastSeenMs = locks.get(slot, Field.LastSeenMs);
      if (lastSeenMs !== nowMs && Math.abs(nowMs - lastSeenMs) >= gapMs) {
        locks.set(slot, Field.Count, locks.get(slot, Field.Count) + 1);
        locks.set(slot, Field.LastSeenMs, nowMs);
      }
      // A sighting with a digest keeps it, and notes a write when it differs from the last one kept.
      if (digestHash !== undefined) {
        if (locks.hasDigest(slot) && !locks.same(slot, Hash.Digest, digestHash))
          locks.set(slot, Field.LastWriteMs, nowMs);
        locks.keep(slot, Hash.Digest, digestHash);
      }
    } else {
      // A new instance (a lock never seen, or its `Info` changed): the alert it had and its first absence stay.
      if (slot === undefined) {
        slot = locks.add(key);
        locks.set(slot, Field.LastAlertedMs, Number.NaN);
        locks.set(slot, Field.AbsentMs, absentMs);
      }
      locks.keep(slot, Hash.Info, infoHash);
      locks.set(slot, Field.Count, 1);
      locks.set(slot, Field.FirstSeenMs, nowMs);
      locks.set(slot, Field.LastSeenMs, nowMs);
      locks.keep(slot, Hash.Digest, digestHash);
      locks.set(slot, Field.LastWriteMs, Number.NaN);
    }
    const lastWriteMs = timeOf(locks.get(slot, Field.LastWriteMs));
    const absent = locks.get(slot, Field.AbsentMs);
    return {
      count: locks.get(slot, Field.Count),
      firstSeenMs: locks.get(slot, Field.FirstSeenMs),
      lastAlertedMs: timeOf(locks.get(slot, Field.LastAlertedMs)),
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
      const slot = this.locks.find(key);
      if (slot !== undefined) {
        this.locks.set(slot, Field.LastAlertedMs, nowMs);
        this.locks.copy(slot, Hash.Info, Hash.Alerted);
      }
    }
  }

  async announced(key: LockKey, rawInfo: string): Promise<boolean> {
    const slot = this.locks.find(key);
    if (slot === undefined || Number.isNaN(this.locks.get(slot, Field.LastAlertedMs))) return false;
    return this.locks.same(slot, Hash.Alerted, sha256(rawInfo));
  }

  async forgetGone(
    scanned: readonly { region: string; table: string }[],
    seen: readonly LockKey[],
    _nowMs: number,
  ): Promise<LockKey[]> {
    // The slots seen, not their keys: no second copy of every key is held while the memory is walked.
    const seenSlots = new Set<number>();
    for (const key of seen) {
      const slot = this.locks.find(key);
      if (slot !== undefined) seenSlots.add(slot);
    }
    const gone: { key: LockKey; slot: number; order: number }[] = [];
    const places = new Map(scanned.map((p) => [placeKey(p.region, p.table), p]));
    for (const { region, table } of places.values())
      for (const { slot, lockId, id } of this.locks.of(region, table))
        if (!seenSlots.has(slot))
          gone.push({ key: { region, table, lockId, id }, slot, order: this.locks.get(slot, Field.Order) });
    const resolved: LockKey[] = [];
    // In the order the memory first saw them, as it always listed them.
    for (const { key, slot } of gone.sort((a, b) => a.order - b.order)) {
      if (!Number.isNaN(this.locks.get(slot, Field.LastAlertedMs))) resolved.push(key);
      this.locks.remove(key.region, key.table, slot);
    }
    return resolved;
  }

  async forgetLock(key: LockKey): Promise<void> {
    const slot = this.locks.find(key);
    if (slot !== undefined) this.locks.remove(key.region, key.table, slot);
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
  return placeKey(t.region, t.table);
}

/** A time kept as a number, NaN for none, as the port gives it: undefined for none. */
const timeOf = (ms: number): number | undefined => (Number.isNaN(ms) ? undefined : ms);

function keyOf(key: LockKey): string {
  return JSON.stringify([key.region, key.table, key.lockId, key.id]);
}
