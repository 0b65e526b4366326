// Tests: the safe release of one lock.
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RenderedMessage } from '../lambda/core/message/sns';
import type { Notifier } from '../lambda/core/ports';
import { release } from '../lambda/run/release';
import { createLockTable, infoOf, putItems, terraformLock, testClient, uniqueName } from './support/dynamo';
import { HOUR, lockAged, NOW, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const stale = lockAged('app.tfstate', 3 * HOUR);
const heldId = JSON.parse(stale.Info.S).ID as string;

async function setup() {
  const table = uniqueName('release');
  await createLockTable(client, table);
  await putItems(client, table, [stale, digestItem('acme', 'app.tfstate')]);
  const state = new MemoryStateStore();
  const sent: RenderedMessage[] = [];
  const notifier: Notifier = { publish: async (m) => void sent.push(m) };
  const deps = {
    store: new DynamoLockStore(client, 'us-east-1'),
    state,
    notifier,
    now: new Date(NOW),
    runId: 'r1',
    requestedBy: 'alice',
  };
  return { table, state, sent, deps };
}

describe('release against a real DynamoDB engine', () => {
  it('releases the lock when the ID matches, audits it, then tells people', async () => {
    const { table, state, sent, deps } = await setup();
    const result = await release(
      { region: 'us-east-1', table, lockId: 'acme/app.tfstate', id: heldId },
      deps,
    );
    expect(result).toMatchObject({ outcome: 'released', failures: [] });
    expect(await infoOf(client, table, 'acme/app.tfstate')).toBeUndefined();
    expect(state.audits).toEqual([
      expect.objectContaining({
        action: 'released',
        lockId: 'acme/app.tfstate',
        id: heldId,
        info: stale.Info.S,
        reason: 'released on request by alice; lock ID matched',
      }),
    ]);
    expect(result.lock).toMatchObject({ outcome: 'deleted', rule: 'release', ageSeconds: 3 * 3600 });
    expect(sent).toHaveLength(1);
    expect(sent[0].text).toContain(`ID:         ${heldId}`);
  });

  it.each([
    [
      'a wrong ID',
      'acme/app.tfstate',
      'f0000000-0000-0000-0000-000000000000',
      'id-mismatch',
      `does not match the held lock ("${heldId}")`,
    ],
    ['a lock that is not there', 'acme/gone.tfstate', heldId, 'not-found', 'no lock item'],
    ['a digest item', 'acme/app.tfstate-md5', heldId, 'not-a-lock', 'a state digest item, not a lock'],
  ])('refuses %s and deletes nothing', async (_, lockId, id, outcome, message) => {
    const { table, state, sent, deps } = await setup();
    const result = await release({ region: 'us-east-1', table, lockId, id }, deps);
    expect(result.outcome).toBe(outcome);
    expect(result.message).toContain(message);
    expect(result.message).toContain('nothing deleted');
    expect(await infoOf(client, table, 'acme/app.tfstate')).toBe(stale.Info.S);
    expect(state.audits).toEqual([]);
    expect(sent).toEqual([]);
  });

  it('does not delete a lock re-taken between the read and the delete', async () => {
    const { table, deps } = await setup();
    const next = lockAged('app.tfstate', 0);
    const store = withOverrides(deps.store, {
      async deleteIfUnchanged(t, lockId, rawInfo) {
        await deps.store.deleteIfUnchanged(t, lockId, rawInfo);
        await terraformLock(client, t, next);
        return deps.store.deleteIfUnchanged(t, lockId, rawInfo);
      },
    });
    const result = await release(
      { region: 'us-east-1', table, lockId: 'acme/app.tfstate', id: heldId },
      { ...deps, store },
    );
    expect(result.outcome).toBe('changed');
    expect(await infoOf(client, table, 'acme/app.tfstate')).toBe(next.Info.S);
  });

  it('keeps the audit record and reports the failure when the notification fails', async () => {
    const { table, state, deps } = await setup();
    const notifier: Notifier = {
      publish: () =>
        Promise.reject(Object.assign(new Error('Rate exceeded'), { name: 'ThrottledException' })),
    };
    const result = await release(
      { region: 'us-east-1', table, lockId: 'acme/app.tfstate', id: heldId },
      { ...deps, notifier },
    );
    expect(result.outcome).toBe('released');
    expect(result.failures).toEqual([
      { kind: 'notification', message: 'notification failed: ThrottledException: Rate exceeded' },
    ]);
    expect(state.audits).toHaveLength(1);
  });
});
