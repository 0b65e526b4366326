// Tests: a key DynamoDB would refuse (a LockID whose `-md5` digest key passes 2,048 bytes) blinds only its own lock (issue 19 #5).
import { digestItem, lockItem } from '../bin/demo/terraform-lock';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

it("reads every other lock's state digest on a page with a 2,045-byte LockID, and says which digest it skipped", async () => {
  // Prepare: a long-held apply that writes its state, and beside it a lock whose LockID is 2,045 bytes.
  const prefix = uniqueName('long-keys');
  const table = `${prefix}-locks`;
  await createLockTable(client, table);
  const longPath = `${'p'.repeat(2045 - 'acme/'.length - '.tfstate'.length)}.tfstate`;
  const long = lockItem({
    bucket: 'acme',
    path: longPath,
    operation: 'OperationTypeApply',
    who: 'ci@x',
    createdMs: NOW - 3 * HOUR,
  });
  expect(Buffer.byteLength(long.LockID.S)).toBe(2045);
  const digest = digestItem('acme', 'apply.tfstate');
  await putItems(client, table, [long, lockAged('apply.tfstate', 3 * HOUR, 'OperationTypeApply'), digest]);
  const state = new MemoryStateStore();
  const warnings: object[] = [];
  const logger = { info: () => {}, warn: (o: object) => warnings.push(o), error: () => {} };
  const policy = {
    mode: 'alert' as const,
    sightingGap: '5m',
    rules: [{ name: 'all', match: {}, alertAfter: '1h' }],
  };
  await sweepTables(client, prefix, policy, { state, now: new Date(NOW), logger });
  // Act: the apply writes its state; the next run reads the digests again.
  await putItems(client, table, [{ ...digest, Digest: { S: 'moved-after-a-write' } }]);
  const report = await sweepTables(client, prefix, policy, {
    state,
    now: new Date(NOW + 10 * MINUTE),
    logger,
  });
  // Assess: the neighbour's write is seen; the long one's digest was skipped, and the log says so.
  const apply = report.locks.find((l) => l.lockId === 'acme/apply.tfstate');
  expect(apply?.stateWrite).toEqual({ at: new Date(NOW + 10 * MINUTE).toISOString(), source: 'digest' });
  expect(report.tables[0].error).toBeUndefined();
  expect(warnings).toContainEqual(
    expect.objectContaining({
      lockId: long.LockID.S,
      problem: expect.stringContaining('longer than the 2,048 bytes DynamoDB allows in a key'),
    }),
  );
});
