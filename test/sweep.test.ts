// Tests: one sweep against dynalite (decisions, outcomes, caps, report).
import { DeleteTableCommand } from '@aws-sdk/client-dynamodb';
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import {
  createLockTable,
  infoOf,
  lockIds,
  putItems,
  terraformLock,
  testClient,
  uniqueName,
} from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const CLEANUP = {
  mode: 'delete' as const,
  minSightings: 1,
  rules: [
    {
      name: 'ci-plans',
      match: { operation: 'OperationTypePlan', who: 'runner@*' },
      alertAfter: '30m',
      deleteAfter: '2h',
    },
    { name: 'default', match: {}, alertAfter: '4h' },
  ],
};

async function lockTable(prefix: string, items: readonly object[]): Promise<string> {
  const name = `${prefix}-${uniqueName('t')}`;
  await createLockTable(client, name);
  await putItems(client, name, items);
  return name;
}

describe('sweep against a real DynamoDB engine', () => {
  it('deletes exactly the locks the policy allows and leaves fresh locks, digests and unparseable items', async () => {
    const prefix = uniqueName('mixed');
    const table = await lockTable(prefix, [
      lockAged('stale-plan.tfstate', 3 * HOUR),
      digestItem('acme', 'stale-plan.tfstate'),
      lockAged('fresh-plan.tfstate', 10 * MINUTE),
      lockAged('old-human-apply.tfstate', 30 * HOUR, 'OperationTypeApply', 'alice@mbp'),
      { LockID: { S: 'acme/tg.tfstate-md5' } },
      { LockID: { S: 'acme/broken.tfstate' }, Info: { S: '' } },
      { LockID: { S: 'acme/x-md5' }, Digest: { S: 'd' }, Info: { S: '{"ID":"' } },
    ]);
    const report = await sweepTables(client, prefix, CLEANUP);
    expect(await lockIds(client, table)).toEqual([
      'acme/broken.tfstate',
      'acme/fresh-plan.tfstate',
      'acme/old-human-apply.tfstate',
      'acme/stale-plan.tfstate-md5',
      'acme/tg.tfstate-md5',
      'acme/x-md5',
    ]);
    expect(report.tables).toEqual([
      { region: 'us-east-1', name: table, items: 7, locks: 3, digests: 2, unparseable: 2 },
    ]);
    const outcomes = Object.fromEntries(
      report.locks.map((l) => [l.lockId, `${l.rule}:${l.decision}:${l.outcome}`]),
    );
    expect(outcomes).toEqual({
      'acme/stale-plan.tfstate': 'ci-plans:delete:deleted',
      'acme/fresh-plan.tfstate': 'ci-plans:keep:kept',
      'acme/old-human-apply.tfstate': 'default:alert:unsent',
    });
    expect(report.counts).toEqual({
      locks: 3,
      stale: 2,
      alerted: 0,
      alertedEarlier: 0,
      unsent: 1,
      deleted: 1,
      changed: 0,
      skipped: 0,
      errors: 0,
    });
  });

  it('waits for minSightings runs before deleting, then audits the deletion', async () => {
    const prefix = uniqueName('sightings');
    const lock = lockAged('plan.tfstate', 3 * HOUR);
    const table = await lockTable(prefix, [lock]);
    const state = new MemoryStateStore();
    const first = await sweepTables(client, prefix, { ...CLEANUP, minSightings: 2 }, { state });
    expect(first.locks[0]).toMatchObject({ decision: 'alert', outcome: 'unsent', sightings: 1 });
    expect(await lockIds(client, table)).toEqual(['acme/plan.tfstate']);
    const second = await sweepTables(
      client,
      prefix,
      { ...CLEANUP, minSightings: 2 },
      { state, now: new Date(NOW + 15 * MINUTE) },
    );
    expect(second.locks[0]).toMatchObject({ decision: 'delete', outcome: 'deleted', sightings: 2 });
    expect(await lockIds(client, table)).toEqual([]);
    expect(state.audits).toEqual([
      expect.objectContaining({
        action: 'deleted',
        table,
        lockId: 'acme/plan.tfstate',
        rule: 'ci-plans',
        runId: 'test-run',
      }),
    ]);
    expect(state.audits[0].info).toBe(lock.Info.S);
  });

  it('does not delete a lock released and re-taken between the scan and the delete (outcome changed)', async () => {
    const prefix = uniqueName('race');
    const table = await lockTable(prefix, [lockAged('plan.tfstate', 3 * HOUR)]);
    const retaken = lockAged('plan.tfstate', 5 * HOUR);
    const report = await sweepTables(client, prefix, CLEANUP, {
      wrap: (store) =>
        withOverrides(store, {
          async deleteIfUnchanged(t, lockId, rawInfo) {
            // Terraform releases the stale lock and a new run takes it, all after the janitor read it.
            await store.deleteIfUnchanged(t, lockId, rawInfo);
            await terraformLock(client, t, retaken);
            return store.deleteIfUnchanged(t, lockId, rawInfo);
          },
        }),
    });
    expect(report.locks[0]).toMatchObject({ decision: 'delete', outcome: 'changed' });
    expect(report.counts).toMatchObject({ deleted: 0, changed: 1, errors: 0 });
    expect(await infoOf(client, table, 'acme/plan.tfstate')).toBe(retaken.Info.S);
  });

  it('reports a table that fails mid-run while the other tables complete', async () => {
    const prefix = uniqueName('failing');
    const many = (n: number) => Array.from({ length: n }, (_, i) => lockAged(`s${i}.tfstate`, 3 * HOUR));
    const [a, doomed, c] = [
      await lockTable(prefix, many(3)),
      await lockTable(prefix, many(250)),
      await lockTable(prefix, many(3)),
    ];
    const report = await sweepTables(
      client,
      prefix,
      { ...CLEANUP, maxDeletionsPerRun: 1000 },
      {
        concurrency: 1,
        wrap: (store) =>
          withOverrides(store, {
            async *scan(t) {
              for await (const page of store.scan(t)) {
                yield page;
                if (t === doomed) await client.send(new DeleteTableCommand({ TableName: t }));
              }
            },
          }),
      },
    );
    const byName = Object.fromEntries(report.tables.map((t) => [t.name, t]));
    // The store reads one page ahead, so the second page may still arrive before the table is gone.
    expect(byName[doomed].error).toMatch(/^failed after (100|200) items: ResourceNotFoundException/);
    expect(byName[doomed].items).toBeLessThan(250);
    expect(byName[a]).toMatchObject({ items: 3, locks: 3 });
    expect(byName[a].error).toBeUndefined();
    expect(byName[c]).toMatchObject({ items: 3, locks: 3 });
    expect(await lockIds(client, a)).toEqual([]);
    expect(await lockIds(client, c)).toEqual([]);
    const failed = report.locks.filter((l) => l.outcome === 'failed');
    expect(failed.every((l) => l.table === doomed && l.reason.includes('ResourceNotFoundException'))).toBe(
      true,
    );
    expect(report.counts.errors).toBe(1 + failed.length);
  });

  it('reads a table of more than 1 MB page by page', async () => {
    const prefix = uniqueName('big');
    const pad = 'x'.repeat(1200);
    const digests = Array.from({ length: 1000 }, (_, i) => ({
      ...digestItem('acme', `state-${i}.tfstate`),
      Pad: { S: pad },
    }));
    const locks = Array.from({ length: 10 }, (_, i) => lockAged(`state-${i * 97}.tfstate`, 3 * HOUR));
    const table = await lockTable(prefix, [...digests, ...locks]);
    const scans: number[] = [];
    const report = await sweepTables(
      client,
      prefix,
      { ...CLEANUP, maxDeletionsPerRun: 100 },
      {
        wrap: (store) =>
          withOverrides(store, {
            async *scan(t) {
              for await (const page of new DynamoLockStore(client, 'us-east-1').scan(t)) {
                scans.push(page.items.length + page.skippedDigests);
                yield page;
              }
            },
          }),
      },
    );
    expect(scans.length).toBeGreaterThan(1);
    expect(scans.reduce((a, b) => a + b, 0)).toBe(1010);
    expect(report.tables[0]).toMatchObject({ items: 1010, digests: 1000, locks: 10 });
    expect(report.counts.deleted).toBe(10);
    expect((await lockIds(client, table)).length).toBe(1000);
  });

  it.each(['alert', 'report'] as const)('never deletes in mode %s', async (mode) => {
    const prefix = uniqueName(`mode-${mode}`);
    const table = await lockTable(prefix, [
      lockAged('a.tfstate', 3 * HOUR),
      lockAged('b.tfstate', 30 * HOUR),
    ]);
    const report = await sweepTables(client, prefix, { ...CLEANUP, mode });
    expect(await lockIds(client, table)).toEqual(['acme/a.tfstate', 'acme/b.tfstate']);
    expect(report.counts.deleted).toBe(0);
    const expected = mode === 'alert' ? 'unsent' : 'skipped';
    expect(report.locks.map((l) => l.outcome)).toEqual([expected, expected]);
  });

  it('holds maxDeletionsPerRun across tables swept in parallel', async () => {
    const prefix = uniqueName('cap');
    const stale = (t: string) => Array.from({ length: 6 }, (_, i) => lockAged(`${t}-${i}.tfstate`, 3 * HOUR));
    const tables = [
      await lockTable(prefix, stale('a')),
      await lockTable(prefix, stale('b')),
      await lockTable(prefix, stale('c')),
    ];
    const report = await sweepTables(
      client,
      prefix,
      { ...CLEANUP, maxDeletionsPerRun: 4 },
      { concurrency: 3 },
    );
    const remaining = (await Promise.all(tables.map((t) => lockIds(client, t)))).flat();
    expect(remaining).toHaveLength(18 - 4);
    expect(report.counts).toMatchObject({ deleted: 4, skipped: 14, stale: 18 });
    expect(report.locks.filter((l) => l.outcome === 'skipped')[0].reason).toContain(
      'maxDeletionsPerRun (4) reached',
    );
  });

  it('stops cleanly when the time budget is spent and reports what it did not reach', async () => {
    const prefix = uniqueName('deadline');
    const first = await lockTable(
      prefix,
      Array.from({ length: 250 }, (_, i) => lockAged(`s${i}.tfstate`, 10 * MINUTE)),
    );
    const second = await lockTable(prefix, [lockAged('late.tfstate', 3 * HOUR)]);
    let pages = 0;
    const report = await sweepTables(client, prefix, CLEANUP, {
      concurrency: 1,
      remainingMs: () => (pages >= 1 ? -1 : 60_000),
      wrap: (store) =>
        withOverrides(store, {
          async *scan(t) {
            for await (const page of store.scan(t)) {
              pages++;
              yield page;
            }
          },
        }),
    });
    const byName = Object.fromEntries(report.tables.map((t) => [t.name, t]));
    const [started, waiting] = byName[first].items ? [first, second] : [second, first];
    expect(byName[started].error).toMatch(/stopped before the time limit/);
    expect(byName[waiting].error).toMatch(/^not reached/);
    expect(report.counts.errors).toBe(2);
  });
});
