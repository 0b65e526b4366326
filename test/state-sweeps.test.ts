// Tests: sweeps across runs with the state table (sightings, re-alerts, resolved).
import { DeleteItemCommand } from '@aws-sdk/client-dynamodb';
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoStateStore, listAudit } from '../lambda/adapters/dynamo-state-store';
import type { RenderedMessage } from '../lambda/core/message/sns';
import type { Notifier } from '../lambda/core/ports';
import {
  createLockTable,
  createStateTable,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const POLICY = {
  mode: 'delete' as const,
  minSightings: 3,
  realertAfter: '1h',
  rules: [
    { name: 'ci-plans', match: { operation: 'OperationTypePlan' }, alertAfter: '30m', deleteAfter: '2h' },
    { name: 'default', match: {}, alertAfter: '1h' },
  ],
};

/** A notifier that records every message it was asked to publish. */
function recorder(): Notifier & { sent: RenderedMessage[] } {
  const sent: RenderedMessage[] = [];
  return { sent, publish: async (m) => void sent.push(m) };
}

async function setup() {
  const prefix = uniqueName('state');
  const table = `${prefix}-locks`;
  const stateTable = uniqueName('janitor-state');
  await createLockTable(client, table);
  await createStateTable(client, stateTable);
  return { prefix, table, stateTable, state: new DynamoStateStore(client, stateTable) };
}

const at = (minutes: number) => new Date(NOW + minutes * MINUTE);

describe('sweeps with the janitor state table (dynalite)', () => {
  it('counts sightings across runs, deletes at minSightings, and audits the deletion', async () => {
    const { prefix, table, stateTable, state } = await setup();
    const lock = lockAged('plan.tfstate', 3 * HOUR);
    await putItems(client, table, [lock]);
    const notifier = recorder();
    const runs = [];
    for (const minutes of [0, 15, 30]) {
      runs.push(
        await sweepTables(client, prefix, POLICY, {
          state,
          notifier,
          now: at(minutes),
          runId: `run-${minutes}`,
        }),
      );
    }
    expect(runs.map((r) => `${r.locks[0].sightings}:${r.locks[0].outcome}`)).toEqual([
      '1:alerted',
      '2:alerted-earlier',
      '3:deleted',
    ]);
    expect(await lockIds(client, table)).toEqual([]);
    const audit = await listAudit(client, stateTable, 'us-east-1', table);
    expect(audit).toEqual([
      expect.objectContaining({
        action: 'deleted',
        lockId: 'acme/plan.tfstate',
        info: lock.Info.S,
        rule: 'ci-plans',
        runId: 'run-30',
      }),
    ]);
  });

  it('alerts once, stays quiet until realertAfter, then alerts again', async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [lockAged('apply.tfstate', 5 * HOUR, 'OperationTypeApply', 'alice@mbp')]);
    const notifier = recorder();
    const notified = [];
    for (const minutes of [0, 15, 30, 75]) {
      const report = await sweepTables(client, prefix, POLICY, { state, notifier, now: at(minutes) });
      notified.push(report.locks[0].notify);
    }
    expect(notified).toEqual([true, false, false, true]);
    // Each alert: the run message, and the lock's own chat notification.
    expect(notifier.sent.map((m) => m.audience)).toEqual(['all', 'chat', 'all', 'chat']);
  });

  it('never reports a lock it deleted itself as resolved: no second message after a deletion', async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [lockAged('plan.tfstate', 3 * HOUR)]);
    const notifier = recorder();
    const runs = [];
    for (const minutes of [0, 15, 30, 45])
      runs.push(await sweepTables(client, prefix, POLICY, { state, notifier, now: at(minutes) }));
    // Alerted on the first run, deleted on the third (minSightings 3), then nothing more to say.
    expect(runs.map((r) => r.locks.map((l) => l.outcome).join())).toEqual([
      'alerted',
      'alerted-earlier',
      'deleted',
      '',
    ]);
    expect(runs[3].resolved).toEqual([]);
    expect(runs[3].notification).toEqual({ sent: false });
    expect(notifier.sent.map((m) => m.audience)).toEqual(['all', 'chat', 'all']);
  });

  it('reports a lock that disappears after an alert as resolved, once', async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [
      lockAged('apply.tfstate', 5 * HOUR, 'OperationTypeApply', 'alice@mbp'),
      lockAged('young.tfstate', 0),
    ]);
    const notifier = recorder();
    await sweepTables(client, prefix, POLICY, { state, notifier, now: at(0) });
    // Its owner runs `terraform force-unlock`, and the young lock (never alerted) goes too.
    for (const lockId of ['acme/apply.tfstate', 'acme/young.tfstate']) {
      await client.send(new DeleteItemCommand({ TableName: table, Key: { LockID: { S: lockId } } }));
    }
    const after = await sweepTables(client, prefix, POLICY, { state, notifier, now: at(15) });
    expect(after.resolved).toEqual([expect.objectContaining({ table, lockId: 'acme/apply.tfstate' })]);
    expect(after.resolved).toHaveLength(1);
    expect(notifier.sent.at(-1)?.text).toContain('Resolved: gone since the alert');
    const again = await sweepTables(client, prefix, POLICY, { state, notifier, now: at(30) });
    expect(again.resolved).toEqual([]);
    expect(notifier.sent.map((m) => m.audience)).toEqual(['all', 'chat', 'all']);
  });

  it('keeps the audit record when the publish fails, and marks the run failed', async () => {
    const { prefix, table, stateTable, state } = await setup();
    await putItems(client, table, [lockAged('plan.tfstate', 3 * HOUR)]);
    const failing: Notifier = {
      publish: async () => {
        throw Object.assign(new Error('Topic is disabled'), { name: 'KMSDisabledException' });
      },
    };
    const report = await sweepTables(
      client,
      prefix,
      { ...POLICY, minSightings: 1 },
      { state, notifier: failing },
    );
    expect(report.locks[0].outcome).toBe('deleted');
    expect(report.counts.errors).toBe(1);
    expect(report.failures).toEqual([
      { kind: 'notification', message: 'notification failed: KMSDisabledException: Topic is disabled' },
    ]);
    expect(report.notification).toEqual({ sent: false, error: 'KMSDisabledException: Topic is disabled' });
    expect(await listAudit(client, stateTable, 'us-east-1', table)).toEqual([
      expect.objectContaining({ action: 'deleted', lockId: 'acme/plan.tfstate', rule: 'ci-plans' }),
    ]);
  });

  it('tells of a failing table once per realertAfter, and again when it fails anew after recovering', async () => {
    const { prefix, table, state } = await setup();
    await putItems(client, table, [digestItem('acme', 'app.tfstate')]);
    const notifier = recorder();
    let failing = true;
    const run = (minutes: number) =>
      sweepTables(client, prefix, POLICY, {
        state,
        notifier,
        now: at(minutes),
        wrap: (store) =>
          withOverrides(store, {
            scan: (t) => {
              if (!failing) return store.scan(t);
              const denied = Object.assign(new Error('not authorized to perform: dynamodb:Scan'), {
                name: 'AccessDeniedException',
              });
              return {
                [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(denied) }),
              };
            },
          }),
      });
    const notified = [];
    for (const minutes of [0, 15, 30, 75]) notified.push((await run(minutes)).tables[0].notify);
    expect(notified).toEqual([true, false, false, true]);
    // A failing table is told in the run message only: no lock needs a person.
    expect(notifier.sent.map((m) => m.audience)).toEqual(['all', 'all']);
    failing = false;
    const recovered = await run(90);
    expect(recovered.tables[0].error).toBeUndefined();
    expect(notifier.sent).toHaveLength(2);
    failing = true;
    const again = await run(105);
    expect(again.tables[0]).toMatchObject({
      error: expect.stringContaining('AccessDeniedException'),
      notify: true,
    });
    expect(notifier.sent).toHaveLength(3);
  });
});
