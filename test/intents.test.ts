// Tests: intent records before every delete, and their resolution when a run died mid-delete (invariant 6).
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { DynamoStateStore, listAudit } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { classifyItem, type LockItem } from '../lambda/core/lock-item';
import type { AuditRecord, StateStore } from '../lambda/core/ports';
import { auditRecordOf } from '../lambda/core/records';
import { INTENT_GRACE_MS } from '../lambda/run/intents';
import {
  createLockTable,
  createStateTable,
  endpoint,
  infoOf,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { startFaultProxy } from './support/fault-proxy';
import { HOUR, lockAged, MINUTE, NOW, sweepTables, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const CLEANUP = {
  mode: 'delete' as const,
  minSightings: 1,
  rules: [{ name: 'cleanup', match: {}, deleteAfter: '1h' }],
};

async function setup() {
  const prefix = uniqueName('intent');
  const table = `${prefix}-locks`;
  const stateTable = uniqueName('intent-state');
  await createLockTable(client, table);
  await createStateTable(client, stateTable);
  return { prefix, table, stateTable, state: new DynamoStateStore(client, stateTable) };
}

/** The intent a run would have written for `item` at `atMs` before deleting it. */
function intentFor(
  table: string,
  item: { LockID: { S: string }; Info: { S: string } },
  atMs: number,
): AuditRecord {
  const lock = classifyItem(item) as LockItem;
  return auditRecordOf(
    { store: 'dynamodb', region: 'us-east-1', table, item: lock },
    {
      action: 'deleted',
      rule: 'cleanup',
      reason: 'rule "cleanup": age 3h >= deleteAfter 1h',
      runId: 'dead-run',
      at: new Date(atMs),
    },
  );
}

describe('intent records', () => {
  it('writes the intent before the delete and clears it only after the audit record', async () => {
    // Prepare
    const { prefix, table, state } = await setup();
    await putItems(client, table, [lockAged('stale.tfstate', 3 * HOUR)]);
    const events: string[] = [];
    const note =
      <A extends unknown[]>(label: (...args: A) => string, call: (...args: A) => Promise<void>) =>
      async (...args: A) => {
        events.push(label(...args));
        await call(...args);
      };
    const spying: StateStore = Object.assign(Object.create(state) as StateStore, {
      recordIntent: note(
        (r: AuditRecord) => `intent ${r.lockId}`,
        (r) => state.recordIntent(r),
      ),
      audit: note(
        (r: AuditRecord) => `audit ${r.action}`,
        (r) => state.audit(r),
      ),
      clearIntent: note(
        (_k: AuditRecord) => 'clear',
        (k) => state.clearIntent(k),
      ),
    });
    // Act
    const report = await sweepTables(client, prefix, CLEANUP, {
      state: spying,
      wrap: (store) =>
        withOverrides(store, {
          deleteIfUnchanged: async (t, l, i) => {
            events.push('delete');
            return store.deleteIfUnchanged(t, l, i);
          },
        }),
    });
    // Assess
    expect(report.locks.map((l) => l.outcome)).toEqual(['deleted']);
    expect(events).toEqual(['intent acme/stale.tfstate', 'delete', 'audit deleted', 'clear']);
    expect(await state.intents()).toEqual([]);
  });

  it('deletes nothing when the intent cannot be written', async () => {
    const { prefix, table } = await setup();
    await putItems(client, table, [lockAged('stale.tfstate', 3 * HOUR)]);
    const memory = new MemoryStateStore();
    const failing = Object.assign(Object.create(memory) as StateStore, {
      recordIntent: async () => {
        throw Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' });
      },
    });
    const report = await sweepTables(client, prefix, CLEANUP, { state: failing });
    expect(await lockIds(client, table)).toEqual(['acme/stale.tfstate']);
    expect(report.locks[0]).toMatchObject({ outcome: 'failed' });
    expect(report.locks[0].reason).toContain(
      'the intent record could not be written, so nothing was deleted',
    );
    expect(memory.audits).toEqual([]);
  });

  it('keeps the intent when the audit write fails after the delete, and the next run records it', async () => {
    const { prefix, table, stateTable, state } = await setup();
    await putItems(client, table, [lockAged('stale.tfstate', 3 * HOUR)]);
    const noAudit = Object.assign(Object.create(state) as StateStore, {
      audit: async () => {
        throw Object.assign(new Error('throttled'), { name: 'ThrottlingException' });
      },
    });
    const first = await sweepTables(client, prefix, CLEANUP, { state: noAudit });
    expect(first.failures.map((f) => f.kind)).toEqual(['audit']);
    expect(await state.intents()).toHaveLength(1);

    const later = await sweepTables(client, prefix, CLEANUP, { state, now: new Date(NOW + INTENT_GRACE_MS) });
    expect(later.warnings).toEqual([
      expect.stringMatching(/^recovered the record of .*: run test-run ended mid-delete/),
    ]);
    expect(await listAudit(client, stateTable, 'us-east-1', table)).toEqual([
      expect.objectContaining({ action: 'gone', lockId: 'acme/stale.tfstate', runId: 'test-run' }),
    ]);
    expect(await state.intents()).toEqual([]);
  });
});

it('writes exactly one audit record when only the clearing of the intent failed after the delete (issue 19 #6)', async () => {
  // Prepare: the state table refuses the DeleteItem of intent records (through the fault proxy).
  const { prefix, table, stateTable } = await setup();
  await putItems(client, table, [lockAged('stale.tfstate', 3 * HOUR)]);
  const proxy = await startFaultProxy(endpoint(), ({ operation, body }) =>
    operation === 'DeleteItem' &&
    body.TableName === stateTable &&
    (body.Key as { pk?: { S?: string } }).pk?.S === 'INTENT'
      ? { status: 500, type: 'InternalServerError', message: 'the intent could not be deleted' }
      : undefined,
  );
  const viaProxy = testClient(1, proxy.endpoint);
  try {
    const first = await sweepTables(client, prefix, CLEANUP, {
      state: new DynamoStateStore(viaProxy, stateTable),
    });
    expect(first.locks[0].outcome).toBe('deleted');
    expect(first.failures.map((f) => f.kind)).toEqual(['intent']);
    // Act: a later run finds the dangling intent.
    const state = new DynamoStateStore(client, stateTable);
    const later = await sweepTables(client, prefix, CLEANUP, { state, now: new Date(NOW + INTENT_GRACE_MS) });
    // Assess: the deletion keeps its one record; the intent is cleared without a second one.
    expect(later.warnings).toEqual([
      expect.stringMatching(/was already audited; its intent record is cleared$/),
    ]);
    expect(await listAudit(client, stateTable, 'us-east-1', table)).toEqual([
      expect.objectContaining({ action: 'deleted', lockId: 'acme/stale.tfstate', runId: 'test-run' }),
    ]);
    expect(await state.intents()).toEqual([]);
  } finally {
    viaProxy.destroy();
    await proxy.close();
  }
});

describe('resolving a dangling intent', () => {
  it.each([
    ['the lock is gone: audited as gone, then cleared', 'gone'],
    ['the lock holds other content: audited as gone, then cleared', 'retaken'],
  ])('%s', async (_name, situation) => {
    const { prefix, table, stateTable, state } = await setup();
    const held = lockAged('stale.tfstate', 3 * HOUR);
    await state.recordIntent(intentFor(table, held, NOW - 20 * MINUTE));
    const fresh = lockAged('stale.tfstate', 0, 'OperationTypeApply', 'alice@laptop');
    if (situation === 'retaken') await putItems(client, table, [fresh]);

    const report = await sweepTables(client, prefix, CLEANUP, { state });

    expect(await listAudit(client, stateTable, 'us-east-1', table)).toEqual([
      expect.objectContaining({ action: 'gone', info: held.Info.S, runId: 'dead-run' }),
    ]);
    expect((await listAudit(client, stateTable, 'us-east-1', table))[0].reason).toContain(
      'recovered by run test-run: run dead-run recorded its intent to delete and ended before recording the outcome',
    );
    expect(await state.intents()).toEqual([]);
    if (situation === 'retaken') expect(await infoOf(client, table, 'acme/stale.tfstate')).toBe(fresh.Info.S);
    expect(report.failures).toEqual([]);
  });

  it('clears an intent whose lock is still exactly there, without an audit record', async () => {
    const { prefix, table, stateTable, state } = await setup();
    const held = lockAged('kept.tfstate', 20 * MINUTE);
    await putItems(client, table, [held]);
    await state.recordIntent(intentFor(table, held, NOW - 20 * MINUTE));

    const report = await sweepTables(client, prefix, CLEANUP, { state });

    expect(report.warnings).toEqual([expect.stringContaining('the lock is still there, untouched')]);
    expect(await listAudit(client, stateTable, 'us-east-1', table)).toEqual([]);
    expect(await state.intents()).toEqual([]);
    expect(await infoOf(client, table, 'acme/kept.tfstate')).toBe(held.Info.S);
  });

  it('leaves a young intent alone: its run may still be deleting', async () => {
    const { prefix, table, state } = await setup();
    const held = lockAged('stale.tfstate', 3 * HOUR);
    await state.recordIntent(intentFor(table, held, NOW - MINUTE));
    const store = new DynamoLockStore(client, 'us-east-1');
    expect(await store.getItem(table, 'acme/stale.tfstate')).toBeUndefined();

    await sweepTables(client, prefix, CLEANUP, { state });

    expect(await state.intents()).toHaveLength(1);
  });
});
