// Tests: races between the janitor and Terraform-faithful lock clients.
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RawItem } from '../lambda/core/lock-item';
import type { PolicyInput } from '../lambda/core/policy';
import type { DeleteResult } from '../lambda/core/ports';
import type { RunReport } from '../lambda/core/report';
import { createLockTable, lockIds, testClient, uniqueName } from './support/dynamo';
import { sweepTables, withOverrides } from './support/janitor';
import { newLockInfo, TerraformClient, type UnlockResult } from './support/terraform-client';

const client = testClient();
const terraform = new TerraformClient(client);
afterAll(() => client.destroy());

const DAY = 24 * 3600_000;

/** Deletes every lock the moment it sees it, except under `prod/`, which it only alerts on. */
const AGGRESSIVE: PolicyInput = {
  mode: 'delete',
  // No opt-out tag to read: dynalite answers a tag read by walking every item of the engine (all the suite's
  // tables), which no DynamoDB does; it would hold each table's first page back longer than a lock is held.
  tables: { optOutTag: false },
  allowShortDurations: true,
  minSightings: 1,
  maxDeletionsPerRun: 10_000,
  rules: [
    { name: 'prod', match: { lockId: '*/prod/*' }, alertAfter: '1h' },
    { name: 'anything', match: {}, deleteAfter: '0s' },
  ],
};

/** One janitor run as the test saw it: what it read, what its guarded deletes did, what it reported. */
type JanitorRun = {
  readonly reads: Set<string>;
  readonly deletes: { table: string; lockId: string; info: string; result: DeleteResult }[];
  readonly audits: MemoryStateStore['audits'];
  report: RunReport;
};

const instanceKey = (table: string, lockId: string, info: string | undefined) =>
  JSON.stringify([table, lockId, info ?? null]);

const stringAttr = (raw: RawItem, name: string) => (raw[name] as { S?: string } | undefined)?.S;

/** One sweep over the tables named `<prefix>-*`, reading 2 items a page and recording every read and delete. */
async function recordedSweep(prefix: string, policy: PolicyInput = AGGRESSIVE): Promise<JanitorRun> {
  return gatedSweep(prefix, policy, async () => {});
}

/** Like `recordedSweep`, but each guarded delete first awaits `beforeDelete` (to interleave other work). */
async function gatedSweep(
  prefix: string,
  policy: PolicyInput,
  beforeDelete: (lockId: string) => Promise<void>,
): Promise<JanitorRun> {
  const state = new MemoryStateStore();
  const run: JanitorRun = { reads: new Set(), deletes: [], audits: state.audits, report: undefined! };
  const store = new DynamoLockStore(client, 'us-east-1', 2);
  run.report = await sweepTables(client, prefix, policy, {
    state,
    now: new Date(),
    wrap: () =>
      withOverrides(store, {
        async *scan(table) {
          for await (const page of store.scan(table)) {
            for (const raw of page.items)
              run.reads.add(instanceKey(table, stringAttr(raw, 'LockID') ?? '', stringAttr(raw, 'Info')));
            yield page;
          }
        },
        async deleteIfUnchanged(table, lockId, info) {
          await beforeDelete(lockId);
          const result = await store.deleteIfUnchanged(table, lockId, info);
          run.deletes.push({ table, lockId, info, result });
          return result;
        },
      }),
  });
  return run;
}

/** A small deterministic PRNG (mulberry32), so the clients' choices repeat from run to run. */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
  };
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A lock instance a client held, how its unlock went, and who removed it: itself, a janitor run, or another client. */
type Instance = {
  readonly table: string;
  readonly lockId: string;
  readonly id: string;
  readonly info: string;
  unlocked?: UnlockResult;
  readonly removers: string[];
};

/** One item removal seen from the side that did it: the instance (table, LockID, Info), who, and for an
 * unlock, the instance being unlocked. */
type Removal = { readonly key: string; readonly by: string; readonly unlocking?: string };

