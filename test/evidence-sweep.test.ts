// Tests: sweeps judged from evidence of life: state digests (dynalite), state objects (in-process S3), EC2 hosts (moto).
import { TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import type { S3Client } from '@aws-sdk/client-s3';
import { lockItem } from '../bin/demo/terraform-lock';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { hostCheck } from '../lambda/adapters/ec2-hosts';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';
import type { PolicyInput } from '../lambda/core/policy';
import type { LockStore } from '../lambda/core/ports';
import type { LockReport, RunReport } from '../lambda/core/report';
import type { SweepOptions } from '../lambda/run/options';
import {
  createLockTable,
  createStateTable,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { createSubnet, ec2TestClient, launchInstance } from './support/ec2';
import { HOUR, MINUTE, NOW, sweepTables, withOverrides } from './support/janitor';
import { describeOnMoto, type Moto, startMoto } from './support/moto';
import { createBucket, putObject, type S3Engine, s3TestClient, startLocalEngine } from './support/s3';

const dynamo = testClient();
afterAll(() => dynamo.destroy());

/** The digest item Terraform writes after each state upload: `<LockID>-md5` with the state's MD5. */
const digest = (lockId: string, md5: string) => ({ LockID: { S: `${lockId}-md5` }, Digest: { S: md5 } });

/** The report line of a lock by its LockID (the first when a double lock has two). */
function lineOf(report: RunReport, lockId: string): LockReport {
  const line = report.locks.find((l) => l.lockId === lockId);
  if (!line) throw new Error(`no report line for ${lockId}: ${JSON.stringify(report.locks)}`);
  return line;
}

const iso = (ms: number) => new Date(ms).toISOString();

describe('state writes seen as a moved digest (dynalite)', () => {
  const APPLY: PolicyInput = {
    mode: 'delete',
    minSightings: 2,
    rules: [{ name: 'ci', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
  };

  /** A lock table with one apply's lock taken 3 hours before NOW and its state digest; a state table of its own. */
  async function prepare() {
    const prefix = uniqueName('ev');
    const table = `${prefix}-locks`;
    await createLockTable(dynamo, table);
    const stateTable = uniqueName('ev-state');
    await createStateTable(dynamo, stateTable);
    const lock = lockItem({
      bucket: 'acme',
      path: 'app/terraform.tfstate',
      operation: 'OperationTypeApply',
      who: 'runner@ci',
      createdMs: NOW - 3 * HOUR,
    });
    const lockId = lock.LockID.S;
    await putItems(dynamo, table, [lock, digest(lockId, 'aaa')]);
    const reads: string[] = [];
    const run = (policy: PolicyInput, atMs: number) =>
      sweepTables(dynamo, prefix, policy, {
        state: new DynamoStateStore(dynamo, stateTable),
        now: new Date(atMs),
        wrap: (store) =>
          withOverrides(store, {
            getItems: (t, ids) => {
              reads.push(...ids);
              return store.getItems(t, ids);
            },
          }),
      });
    return { table, lockId, reads, run };
  }

  it('keeps a lock past deleteAfter whose digest moved between two sightings, and deletes it once writes stop long enough', async () => {
    // Prepare
    const { table, lockId, reads, run } = await prepare();

    // Act + assert: the first sighting has nothing to compare with, and too few sightings to delete.
    const first = lineOf(await run(APPLY, NOW), lockId);
    expect(first).toMatchObject({ decision: 'alert', outcome: 'unsent', idleSeconds: 3 * 3600 });
    expect(first.stateWrite).toBeUndefined();
    expect(first.lastSignOfLife).toBe(iso(NOW - 3 * HOUR));
    expect(reads).toEqual([`${lockId}-md5`]);

    // The apply saves state: Terraform rewrites the digest item.
    await putItems(dynamo, table, [digest(lockId, 'bbb')]);
    const second = lineOf(await run(APPLY, NOW + 10 * MINUTE), lockId);
    expect(second).toMatchObject({
      decision: 'keep',
      outcome: 'kept',
      sightings: 2,
      ageSeconds: 3 * 3600 + 600,
      idleSeconds: 0,
      lastSignOfLife: iso(NOW + 10 * MINUTE),
      stateWrite: { at: iso(NOW + 10 * MINUTE), source: 'digest' },
    });
    expect(second.reason).toBe(
      'rule "ci": last state write 0s ago (digest moved), lock age 3h 10m < alertAfter 1h',
    );

    // No more writes: the write is remembered, the lock ages from it.
    const third = lineOf(await run(APPLY, NOW + 70 * MINUTE), lockId);
    expect(third).toMatchObject({ decision: 'alert', idleSeconds: 3600, stateWrite: second.stateWrite });
    expect(await lockIds(dynamo, table)).toEqual([lockId, `${lockId}-md5`]);

    const last = lineOf(await run(APPLY, NOW + 130 * MINUTE), lockId);
    expect(last).toMatchObject({ decision: 'delete', outcome: 'deleted', idleSeconds: 2 * 3600 });
    // The lock is gone; the digest item is never touched.
    expect(await lockIds(dynamo, table)).toEqual([`${lockId}-md5`]);
  });

  it('judges by age alone when stateWrites is off: no digest read, the same lock deleted on its second sighting', async () => {
    // Prepare
    const { table, lockId, reads, run } = await prepare();
    const off = { ...APPLY, evidence: { stateWrites: false } };

    // Act
    await run(off, NOW);
    await putItems(dynamo, table, [digest(lockId, 'bbb')]);
    const second = lineOf(await run(off, NOW + 10 * MINUTE), lockId);

    // Assert
    expect(second).toMatchObject({ decision: 'delete', outcome: 'deleted' });
    expect(second.stateWrite).toBeUndefined();
    expect(reads).toEqual([]);
  });

  it("reads a page's digests together (100 a call), and none for a store that serves one run only", async () => {
    // Prepare: 130 locks with their digests, read in Scan pages of 100 items (sweepTables' page size).
    const prefix = uniqueName('ev');
    const table = `${prefix}-locks`;
    await createLockTable(dynamo, table);
    const locks = Array.from({ length: 130 }, (_, i) =>
      lockItem({
        bucket: 'acme',
        path: `s${i}`,
        operation: 'OperationTypeApply',
        who: 'a@b',
        createdMs: NOW - HOUR,
      }),
    );
    await putItems(dynamo, table, [...locks, ...locks.map((l, i) => digest(l.LockID.S, `md5-${i}`))]);
    const calls: string[][] = [];
    const wrap = (store: LockStore) =>
      withOverrides(store, {
        getItems: (t, ids) => {
          calls.push([...ids]);
          return store.getItems(t, ids);
        },
      });
    const policy: PolicyInput = { mode: 'report', rules: [{ name: 'all', match: {}, alertAfter: '30m' }] };
    const state = new MemoryStateStore();

    // Act
    const report = await sweepTables(dynamo, prefix, policy, { wrap, state });
    const perRun = calls.splice(0);
    await sweepTables(dynamo, prefix, policy, { wrap, state: new MemoryStateStore({ singleRun: true }) });

    // Assess: every lock's digest asked for exactly once, in fewer calls than there are pages' locks.
    expect(report.counts.locks).toBe(130);
    expect(perRun.flat().sort()).toEqual(locks.map((l) => `${l.LockID.S}-md5`).sort());
    expect(perRun.length).toBeGreaterThan(1);
    expect(perRun.length).toBeLessThan(10);
    expect(calls).toEqual([]);
    // The digests read were remembered with the sightings: a later sighting with another digest sees a write.
    const key = { region: 'us-east-1', table, lockId: locks[7].LockID.S, id: JSON.parse(locks[7].Info.S).ID };
    const later = await state.observe(key, locks[7].Info.S, NOW + 10 * MINUTE, 0, 'md5-other');
    expect(later).toMatchObject({ count: 2, lastWriteMs: NOW + 10 * MINUTE });
  });

  it('reads no digest that is not there, and a failing read leaves the lock to its age', async () => {
    // Prepare: a lock whose state has no digest item, and a digest read that fails.
    const prefix = uniqueName('ev');
    const table = `${prefix}-locks`;
    await createLockTable(dynamo, table);
    const lock = lockItem({
      bucket: 'acme',
      path: 'x',
      operation: 'OperationTypeApply',
      who: 'a@b',
      createdMs: NOW - HOUR,
    });
    await putItems(dynamo, table, [lock]);
    const policy: PolicyInput = { mode: 'report', rules: [{ name: 'all', match: {}, alertAfter: '30m' }] };

    // Act
    const plain = lineOf(await sweepTables(dynamo, prefix, policy), lock.LockID.S);
    const failing = await sweepTables(dynamo, prefix, policy, {
      wrap: (store) =>
        withOverrides(store, {
          getItems: () =>
            Promise.reject(Object.assign(new Error('denied'), { name: 'AccessDeniedException' })),
        }),
    });

    // Assert
    expect(plain).toMatchObject({ decision: 'alert', idleSeconds: 3600, lastSignOfLife: iso(NOW - HOUR) });
    expect(lineOf(failing, lock.LockID.S)).toMatchObject({ decision: 'alert', idleSeconds: 3600 });
    // The unread digests are reported as evidence that could not be read (issue 18), never silently.
    expect(failing.counts.errors).toBe(1);
    expect(failing.couldNotRead).toEqual([expect.objectContaining({ kind: 'evidence' })]);
  });
});

describe('state writes seen as the state object LastModified (in-process S3)', () => {
  let engine: S3Engine;
  let s3: S3Client;
  let clock = NOW;
  beforeAll(async () => {
    engine = await startLocalEngine({ now: () => clock });
    s3 = s3TestClient(engine.endpoint).client;
  });
  afterAll(async () => {
    s3?.destroy();
    await engine?.stop();
  });

  it('ages a lockfile (and a double lock) from the last state write after it, and one without writes from its LastModified', async () => {
    // Prepare: three locks taken at T0 with their state; the apply rewrites two states 2 hours later.
    const T0 = NOW - 3 * HOUR;
    clock = T0;
    const bucket = uniqueName('ev-bucket');
    const prefix = uniqueName('ev');
    await createLockTable(dynamo, `${prefix}-locks`);
    await createBucket(s3, bucket);
    const lock = (path: string) =>
      lockItem({ bucket, path, operation: 'OperationTypeApply', who: 'runner@ci', createdMs: T0 });
    const [busy, idle, double] = [
      'busy/terraform.tfstate',
      'idle/terraform.tfstate',
      'dbl/terraform.tfstate',
    ].map(lock);
    for (const [path, item] of [
      ['busy/terraform.tfstate', busy],
      ['idle/terraform.tfstate', idle],
      ['dbl/terraform.tfstate', double],
    ] as const) {
      await putObject(s3, bucket, path, '{"serial":1}');
      await putObject(s3, bucket, `${path}.tflock`, item.Info.S);
    }
    await putItems(dynamo, `${prefix}-locks`, [double]);
    clock = T0 + 2 * HOUR;
    await putObject(s3, bucket, 'busy/terraform.tfstate', '{"serial":2}');
    await putObject(s3, bucket, 'dbl/terraform.tfstate', '{"serial":2}');
    const store = new S3LockfileStore(s3);

    // Act
    const report = await sweepTables(
      dynamo,
      prefix,
      {
        mode: 'delete',
        minSightings: 1,
        buckets: { include: [bucket] },
        rules: [{ name: 'ci', match: {}, deleteAfter: '2h' }],
      },
      { lockfileStores: () => store, now: new Date(T0 + 3 * HOUR) },
    );

    // Assert
    const written = { at: iso(T0 + 2 * HOUR), source: 's3' };
    expect(lineOf(report, busy.LockID.S)).toMatchObject({
      decision: 'keep',
      idleSeconds: 3600,
      lastSignOfLife: written.at,
      stateWrite: written,
    });
    expect(lineOf(report, busy.LockID.S).reason).toContain(
      'last state write 1h ago (state object LastModified)',
    );
    expect(lineOf(report, idle.LockID.S)).toMatchObject({
      decision: 'delete',
      outcome: 'deleted',
      lastSignOfLife: iso(T0),
    });
    expect(lineOf(report, idle.LockID.S).stateWrite).toBeUndefined();
    const halves = report.locks.filter((l) => l.lockId === double.LockID.S);
    expect(halves.map((l) => [l.store, l.decision, l.stateWrite])).toEqual([
      ['dynamodb', 'keep', written],
      ['s3', 'keep', written],
    ]);
    expect(await lockIds(dynamo, `${prefix}-locks`)).toEqual([double.LockID.S]);
  });
});

describe('the holder host check in a sweep', () => {
  const HOSTS: PolicyInput = {
    mode: 'delete',
    minSightings: 1,
    evidence: { ec2Hosts: true },
    rules: [{ name: 'runners', match: {}, alertAfter: '1h', deleteAfter: '2h', deleteWhenHolderGone: '15m' }],
  };

  /** A lock table of its own holding one lock per `Who`, each `ageMs` old at NOW. */
  async function tableOf(whos: readonly string[], ageMs = 20 * MINUTE) {
    const prefix = uniqueName('ev');
    const table = `${prefix}-locks`;
    await createLockTable(dynamo, table);
    const locks = whos.map((who, i) =>
      lockItem({
        bucket: 'acme',
        path: `s${i}`,
        operation: 'OperationTypeApply',
        who,
        createdMs: NOW - ageMs,
      }),
    );
    await putItems(dynamo, table, locks);
    return { prefix, table, lockIds: locks.map((l) => l.LockID.S) };
  }

  it('leaves every holder unknown when the host check throws: nothing is deleted early', async () => {
    // Prepare
    const {
      prefix,
      lockIds: [id],
    } = await tableOf(['runner@ip-10-0-12-40']);
    const holders: SweepOptions['holders'] = () => Promise.reject(new Error('no route to EC2'));

    // Act
    const report = await sweepTables(dynamo, prefix, HOSTS, { holders });

    // Assert
    expect(lineOf(report, id)).toMatchObject({ decision: 'keep', holder: { outcome: 'unknown' } });
    expect(lineOf(report, id).reason).toContain('host not checked (the host check failed: no route to EC2)');
  });

  describeOnMoto('against moto EC2', () => {
    let engine: Moto;
    let subnetId: string;
    const sent: string[] = [];
    beforeAll(async () => {
      engine = await startMoto();
    }, 60_000);
    afterAll(async () => engine?.stop());

    /** An EC2 client on moto (or on a port nobody listens on); counts its calls in `sent`. */
    const ec2 = (region: string, endpoint = engine.endpoint) => ec2TestClient(endpoint, region, sent);
    const launch = (ip: string) => launchInstance(ec2('us-east-1'), subnetId, ip);

    beforeEach(async () => {
      await engine.reset();
      subnetId = await createSubnet(ec2('us-east-1'));
      sent.length = 0;
    });

    it('deletes the lock of a terminated runner under deleteWhenHolderGone before deleteAfter; a running host, a non-EC2 Who and a failing DescribeInstances change nothing', async () => {
      // Prepare: the locks (20 minutes old, deleteAfter 2h) of a terminated runner, a running one, a laptop, and a
      // runner in a region whose EC2 cannot be reached.
      const gone = await launch('10.0.12.40');
      const running = await launch('10.0.12.41');
      await ec2('us-east-1').send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
      sent.length = 0;
      const {
        prefix,
        table,
        lockIds: ids,
      } = await tableOf([
        'runner@ip-10-0-12-40',
        'runner@ip-10-0-12-41.ec2.internal',
        'alice@alices-mbp.local',
        'runner@ip-10-0-12-42.ap-south-1.compute.internal',
      ]);
      const dead = 'http://127.0.0.1:9';
      const holders = hostCheck((region) => (region === 'ap-south-1' ? ec2(region, dead) : ec2(region)));

      // Act
      const report = await sweepTables(dynamo, prefix, HOSTS, { holders });

      // Assert
      const [goneLine, runningLine, laptopLine, unreachableLine] = ids.map((id) => lineOf(report, id));
      expect(goneLine).toMatchObject({
        decision: 'delete',
        outcome: 'deleted',
        holder: { outcome: 'gone', instanceId: gone, state: 'terminated' },
      });
      expect(goneLine.reason).toBe(
        `rule "runners": host ip-10-0-12-40 (${gone}) terminated, and age 20m >= deleteWhenHolderGone 15m, seen on 1 run`,
      );
      expect(runningLine).toMatchObject({
        decision: 'keep',
        holder: { outcome: 'running', instanceId: running, state: 'running' },
      });
      expect(laptopLine).toMatchObject({ decision: 'keep', holder: { outcome: 'unknown' } });
      expect(unreachableLine).toMatchObject({ decision: 'keep', holder: { outcome: 'unknown' } });
      expect(unreachableLine.reason).toContain('not checked (DescribeInstances in ap-south-1 failed');
      for (const line of [runningLine, laptopLine, unreachableLine])
        expect(line.reason).toMatch(/^rule "runners": age 20m < alertAfter 1h; host /);
      expect(await lockIds(dynamo, table)).toEqual(ids.slice(1).sort());
      // One DescribeInstances per region for the run.
      expect(sent.sort()).toEqual([
        'ap-south-1 DescribeInstancesCommand',
        'us-east-1 DescribeInstancesCommand',
      ]);
    });

    it('never deletes a lock whose host is gone before deleteWhenHolderGone, nor keeps a running one past deleteAfter', async () => {
      // Prepare
      const gone = await launch('10.0.12.40');
      await launch('10.0.12.41');
      await ec2('us-east-1').send(new TerminateInstancesCommand({ InstanceIds: [gone] }));
      const young = await tableOf(['runner@ip-10-0-12-40'], 10 * MINUTE);
      const old = await tableOf(['runner@ip-10-0-12-41'], 3 * HOUR);

      // Act
      const youngLine = lineOf(
        await sweepTables(dynamo, young.prefix, HOSTS, { holders: hostCheck((r) => ec2(r)) }),
        young.lockIds[0],
      );
      const oldLine = lineOf(
        await sweepTables(dynamo, old.prefix, HOSTS, { holders: hostCheck((r) => ec2(r)) }),
        old.lockIds[0],
      );

      // Assert
      expect(youngLine).toMatchObject({ decision: 'keep', holder: { outcome: 'gone' } });
      expect(oldLine).toMatchObject({
        decision: 'delete',
        outcome: 'deleted',
        holder: { outcome: 'running' },
      });
    });
  });
});
