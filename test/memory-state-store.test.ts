// Tests: the in-process state store: a single run's keeps no sightings; packed in columns, it answers as an object per lock did.
import fc from 'fast-check';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { sha256 } from '../lambda/adapters/state-keys';
import type { Sighting } from '../lambda/core/judge';
import type { LockKey, TableRef } from '../lambda/core/ports';

const KEY = { region: 'eu-west-1', table: 'locks', lockId: 'b/a/terraform.tfstate', id: 'id-1' };

describe('MemoryStateStore', () => {
  it('of a single run answers every lock as first seen now and remembers nothing', async () => {
    const store = new MemoryStateStore({ singleRun: true });
    expect(await store.observe(KEY, '{"ID":"id-1"}', 1_000, 0, 'd1')).toEqual({
      count: 1,
      firstSeenMs: 1_000,
    });
    expect(await store.observe(KEY, '{"ID":"id-1"}', 900_000, 0, 'd2')).toEqual({
      count: 1,
      firstSeenMs: 900_000,
    });
    await store.markAlerted([KEY], 900_000);
    expect(await store.forgetGone([{ region: KEY.region, table: KEY.table }], [], 900_001)).toEqual([]);
  });

  it('across runs counts sightings apart by the gap and resolves an alerted lock once it is gone', async () => {
    const store = new MemoryStateStore();
    await store.observe(KEY, '{"ID":"id-1"}', 1_000, 0);
    expect((await store.observe(KEY, '{"ID":"id-1"}', 900_000, 0)).count).toBe(2);
    await store.markAlerted([KEY], 900_000);
    expect(await store.forgetGone([{ region: KEY.region, table: KEY.table }], [], 900_001)).toEqual([KEY]);
  });
});

/**
 * The memory as it was kept before it was packed into columns (an object per lock, hex SHA-256s): what every
 * sighting, alert and forgetting must still answer.
 */
class ReferenceMemory {
  private readonly entries = new Map<string, Entry>();

