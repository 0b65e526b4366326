// Tests: a lock the janitor deleted or released is never news again; resolved means "gone, and not by us".
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RenderedMessage } from '../lambda/core/message/sns';
import { parsePolicy } from '../lambda/core/policy';
import type { Notifier } from '../lambda/core/ports';
import { release } from '../lambda/run/release';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const RULES = [{ name: 'stale', match: {}, alertAfter: '1h', deleteAfter: '2h' }];
const render = { janitor: { functionName: 'tf-lock-janitor', region: 'us-east-1', canRelease: true } };

function capture(): { sent: RenderedMessage[]; notifier: Notifier } {
  const sent: RenderedMessage[] = [];
  return { sent, notifier: { publish: async (m) => void sent.push(m) } };
}

async function lockTable() {
  const prefix = uniqueName('noise');
  await createLockTable(client, `${prefix}-locks`);
  const stale = lockAged('app.tfstate', 5 * HOUR);
  await putItems(client, `${prefix}-locks`, [stale]);
  return { prefix, table: `${prefix}-locks`, id: JSON.parse(stale.Info.S).ID as string };
}

describe('no noise after the janitor acts', () => {
  it('sends nothing on the run after it deleted a lock (no "resolved" about its own deletion)', async () => {
    const { prefix } = await lockTable();
    const state = new MemoryStateStore();
    const runs: RenderedMessage[][] = [];
    for (const minutes of [0, 15, 30, 45]) {
      const { sent, notifier } = capture();
      const report = await sweepTables(
        client,
        prefix,
        { mode: 'delete', rules: RULES },
        { state, notifier, render, now: new Date(NOW + minutes * MINUTE) },
      );
      expect(report.resolved).toEqual([]);
      runs.push(sent);
    }
    // Run 1 alerts (one sighting), run 2 deletes (second sighting): each tells once; then silence.
    expect(runs.map((sent) => sent.map((m) => m.audience))).toEqual([['all', 'chat'], ['all'], [], []]);
    expect(runs[1][0].subject).toMatch(/1 deleted$/);
  });

  it('sends only the release announcement after a person released the lock, and nothing on the next run', async () => {
    const { prefix, table, id } = await lockTable();
    const state = new MemoryStateStore();
    const first = capture();
    await sweepTables(
      client,
      prefix,
      { mode: 'alert', rules: RULES },
      { state, notifier: first.notifier, render },
    );
    expect(first.sent.map((m) => m.chat.metadata.eventType)).toEqual([
      'TfLockJanitorNews',
      'TfLockJanitorStaleLock',
    ]);

    const asked = capture();
    const result = await release(
      { region: 'us-east-1', table, lockId: 'acme/app.tfstate', id },
      {
        store: new DynamoLockStore(client, 'us-east-1'),
        policy: parsePolicy({ mode: 'alert', rules: RULES }),
        regions: ['us-east-1'],
        state,
        notifier: asked.notifier,
        now: new Date(NOW + 5 * MINUTE),
        runId: 'r-release',
        requestedBy: '"chat" (claimed by the caller)',
        via: 'chat-button',
      },
    );
    expect(result.outcome).toBe('released');
    expect(asked.sent.map((m) => m.subject)).toEqual([
      `tf-lock-janitor: Released on request: ${table} acme/app.tfstate`,
    ]);
    // Same thread as the lock's stale-lock notification.
    expect(asked.sent[0].chat.metadata.threadId).toBe(first.sent[1].chat.metadata.threadId);

    const next = capture();
    const report = await sweepTables(
      client,
      prefix,
      { mode: 'alert', rules: RULES },
      { state, notifier: next.notifier, render, now: new Date(NOW + 15 * MINUTE) },
    );
    expect(report.resolved).toEqual([]);
    expect(next.sent).toEqual([]);
  });
});
