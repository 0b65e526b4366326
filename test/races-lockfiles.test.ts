// Tests: races between janitor sweeps and Terraform-faithful S3 lockfile and double-lock clients.
import { createHash, randomBytes } from 'node:crypto';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type LocalS3, startLocalS3 } from '../bin/demo/local-s3';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { S3LockfileStore, s3ClientConfig } from '../lambda/adapters/s3-lockfile-store';
import type { LockInfo } from '../lambda/core/lock-item';
import type { RunReport } from '../lambda/core/report';
import { createLockTable, lockIds, testClient, uniqueName } from './support/dynamo';
import { sweepTables } from './support/janitor';
import { newLockInfo, TerraformClient } from './support/terraform-client';
import { TerraformLockfileClient } from './support/terraform-lockfile-client';

const dynamo = testClient();
const terraform = new TerraformClient(dynamo);
const CLIENTS = 6;
const CYCLES = 12;
const ROUNDS = 20;
const DAY = 24 * 3600_000;
const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('lockfile and double-lock clients racing janitor sweeps (in-process S3, dynalite)', () => {
  let s3: LocalS3;
  let client: S3Client;
  const prefix = uniqueName('lfrace');
  const table = `${prefix}-locks`;
  const bucket = `lfrace-${randomBytes(4).toString('hex')}`;
  const paths = ['app.tfstate', 'env:/dev/app.tfstate', 'net/terraform.tfstate'];
  const runs: RunReport[] = [];
  const states: MemoryStateStore[] = [];
  let contended = 0;
  let doubles = 0;

  /** One client: a double lock (lockfile first, then DynamoDB; the lockfile released if DynamoDB fails) or a lockfile. */
  async function terraformClient(n: number): Promise<void> {
    const lockfiles = new TerraformLockfileClient(client);
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      const path = paths[(n + cycle) % paths.length];
      const double = (n + cycle) % 2 === 0;
      const lockId = `${bucket}/${path}`;
      const { id, info } = newLockInfo(lockId, { who: `client-${n}@ci`, createdMs: Date.now() - DAY });
      let taken = false;
      for (let attempt = 0; attempt < 40 && !taken; attempt++) {
        taken = await lockfiles.lock(bucket, path, info);
        if (taken && double && !(await terraform.lock(table, lockId, info))) {
          await lockfiles.unlock(bucket, path, id); // as Terraform does when the DynamoDB half fails
          taken = false;
        }
        if (!taken) {
          contended++;
          await pause(1 + (attempt % 3));
        }
      }
      if (!taken) continue;
      if (double) doubles++;
      await pause(5 + ((n * 7 + cycle * 3) % 20));
      // Half the clients are killed in their last cycle (a cancelled CI job): their locks stay behind.
      if (cycle === CYCLES - 1 && n % 2 === 0) return;
      await lockfiles.unlock(bucket, path, id);
      if (double) await terraform.unlock(table, lockId, id);
    }
  }

  async function janitor(rounds = ROUNDS): Promise<void> {
    const store = new S3LockfileStore(client);
    for (let round = 0; round < rounds; round++) {
      const state = new MemoryStateStore();
      states.push(state);
      runs.push(
        await sweepTables(
          dynamo,
          prefix,
          {
            mode: 'delete',
            allowShortDurations: true,
            minSightings: 1,
            maxDeletionsPerRun: 10_000,
            buckets: { include: [bucket] },
            rules: [{ name: 'anything', match: {}, deleteAfter: '0s' }],
          },
          { state, lockfileStores: () => store, now: new Date() },
        ),
      );
    }
  }

  beforeAll(async () => {
    s3 = await startLocalS3();
    client = new S3Client(
      s3ClientConfig({
        region: 'us-east-1',
        endpoint: s3.endpoint,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      }),
    );
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await createLockTable(dynamo, table);
    await Promise.all([janitor(), ...Array.from({ length: CLIENTS }, (_, n) => terraformClient(n))]);
    // One more sweep once every client is done or dead: the dead ones' locks are found and deleted.
    await janitor(1);
  }, 120_000);
  afterAll(async () => {
    client?.destroy();
    dynamo.destroy();
    await s3?.close();
  });

  it('exercises the race: double locks taken, contention, janitor deletions of both kinds', () => {
    const deleted = runs.flatMap((r) => r.locks).filter((l) => l.outcome === 'deleted');
    expect(doubles).toBeGreaterThan(5);
    expect(contended).toBeGreaterThan(0);
    expect(deleted.some((l) => l.store === 's3')).toBe(true);
    expect(deleted.some((l) => l.double)).toBe(true);
  });

  it('leaves no lock of a dead client behind after the last sweep, in either place', async () => {
    const left: string[] = [];
    for await (const page of new S3LockfileStore(client).listLockfiles(bucket))
      left.push(...page.lockfiles.map((l) => l.key));
    expect(left).toEqual([]);
    expect(await lockIds(dynamo, table)).toEqual([]);
  });

  it('never fails a delete or a run, whatever the clients do between the read and the delete', () => {
    for (const run of runs) {
      expect(run.failures).toEqual([]);
      expect(run.locks.filter((l) => l.outcome === 'failed')).toEqual([]);
    }
  });

  it('deletes a lockfile only under the ETag of the exact body it judged (If-Match), and audits that body', () => {
    const audits = states.flatMap((s) => s.audits).filter((a) => a.store === 's3');
    expect(audits.length).toBeGreaterThan(0);
    for (const a of audits) {
      // The in-process S3's ETag is the quoted MD5 of the body, as S3's is for a single-part upload.
      expect(a.etag).toBe(`"${createHash('md5').update(a.info).digest('hex')}"`);
      expect((JSON.parse(a.info) as LockInfo).ID).toBe(a.id);
      expect(a.key?.endsWith('.tflock')).toBe(true);
    }
  });

  it('judges a double lock as one: both halves carry the same ID and the same decision in a run', () => {
    for (const run of runs) {
      const halves = run.locks.filter((l) => l.double);
      for (const half of halves) {
        const other = halves.filter((h) => h.id === half.id && h.store !== half.store);
        expect(other).toHaveLength(1);
        expect(other[0].decision).toBe(half.decision);
        expect(other[0].lockId).toBe(half.lockId);
      }
    }
  });
});
