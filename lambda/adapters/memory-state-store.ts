// Adapter: the StateStore port in process memory (CLI without a state table, demo, tests).
import type { Sighting } from '../core/judge';
import type { AuditRecord, LockKey, StateStore, TableRef } from '../core/ports';
import { sha256 } from './state-keys';

/**
 * `lastSeenMs`: when the last counted sighting was (sightings closer than the gap do not count); `digest`: the
 * state digest at the last counted sighting that had one; `lastWriteMs`: when a counted sighting saw it change.
 */
type Entry = {
  /** The SHA-256 of the lock's `Info`, as the state table keeps it (the whole `Info` would cost ~250 bytes a lock). */
  infoHash: string;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  lastAlertedMs?: number;
  /** The SHA-256 of the `Info` the last alert named. */
  alertedHash?: string;
  digest?: string;
  lastWriteMs?: number;
  /** The end of the place's last complete sweep when the lock was first seen (0: none). */
  absentMs: number;
};

/**
 * The janitor's memory kept in this process only: used when no state table is configured. A CLI run or a
 * Lambda cold start begins with an empty memory, so each run counts as one sighting; the demo reuses one
 * instance across its two sweeps.
 */
export class MemoryStateStore implements StateStore {
  private readonly entries = new Map<string, Entry>();
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
    const prev = this.entries.get(id);
    const infoHash = sha256(rawInfo);
    const counts = !prev || (prev.lastSeenMs !== nowMs && Math.abs(nowMs - prev.lastSeenMs) >= gapMs);
    const next: Entry =
      prev && prev.infoHash === infoHash
        ? counts
          ? { ...prev, count: prev.count + 1, lastSeenMs: nowMs, ...digestSeen(prev, digest, nowMs) }
          : { ...prev, ...digestSeen(prev, digest, nowMs) }
        : {
            infoHash,
            count: 1,
            firstSeenMs: nowMs,
            lastSeenMs: nowMs,
            lastAlertedMs: prev?.lastAlertedMs,
            alertedHash: prev?.alertedHash,
            digest,
            absentMs: prev?.absentMs ?? absentMs,
          };
    this.entries.set(id, next);
    const { count, firstSeenMs, lastAlertedMs, lastWriteMs } = next;
    return {
      count,
      firstSeenMs,
      lastAlertedMs,
      ...(lastWriteMs === undefined ? {} : { lastWriteMs }),
      ...(next.absentMs > 0 ? { absentMs: next.absentMs } : {}),
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
      const entry = this.entries.get(keyOf(key));
      if (entry) {
        entry.lastAlertedMs = nowMs;
        entry.alertedHash = entry.infoHash;
      }
    }
  }

  async announced(key: LockKey, rawInfo: string): Promise<boolean> {
    const alerted = this.entries.get(keyOf(key))?.alertedHash;
    return alerted !== undefined && alerted === sha256(rawInfo);
  }

  async forgetGone(
    scanned: readonly { region: string; table: string }[],
    seen: readonly LockKey[],
    _nowMs: number,
  ): Promise<LockKey[]> {
    const seenIds = new Set(seen.map(keyOf));
    const tables = new Set(scanned.map((t) => JSON.stringify([t.region, t.table])));
    const resolved: LockKey[] = [];
    for (const [id, entry] of this.entries) {
      if (seenIds.has(id)) continue;
      const key = JSON.parse(id) as [string, string, string, string];
      if (!tables.has(JSON.stringify([key[0], key[1]]))) continue;
      this.entries.delete(id);
      if (entry.lastAlertedMs !== undefined)
        resolved.push({ region: key[0], table: key[1], lockId: key[2], id: key[3] });
    }
    return resolved;
  }

  async forgetLock(key: LockKey): Promise<void> {
    this.entries.delete(keyOf(key));
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

/** What a counted sighting with `digest` changes: the digest it saw, and a write when it differs from the last. */
function digestSeen(prev: Entry, digest: string | undefined, nowMs: number): Partial<Entry> {
  if (digest === undefined) return {};
  const moved = prev.digest !== undefined && prev.digest !== digest;
  return { digest, ...(moved ? { lastWriteMs: nowMs } : {}) };
}

function tableKey(t: TableRef): string {
  return JSON.stringify([t.region, t.table]);
}

function keyOf(key: LockKey): string {
  return JSON.stringify([key.region, key.table, key.lockId, key.id]);
}