describe('simulated Terraform clients racing janitor sweeps', () => {
  const CLIENTS = 8;
  const CYCLES = 25;
  const ROUNDS = 30; // two janitor runs at once per round
  /** How long from its start the janitor may go on past ROUNDS while it has not deleted more than MIN_DELETED held locks. */
  const MORE_MS = 60_000;
  const MIN_DELETED = 5;
  const prefix = uniqueName('races');
  const tables = [`${prefix}-a`, `${prefix}-b`];
  const states = ['acme/app.tfstate', 'acme/env:/dev/app.tfstate', 'acme/prod/network.tfstate'];

  const instances = new Map<string, Instance>();
  const removals: Removal[] = [];
  const runs: JanitorRun[] = [];
  let contended = 0;
  let janitorDone = false;

  /**
   * One Terraform client: take a lock (retrying with the same Info), hold it briefly, unlock it; at least CYCLES
   * times, and on while the janitor runs, so every janitor run races the clients however fast either side is.
   */
  async function terraformClient(n: number): Promise<void> {
    const random = prng(1000 + n);
    for (let cycle = 0; cycle < CYCLES || !janitorDone; cycle++) {
      const table = tables[random(tables.length)];
      const lockId = states[random(states.length)];
      // Back-dated a day, so the prod rule would alert on it; the catch-all deletes anything at once.
      const { id, info } = newLockInfo(lockId, { who: `client-${n}@ci`, createdMs: Date.now() - DAY });
      let taken = false;
      for (let attempt = 0; attempt < 40 && !taken; attempt++) {
        taken = await terraform.lock(table, lockId, info);
        if (!taken) {
          contended++;
          await pause(random(3));
        }
      }
      if (!taken) continue;
      const instance: Instance = { table, lockId, id, info, removers: [] };
      instances.set(instanceKey(table, lockId, info), instance);
      // Held tens of milliseconds: long enough for sweeps under load (a CI machine) to find and delete it, though a
      // table's first page is acted on only once its schema and opt-out tag are confirmed (a round trip or two later).
      await pause(30 + random(30));
      instance.unlocked = await terraform.unlock(table, lockId, id);
      const { removed } = instance.unlocked as { removed?: string };
      // Terraform's unconditional DeleteItem removed whatever was there: its own lock, or another's.
      if (removed !== undefined)
        removals.push({
          key: instanceKey(table, lockId, removed),
          by: removed === info ? 'itself' : `the unlock of client-${n}`,
          unlocking: instanceKey(table, lockId, info),
        });
    }
  }

  async function janitor(): Promise<void> {
    // At least ROUNDS rounds, and on (until MORE_MS after the start) until the janitor has deleted more than MIN_DELETED held
    // locks: a loaded machine (the whole suite on 2 cores) slows both sides, and the checks below mean something
    // only once it has.
    const deletedSoFar = () => runs.flatMap((r) => r.deletes).filter((d) => d.result === 'deleted').length;
    const until = Date.now() + MORE_MS;
    try {
      for (let round = 0; round < ROUNDS || (deletedSoFar() <= MIN_DELETED && Date.now() < until); round++) {
        runs.push(...(await Promise.all([recordedSweep(prefix), recordedSweep(prefix)])));
      }
    } finally {
      janitorDone = true;
    }
  }

  beforeAll(async () => {
    for (const t of tables) await createLockTable(client, t);
    await Promise.all([janitor(), ...Array.from({ length: CLIENTS }, (_, n) => terraformClient(n))]);
    runs.forEach((run, r) => {
      for (const d of run.deletes)
        if (d.result === 'deleted')
          removals.push({ key: instanceKey(d.table, d.lockId, d.info), by: `run ${r}` });
    });
    for (const { key, by } of removals) instances.get(key)?.removers.push(by);
  }, 30_000 + MORE_MS);

  it('exercises the race: many lock cycles, many janitor deletions of held locks, contended locks', () => {
    const deleted = runs.flatMap((r) => r.deletes).filter((d) => d.result === 'deleted');
    expect(runs.length).toBeGreaterThanOrEqual(2 * ROUNDS);
    expect(instances.size).toBeGreaterThan(CLIENTS * CYCLES * 0.9);
    expect(deleted.length).toBeGreaterThan(MIN_DELETED);
    expect(contended).toBeGreaterThan(0);
  });

  it('removes nothing but lock instances the clients took (no phantom items)', () => {
    expect(removals.filter(({ key }) => !instances.has(key))).toEqual([]);
  });

  it('deletes only lock instances the same run read and judged (LockID, lock ID and exact Info)', () => {
    for (const run of runs) {
      for (const d of run.deletes) expect(run.reads.has(instanceKey(d.table, d.lockId, d.info))).toBe(true);
      const judged = run.report.locks.filter((l) => l.decision === 'delete');
      const attempted = run.deletes.map((d) => [d.table, d.lockId, JSON.parse(d.info).ID]);
      expect(attempted.sort()).toEqual(judged.map((l) => [l.table, l.lockId, l.id]).sort());
    }
  });

  it('reports exactly the deletions that happened, and audits each with the Info it deleted', () => {
    for (const run of runs) {
      const done = run.deletes.filter((d) => d.result === 'deleted');
      const reported = run.report.locks.filter((l) => l.outcome === 'deleted');
      expect(reported.map((l) => [l.table, l.lockId, l.id]).sort()).toEqual(
        done.map((d) => [d.table, d.lockId, JSON.parse(d.info).ID]).sort(),
      );
      expect(run.report.counts.deleted).toBe(done.length);
      expect(run.report.counts.changed).toBe(run.deletes.length - done.length);
      expect(run.audits.map((a) => a.info).sort()).toEqual(done.map((d) => d.info).sort());
      expect(run.report.counts.errors).toBe(0);
    }
  });

  it('removes every lock instance exactly once: by its holder, a janitor run that read it, or a racing unlock', () => {
    for (const instance of instances.values()) {
      expect({ lockId: instance.lockId, id: instance.id, removers: instance.removers }).toEqual({
        lockId: instance.lockId,
        id: instance.id,
        removers: [expect.any(String)],
      });
    }
  });

  it("accounts for every lock a client found gone: a run that reported deleting it, or Terraform's unlock gap", () => {
    for (const instance of instances.values()) {
      const result = instance.unlocked;
      if (result?.outcome === 'released' && result.removed === instance.info) continue;
      // Gone before the unlock's read, or removed between its read and its delete.
      expect(instance.removers).toEqual([expect.stringMatching(/^(run \d+|the unlock of client-\d+)$/)]);
      const [remover] = instance.removers;
      if (remover.startsWith('run ')) {
        const run = runs[Number(remover.slice(4))];
        expect(run.report.locks).toContainEqual(
          expect.objectContaining({ lockId: instance.lockId, id: instance.id, outcome: 'deleted' }),
        );
      }
    }
  });

  it("lets a client's unlock remove another's lock only when its own lock had been deleted under it", () => {
    // Terraform's read-then-delete unlock (hashicorp/terraform internal/backend/remote-state/s3/client.go, Unlock) can only hit a newer lock if the
    // holder's own lock vanished between its read and its delete: here, only by a janitor deletion.
    for (const { by, unlocking } of removals.filter((r) => r.by.startsWith('the unlock'))) {
      expect({ by, unlockedLockRemovedBy: instances.get(unlocking ?? '')?.removers }).toEqual({
        by,
        unlockedLockRemovedBy: [expect.not.stringMatching(/^itself$/)],
      });
    }
  });

  it('never has two runs, even at once, report the same instance deleted', () => {
    const deleted = runs.flatMap((r) =>
      r.report.locks.filter((l) => l.outcome === 'deleted').map((l) => `${l.table} ${l.lockId} ${l.id}`),
    );
    expect(new Set(deleted).size).toBe(deleted.length);
  });

  it('never deletes a lock its policy only alerts on', () => {
    const prod = [...instances.values()].filter((i) => i.lockId.includes('/prod/'));
    expect(prod.length).toBeGreaterThan(0);
    for (const instance of prod) expect(instance.removers).toEqual(['itself']);
  });

  it('leaves the tables empty once every client has unlocked', async () => {
    for (const t of tables) expect(await lockIds(client, t)).toEqual([]);
  });
});

