// Tests: a warm Lambda sandbox invoked several times: nothing one run learnt or started outlives it.
import { lockItem } from '../bin/demo/terraform-lock';
import {
  createLockTable,
  createStateTable,
  endpoint,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { createSubnet, ec2TestClient, launchInstance } from './support/ec2';
import { startFaultProxy } from './support/fault-proxy';
import { MINUTE } from './support/janitor';
import { MOTO_MISSING, motoAvailable, startMoto } from './support/moto';
import { warmSandbox } from './support/sandbox';

const SCHEDULE = { source: 'tf-lock-janitor.schedule' };
const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

const moto = motoAvailable();
if (!moto) console.warn(MOTO_MISSING);

(moto ? it : it.skip)(
  "asks EC2 again on every run: a new runner on a gone runner's IP keeps its fresh lock (issue 19 #1)",
  async () => {
    // Prepare: a lock held by a runner at 10.0.12.40, an IP no instance has now.
    const engine = await startMoto();
    const client = testClient();
    const ec2 = ec2TestClient(engine.endpoint, 'us-east-1');
    try {
      const subnet = await createSubnet(ec2);
      const table = uniqueName('warm-hosts');
      await createLockTable(client, table);
      const lock = (path: string) =>
        lockItem({
          bucket: 'b',
          path,
          operation: 'OperationTypeApply',
          who: 'runner@ip-10-0-12-40',
          createdMs: Date.now() - 20 * MINUTE,
        });
      await putItems(client, table, [lock('old')]);
      Object.assign(process.env, {
        POLICY: JSON.stringify({
          mode: 'delete',
          minSightings: 1,
          tables: { include: [table] },
          evidence: { ec2Hosts: true },
          rules: [{ name: 'runners', match: {}, deleteWhenHolderGone: '15m' }],
        }),
        AWS_ENDPOINT_URL_DYNAMODB: endpoint(),
        AWS_ENDPOINT_URL_EC2: engine.endpoint,
      });
      const sandbox = warmSandbox();
      expect((await sandbox.invoke(SCHEDULE)).error).toBeUndefined();
      expect(await lockIds(client, table)).toEqual([]);
      // Act: a new runner gets the same private IP and takes a lock after waiting 20 minutes (-lock-timeout).
      await launchInstance(ec2, subnet, '10.0.12.40');
      await putItems(client, table, [lock('new')]);
      const second = await sandbox.invoke(SCHEDULE);
      // Assess: EC2 was asked again, so the new runner is running and its lock is kept.
      expect(second.error).toBeUndefined();
      expect(await lockIds(client, table)).toEqual(['b/new']);
      const judged = second.lines.find((l) => l.message === 'lock judged');
      expect(judged).toMatchObject({ decision: 'keep', holder: { outcome: 'running' } });
    } finally {
      ec2.destroy();
      client.destroy();
      await engine.stop();
    }
  },
  60_000,
);

it('ends a run completely at its deadline: nothing of it reaches AWS after the invocation returned (issue 19 #9)', async () => {
  // Prepare: a lock table, and a state table whose first Query (the intents) answers only after 1.5 s.
  const client = testClient();
  const prefix = uniqueName('warm-frozen');
  const stateTable = uniqueName('warm-frozen-state');
  await createLockTable(client, `${prefix}-locks`);
  await createStateTable(client, stateTable);
  let slowed = false;
  const proxy = await startFaultProxy(endpoint(), ({ operation, body }) => {
    if (slowed || operation !== 'Query' || body.TableName !== stateTable) return undefined;
    slowed = true;
    return { delayMs: 1_500 };
  });
  Object.assign(process.env, {
    POLICY: JSON.stringify({ mode: 'alert', tables: { include: [`${prefix}-*`] } }),
    STATE_TABLE: stateTable,
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
  });
  try {
    // Act: 3.5 s left, so the run is told to stop at once and cut off 0.5 s later, while its Query is pending.
    const sandbox = warmSandbox();
    const { lines } = await sandbox.invoke(SCHEDULE, 3_500);
    expect(lines.find((l) => l.message === 'run finished')).toMatchObject({ cutOff: true });
    const returned = proxy.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    // Assess: the slow answer came back after the cut-off, and the cut-off run wrote nothing to the state table.
    const writes = proxy.calls
      .slice(returned)
      .filter((c) => ['PutItem', 'UpdateItem', 'DeleteItem', 'BatchWriteItem'].includes(c.operation));
    expect(writes).toEqual([]);
  } finally {
    await proxy.close();
    client.destroy();
  }
}, 30_000);

it('ends a release at its deadline too: the answer says it was abandoned, and nothing of it reaches AWS after', async () => {
  // Prepare: a lock table whose first read of the lock answers only after 5 s.
  const client = testClient();
  const prefix = uniqueName('warm-release');
  const table = `${prefix}-locks`;
  await createLockTable(client, table);
  const held = lockItem({
    bucket: 'b',
    path: 'app/terraform.tfstate',
    operation: 'OperationTypeApply',
    who: 'ci@runner',
    createdMs: Date.now() - 60 * MINUTE,
  });
  await putItems(client, table, [held]);
  let slowed = false;
  const proxy = await startFaultProxy(endpoint(), ({ operation }) => {
    if (slowed || operation !== 'GetItem') return undefined;
    slowed = true;
    return { delayMs: 5_000 };
  });
  Object.assign(process.env, {
    POLICY: JSON.stringify({ mode: 'delete', tables: { include: [`${prefix}-*`] } }),
    AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint,
  });
  delete process.env.STATE_TABLE;
  try {
    // Act: 3.5 s left, so the release is cut off 0.5 s in, while its read is pending.
    const id = JSON.parse(held.Info.S).ID as string;
    const { result } = await warmSandbox().invoke(
      { release: { id, table, lockId: 'b/app/terraform.tfstate', region: 'us-east-1' } },
      3_500,
    );
    const returned = proxy.calls.length;
    await new Promise((resolve) => setTimeout(resolve, 6_000));
    // Assess: a truthful answer, no call after the invocation returned, and the lock still held.
    expect(result).toMatchObject({ outcome: 'failed' });
    expect(JSON.stringify(result)).toContain('whether the lock was released is unknown');
    expect(proxy.calls.slice(returned)).toEqual([]);
    expect(await lockIds(client, table)).toEqual(['b/app/terraform.tfstate']);
  } finally {
    await proxy.close();
    client.destroy();
  }
}, 30_000);
