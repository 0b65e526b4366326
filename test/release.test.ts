// Tests: the safe release of one lock.
import { CreateTableCommand, DescribeTableCommand, TagResourceCommand } from '@aws-sdk/client-dynamodb';
import { digestItem } from '../bin/demo/terraform-lock';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RenderedMessage } from '../lambda/core/message/sns';
import { parsePolicy } from '../lambda/core/policy';
import type { Notifier } from '../lambda/core/ports';
import { releaseAnswer } from '../lambda/core/release';
import { release, whereOf } from '../lambda/run/release';
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
    policy: parsePolicy({}),
    regions: ['us-east-1'],
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
    // Announced as a release on request (who asked, how), in the table's chat thread: not as a rule's deletion.
    expect(sent).toHaveLength(1);
    const [told] = sent;
    expect(told).toMatchObject({ audience: 'all', structure: 'json' });
    expect(told.subject).toBe(`tf-lock-janitor: Released on request: ${table} acme/app.tfstate`);
    expect(told.text).toMatch(/^tf-lock-janitor: Released on request\n/);
    expect(told.text).toContain('Requested by: alice');
    expect(told.text).toContain('How:          the tf-lock-janitor CLI');
    expect(told.text).toContain(`ID:           ${heldId}`);
    expect(told.text).toContain('Result:       released: released ');
    expect(told.text).not.toMatch(/Deleted by the janitor|Rule:/);
    expect(told.chat.metadata).toMatchObject({
      eventType: 'TfLockJanitorRelease',
      threadId: `tf-lock-janitor/us-east-1/${table}`,
      additionalContext: { outcome: 'released', released: 'true', lockId: 'acme/app.tfstate', id: heldId },
    });
  });

  it.each([
    [
      'a wrong ID',
      'acme/app.tfstate',
      'f0000000-0000-0000-0000-000000000000',
      'id-mismatch',
      'is not the ID of the lock held at',
    ],
    ['a lock that is not there', 'acme/gone.tfstate', heldId, 'not-found', 'no lock item'],
    ['a digest item', 'acme/app.tfstate-md5', heldId, 'not-a-lock', 'a state digest item, not a lock'],
  ])(
    "refuses %s, deletes nothing, and says why in the lock's thread",
    async (_, lockId, id, outcome, message) => {
      const { table, state, sent, deps } = await setup();
      const result = await release(
        { region: 'us-east-1', table, lockId, id },
        { ...deps, via: 'chat-button' },
      );
      expect(result.outcome).toBe(outcome);
      expect(result.message).toContain(message);
      expect(result.message).toContain('nothing deleted');
      expect(await infoOf(client, table, 'acme/app.tfstate')).toBe(stale.Info.S);
      expect(state.audits).toEqual([]);
      expect(sent).toHaveLength(1);
      expect(sent[0].subject).toMatch(new RegExp(`^tf-lock-janitor: Not released \\(${outcome}\\): `));
      expect(sent[0].text).toMatch(/^tf-lock-janitor: Not released: /);
      expect(sent[0].text).toContain('How:          the chat Release button');
      expect(sent[0].text).toContain(`Result:       not released: ${result.message}`);
      expect(sent[0].chat.metadata).toMatchObject({
        eventType: 'TfLockJanitorRelease',
        threadId: `tf-lock-janitor/us-east-1/${table}`,
        additionalContext: { outcome, released: 'false' },
      });
    },
  );

  it("never tells a caller with a wrong ID the held lock's ID or Info, in the answer or the notification", async () => {
    const { table, sent, deps } = await setup();
    const wrong = 'f0000000-0000-0000-0000-000000000000';
    const result = await release({ region: 'us-east-1', table, lockId: 'acme/app.tfstate', id: wrong }, deps);
    const info = JSON.parse(stale.Info.S);
    const told = JSON.stringify([
      result,
      releaseAnswer(
        whereOf({ region: 'us-east-1', table, lockId: 'acme/app.tfstate', id: wrong }),
        result,
        'r',
      ),
      sent,
    ]);
    expect(result.outcome).toBe('id-mismatch');
    expect(told).not.toContain(heldId);
    expect(told).not.toContain(info.Who);
    expect(told).not.toContain(info.Created);
    expect(result.message).toContain("Take the ID from Terraform's error");
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

describe('a release stays inside the policy (invariant 3)', () => {
  const target = (table: string, region = 'us-east-1') => ({
    region,
    table,
    lockId: 'acme/app.tfstate',
    id: heldId,
  });

  it.each([
    [
      "a region outside the janitor's regions",
      { regions: ['eu-west-1'] },
      'us-east-1',
      'not-allowed',
      "outside the janitor's regions",
    ],
    [
      'an excluded table',
      { policy: parsePolicy({ tables: { exclude: ['release-*'] } }) },
      'us-east-1',
      'not-allowed',
      "outside the policy's tables",
    ],
    [
      'a table outside the include globs',
      { policy: parsePolicy({ tables: { include: ['prod-*'] } }) },
      'us-east-1',
      'not-allowed',
      "outside the policy's tables",
    ],
  ])('refuses %s and deletes nothing', async (_name, override, region, outcome, message) => {
    const { table, state, sent, deps } = await setup();
    const result = await release(target(table, region), { ...deps, ...override });
    expect(result).toMatchObject({ outcome, message: expect.stringContaining(message) });
    expect(await infoOf(client, table, 'acme/app.tfstate')).toBe(stale.Info.S);
    expect(state.audits).toEqual([]);
    expect(sent.map((m) => m.text.split('\n')[0])).toEqual([
      'tf-lock-janitor: Not released: refused by the policy',
    ]);
  });

  it('refuses a table carrying the opt-out tag', async () => {
    const { table, deps } = await setup();
    const { Table } = await client.send(new DescribeTableCommand({ TableName: table }));
    await client.send(
      new TagResourceCommand({
        ResourceArn: Table?.TableArn,
        Tags: [{ Key: 'tf-lock-janitor:ignore', Value: 'true' }],
      }),
    );
    const result = await release(target(table), deps);
    expect(result).toMatchObject({ outcome: 'not-allowed', message: expect.stringContaining('opt-out tag') });
    expect(await infoOf(client, table, 'acme/app.tfstate')).toBe(stale.Info.S);
  });

  it('refuses when the tags cannot be read (fail closed)', async () => {
    const { table, deps } = await setup();
    const store = withOverrides(deps.store, {
      listTags: async () => {
        throw Object.assign(new Error('The security token included in the request is invalid.'), {
          name: 'UnrecognizedClientException',
        });
      },
    });
    const result = await release(target(table), { ...deps, store });
    expect(result).toMatchObject({ outcome: 'not-allowed', message: expect.stringContaining('fail closed') });
    expect(await infoOf(client, table, 'acme/app.tfstate')).toBe(stale.Info.S);
  });

  it.each([
    ['a missing table', async () => 'no-such-table-here', 'there is no table'],
    [
      'a table that is not a lock table',
      async () => {
        const name = uniqueName('orders');
        await client.send(
          new CreateTableCommand({
            TableName: name,
            BillingMode: 'PAY_PER_REQUEST',
            AttributeDefinitions: [{ AttributeName: 'orderId', AttributeType: 'S' }],
            KeySchema: [{ AttributeName: 'orderId', KeyType: 'HASH' }],
          }),
        );
        return name;
      },
      'is not a Terraform lock table',
    ],
  ])('answers %s plainly (no-lock-table)', async (_name, makeTable, message) => {
    const { deps } = await setup();
    const result = await release(target(await makeTable()), deps);
    expect(result).toMatchObject({ outcome: 'no-lock-table', message: expect.stringContaining(message) });
  });
});