describe('deterministic interleavings', () => {
  it('does not delete a lock released and re-taken after the read: the new holder keeps it', async () => {
    const prefix = uniqueName('retaken');
    const table = `${prefix}-t`;
    await createLockTable(client, table);
    const lockId = 'acme/app.tfstate';
    const first = newLockInfo(lockId);
    expect(await terraform.lock(table, lockId, first.info)).toBe(true);
    const second = newLockInfo(lockId);

    const run = await gatedSweep(prefix, AGGRESSIVE, async () => {
      expect(await terraform.unlock(table, lockId, first.id)).toEqual({
        outcome: 'released',
        removed: first.info,
      });
      expect(await terraform.lock(table, lockId, second.info)).toBe(true);
    });

    expect(run.report.locks).toEqual([expect.objectContaining({ id: first.id, outcome: 'changed' })]);
    expect(run.report.counts).toMatchObject({ deleted: 0, changed: 1, errors: 0 });
    expect(run.audits).toEqual([]);
    expect(await terraform.unlock(table, lockId, second.id)).toEqual({
      outcome: 'released',
      removed: second.info,
    });
  });

  it('lets exactly one of two runs that read the same lock delete it; the other reports it changed', async () => {
    const prefix = uniqueName('twice');
    const table = `${prefix}-t`;
    await createLockTable(client, table);
    const lockId = 'acme/app.tfstate';
    const held = newLockInfo(lockId);
    expect(await terraform.lock(table, lockId, held.info)).toBe(true);

    // Both runs have read and judged the lock before either deletes it.
    let arrived = 0;
    let release!: () => void;
    const bothJudged = new Promise<void>((resolve) => {
      release = resolve;
    });
    const barrier = async () => {
      if (++arrived === 2) release();
      await bothJudged;
    };
    const [a, b] = await Promise.all([
      gatedSweep(prefix, AGGRESSIVE, barrier),
      gatedSweep(prefix, AGGRESSIVE, barrier),
    ]);

    const outcomes = [a, b].flatMap((r) => r.report.locks.map((l) => l.outcome));
    expect(outcomes.sort()).toEqual(['changed', 'deleted']);
    expect([...a.audits, ...b.audits]).toEqual([expect.objectContaining({ id: held.id, info: held.info })]);
    expect(await terraform.unlock(table, lockId, held.id)).toEqual({ outcome: 'missing' });
  });

  it("shows why deleteAfter must outlast any real run: a holder's unlock can remove the next holder's lock", async () => {
    // Terraform's Unlock() is read-then-unconditional-delete (hashicorp/terraform internal/backend/remote-state/s3/client.go, Unlock). If the janitor
    // deletes a lock that is still held and another run takes it inside that gap, the holder's DeleteItem
    // removes the other run's lock. The janitor's own delete was exact; the harm comes from judging a live
    // lock stale, which only a too-short deleteAfter allows.
    const prefix = uniqueName('gap');
    const table = `${prefix}-t`;
    await createLockTable(client, table);
    const lockId = 'acme/app.tfstate';
    const live = newLockInfo(lockId);
    const next = newLockInfo(lockId);
    expect(await terraform.lock(table, lockId, live.info)).toBe(true);

    let run: JanitorRun | undefined;
    const unlocked = await terraform.unlock(table, lockId, live.id, async () => {
      run = await recordedSweep(prefix);
      expect(await terraform.lock(table, lockId, next.info)).toBe(true);
    });

    expect(run?.deletes).toEqual([{ table, lockId, info: live.info, result: 'deleted' }]);
    expect(unlocked).toEqual({ outcome: 'released', removed: next.info });
    expect(await terraform.unlock(table, lockId, next.id)).toEqual({ outcome: 'missing' });
  });
});