  observe(
    key: LockKey,
    rawInfo: string,
    nowMs: number,
    gapMs: number,
    digest?: string,
    absentMs = 0,
  ): Sighting {
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

  markAlerted(keys: readonly LockKey[], nowMs: number): void {
    for (const key of keys) {
      const entry = this.entries.get(keyOf(key));
      if (entry) {
        entry.lastAlertedMs = nowMs;
        entry.alertedHash = entry.infoHash;
      }
    }
  }

  announced(key: LockKey, rawInfo: string): boolean {
    const alerted = this.entries.get(keyOf(key))?.alertedHash;
    return alerted !== undefined && alerted === sha256(rawInfo);
  }

  forgetGone(scanned: readonly TableRef[], seen: readonly LockKey[]): LockKey[] {
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

  forgetLock(key: LockKey): void {
    this.entries.delete(keyOf(key));
  }
}

type Entry = {
  infoHash: string;
  count: number;
  firstSeenMs: number;
  lastSeenMs: number;
  lastAlertedMs?: number;
  alertedHash?: string;
  digest?: string;
  lastWriteMs?: number;
  absentMs: number;
};

function digestSeen(prev: Entry, digest: string | undefined, nowMs: number): Partial<Entry> {
  if (digest === undefined) return {};
  const moved = prev.digest !== undefined && prev.digest !== digest;
  return { digest, ...(moved ? { lastWriteMs: nowMs } : {}) };
}

const keyOf = (key: LockKey) => JSON.stringify([key.region, key.table, key.lockId, key.id]);

describe('MemoryStateStore packed in columns', () => {
  it('answers every sequence of sightings, alerts and forgetting as the object-per-lock memory did', async () => {
    // A few locks in two tables, few Infos and digests, so sequences revisit the same lock, Info and digest.
    const lock = fc.record({
      table: fc.constantFrom('locks-a', 'locks-b'),
      lockId: fc.constantFrom('acme/a.tfstate', 'acme/b.tfstate', 'acme/c.tfstate'),
      id: fc.constantFrom('id-1', 'id-2'),
    });
    const key = (l: { table: string; lockId: string; id: string }): LockKey => ({
      region: 'eu-west-1',
      ...l,
    });
    const info = fc.constantFrom('{"ID":"id-1"}', '{"ID":"id-1","Who":"x"}', '{"ID":"id-2"}');
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('observe' as const),
        lock,
        info,
        atMs: fc.integer({ min: 0, max: 40 }).map((m) => 1_700_000_000_000 + m * 60_000),
        gapMs: fc.constantFrom(0, 5 * 60_000),
        digest: fc.option(fc.constantFrom('d1', 'd2', 'd3'), { nil: undefined }),
        absentMs: fc.constantFrom(0, 1_699_999_000_000),
      }),
      fc.record({
        kind: fc.constant('alert' as const),
        locks: fc.array(lock, { maxLength: 3 }),
        atMs: fc.nat(),
      }),
      fc.record({ kind: fc.constant('announced' as const), lock, info }),
      fc.record({
        kind: fc.constant('forgetGone' as const),
        tables: fc.subarray(['locks-a', 'locks-b']),
        seen: fc.array(lock, { maxLength: 4 }),
      }),
      fc.record({ kind: fc.constant('forgetLock' as const), lock }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 60 }), async (ops) => {
        const store = new MemoryStateStore();
        const reference = new ReferenceMemory();
        for (const o of ops) {
          if (o.kind === 'observe') {
            const k = key(o.lock);
            expect(await store.observe(k, o.info, o.atMs, o.gapMs, o.digest, o.absentMs)).toStrictEqual(
              reference.observe(k, o.info, o.atMs, o.gapMs, o.digest, o.absentMs),
            );
          } else if (o.kind === 'alert') {
            await store.markAlerted(o.locks.map(key), o.atMs);
            reference.markAlerted(o.locks.map(key), o.atMs);
          } else if (o.kind === 'announced') {
            expect(await store.announced(key(o.lock), o.info)).toBe(reference.announced(key(o.lock), o.info));
          } else if (o.kind === 'forgetGone') {
            const scanned = o.tables.map((table) => ({ region: 'eu-west-1', table }));
            const seen = o.seen.map(key);
            expect(await store.forgetGone(scanned, seen, 0)).toEqual(reference.forgetGone(scanned, seen));
          } else {
            await store.forgetLock(key(o.lock));
            reference.forgetLock(key(o.lock));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('resolves the gone locks of several places in the order it first saw them', async () => {
    // Prepare: alerted locks seen in two tables, interleaved; one of them re-taken (a new ID) in between.
    const store = new MemoryStateStore();
    const at = (table: string, n: number, id = `id-${n}`) => ({
      ...KEY,
      table,
      lockId: `acme/${n}.tfstate`,
      id,
    });
    const order = [at('b', 1), at('a', 2), at('b', 3), at('a', 1), at('a', 2, 'id-2b'), at('b', 2)];
    for (const k of order) await store.observe(k, `{"ID":"${k.id}"}`, 1_000, 0);
    await store.markAlerted(order, 2_000);

    // Act
    const resolved = await store.forgetGone(
      [
        { region: KEY.region, table: 'a' },
        { region: KEY.region, table: 'b' },
      ],
      [],
      3_000,
    );

    // Assess
    expect(resolved).toEqual(order);
  });

  it('keeps thousands of locks apart as its columns grow, and reuses a forgotten lock’s place cleanly', async () => {
    // Prepare: 3,000 locks seen twice (the columns grow past their first size), every other one alerted.
    const store = new MemoryStateStore();
    const keys = Array.from({ length: 3000 }, (_, i) => ({
      ...KEY,
      lockId: `acme/${i}.tfstate`,
      id: `id-${i}`,
    }));
    for (const [i, k] of keys.entries()) await store.observe(k, `{"ID":"id-${i}"}`, 1_000, 0, `d-${i}`);
    await store.markAlerted(
      keys.filter((_, i) => i % 2 === 0),
      2_000,
    );

    // Act: half of them forgotten; new locks take their places.
    const gone = await store.forgetGone([{ region: KEY.region, table: KEY.table }], keys.slice(1500), 3_000);
    const fresh = Array.from({ length: 1500 }, (_, i) => ({
      ...KEY,
      lockId: `acme/new-${i}.tfstate`,
      id: `n-${i}`,
    }));
    const first = await Promise.all(
      fresh.map((k, i) => store.observe(k, `{"ID":"n-${i}"}`, 4_000, 0, 'd-0')),
    );
    const again = await Promise.all(
      keys.slice(1500).map((k, i) => store.observe(k, `{"ID":"id-${1500 + i}"}`, 5_000, 0, `moved-${i}`)),
    );

    // Assess: the alerted ones of the forgotten half resolved; the new locks inherit no count, alert or digest.
    expect(gone).toHaveLength(750);
    expect(
      first.every((s) => s.count === 1 && s.lastAlertedMs === undefined && s.lastWriteMs === undefined),
    ).toBe(true);
    expect(await Promise.all(fresh.map((k, i) => store.announced(k, `{"ID":"n-${i}"}`)))).not.toContain(true);
    expect(again.map((s) => [s.count, s.lastAlertedMs, s.lastWriteMs])).toEqual(
      keys.slice(1500).map((_, i) => [2, (1500 + i) % 2 === 0 ? 2_000 : undefined, 5_000]),
    );
  });
});
