// Tests: the real terraform (or tofu) binary against moto: the locks it leaves when killed, swept and released by the CLI.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { parseLockInfo, readCreated } from '../lambda/core/lock-item';
import type { RunReport } from '../lambda/core/report';
import { createLockTable, createStateTable } from './support/dynamo';
import { MOTO_MISSING, type Moto, motoAvailable, startMoto } from './support/moto';
import { createBucket } from './support/s3';
import {
  type Running,
  statePath,
  TERRAFORM_MISSING,
  TerraformDir,
  terraformBinary,
} from './support/terraform';

const exec = promisify(execFile);
const CLI = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
const REGION = 'us-east-1';
const credentials = { accessKeyId: 'x', secretAccessKey: 'y' };
const BUCKET = 'tf-e2e-state';
const LOCKS = 'tf-e2e-locks';
const STATE_TABLE = 'tf-e2e-janitor';
/** Every step runs real processes (terraform, moto, the CLI through tsx) on a loaded machine. */
const SLOW = 300_000;

const tf = terraformBinary();
const skipped = !tf ? TERRAFORM_MISSING : !motoAvailable() ? MOTO_MISSING : undefined;
if (skipped) console.warn(skipped);

/** `Who` as Terraform writes it: `<os user>@<hostname>` (terraform-lock-facts.md §1.3). */
const WHO = `${userInfo().username}@${hostname()}`;
/** Go's RFC 3339 with nanoseconds: trailing zeros trimmed, the `.` dropped with them, `Z` for UTC (§1.3). */
const GO_CREATED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{0,8}[1-9])?Z$/;

/** Report lines in a stable order: by LockID, then store. */
const byLine = (a: { lockId: string; store?: string }, b: { lockId: string; store?: string }) =>
  `${a.lockId} ${a.store}`.localeCompare(`${b.lockId} ${b.store}`);

type Scenario = { readonly name: string; readonly table?: string; readonly key: string };
const SCENARIOS: Scenario[] = [
  { name: 'double locks (dynamodb_table and use_lockfile)', table: LOCKS, key: 'double/app.tfstate' },
  { name: 'lockfiles only (use_lockfile without dynamodb_table)', key: 'solo/app.tfstate' },
];

(skipped ? describe.skip : describe)(`the real ${tf?.bin} ${tf?.version} against moto`, () => {
  let engine: Moto;
  let dynamo: DynamoDBClient;
  let s3: S3Client;
  const work = mkdtempSync(join(tmpdir(), 'tflj-terraform-'));

  beforeAll(async () => {
    engine = await startMoto();
    dynamo = new DynamoDBClient({ endpoint: engine.endpoint, region: REGION, credentials, maxAttempts: 1 });
    s3 = new S3Client({
      endpoint: engine.endpoint,
      region: REGION,
      credentials,
      forcePathStyle: true,
      maxAttempts: 1,
    });
    await createBucket(s3, BUCKET);
    await createLockTable(dynamo, LOCKS);
    await createStateTable(dynamo, STATE_TABLE);
  }, SLOW);
  afterAll(async () => {
    dynamo?.destroy();
    s3?.destroy();
    await engine?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  /** The item under `lockId`, read consistently, as DynamoDB JSON; undefined when there is none. */
  async function item(lockId: string): Promise<Record<string, unknown> | undefined> {
    const out = await dynamo.send(
      new GetItemCommand({ TableName: LOCKS, Key: { LockID: { S: lockId } }, ConsistentRead: true }),
    );
    return out.Item;
  }

  /** An object's body and content type; undefined when there is none. */
  async function object(key: string): Promise<{ body: Buffer; contentType?: string } | undefined> {
    try {
      const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return { body: Buffer.from(await out.Body!.transformToByteArray()), contentType: out.ContentType };
    } catch (e) {
      if ((e as Error).name === 'NoSuchKey') return undefined;
      throw e;
    }
  }

  /** Polls until `check` holds (no deadline of its own: the test's timeout bounds it). */
  async function until(check: () => Promise<boolean>): Promise<void> {
    while (!(await check())) await new Promise((r) => setTimeout(r, 100));
  }

  /** The CLI from the sources, as a user runs it; exits and prints are returned, never thrown. */
  async function cli(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    const env = {
      ...process.env,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_REGION: '',
      AWS_PROFILE: '',
    };
    try {
      const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { env, timeout: SLOW });
      return { code: 0, stdout, stderr };
    } catch (e) {
      const err = e as { code: number; stdout: string; stderr: string };
      return { code: err.code, stdout: err.stdout, stderr: err.stderr };
    }
  }

  describe.each(SCENARIOS)('$name', ({ table, key }) => {
    const double = table !== undefined;
    const dir = join(work, key.split('/')[0]);
    let terraform: TerraformDir;
    /** The file an apply's provisioner waits for (one per apply); the test creates it to let that apply finish. */
    const gate = (name: string) => join(dir, `gate-${name}`);
    const open = (name: string) => writeFileSync(gate(name), '');
    const lockId = (workspace: string) => `${BUCKET}/${statePath(key, workspace)}`;
    const lockfileKey = (workspace: string) => `${statePath(key, workspace)}.tflock`;
    /** The killed apply the sweep removes (kept for the next tests). */
    let killed: { id: string; info: string; digest?: Record<string, unknown> } | undefined;

    beforeAll(async () => {
      terraform = await TerraformDir.init(tf!, dir, {
        endpoint: engine.endpoint,
        bucket: BUCKET,
        key,
        table,
      });
    }, SLOW);

    /**
     * Starts an apply in `workspace` whose provisioner waits for its gate, and resolves once the apply is inside
     * the provisioner and both halves of its lock (or its lockfile alone) are there.
     */
    async function holdingApply(workspace: string, gateName: string): Promise<Running> {
      const apply = terraform.startApply(gate(gateName), workspace);
      await apply.printed("Provisioning with 'local-exec'");
      await until(async () => (await object(lockfileKey(workspace))) !== undefined);
      if (double) expect(await item(lockId(workspace))).toBeDefined();
      return apply;
    }

    /** The lock a holding apply left, checked against terraform-lock-facts.md byte for byte. */
    async function lockOf(workspace: string): Promise<{ id: string; info: string }> {
      const lockfile = await object(lockfileKey(workspace));
      expect(lockfile?.contentType).toBe('application/json');
      const info = lockfile!.body.toString('utf8');
      const raw = JSON.parse(info) as Record<string, string>;
      // §1.3: seven keys in Go's field order, compact, Info empty, Path = bucket/<state path> (not the .tflock key).
      expect(Object.keys(raw)).toEqual(['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path']);
      expect(raw.ID).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      expect(raw.Created).toMatch(GO_CREATED);
      const expected = JSON.stringify({
        ID: raw.ID,
        Operation: 'OperationTypeApply',
        Info: '',
        Who: WHO,
        Version: tf!.version,
        Created: raw.Created,
        Path: lockId(workspace),
      });
      expect(info).toBe(expected);
      if (double) {
        // §1.2, §2.1, §2.4: the item has exactly LockID and Info, and Info is the lockfile's body, byte for byte.
        expect(await item(lockId(workspace))).toEqual({
          LockID: { S: lockId(workspace) },
          Info: { S: info },
        });
      } else {
        expect(await item(lockId(workspace))).toBeUndefined();
      }
      // Our parser reads what Terraform wrote.
      expect(parseLockInfo(info)).toEqual(raw);
      expect(readCreated(raw.Created)).toEqual({ ms: expect.any(Number) });
      return { id: raw.ID, info };
    }

    /** An apply in a new workspace, killed with SIGKILL while its provisioner runs. */
    async function killedApply(workspace: string): Promise<{ id: string; info: string }> {
      await terraform.newWorkspace(workspace);
      const apply = await holdingApply(workspace, `killed-${workspace}`);
      const lock = await lockOf(workspace);
      const end = await apply.kill();
      expect(end.signal).toBe('SIGKILL');
      // Stale: both halves stay exactly as written.
      expect((await object(lockfileKey(workspace)))?.body.toString('utf8')).toBe(lock.info);
      if (double)
        expect(await item(lockId(workspace))).toEqual({
          LockID: { S: lockId(workspace) },
          Info: { S: lock.info },
        });
      return lock;
    }

    /** `plan -lock-timeout=0s` in `workspace`: refused on the held lock, naming it. */
    async function expectPlanRefused(workspace: string, id: string): Promise<void> {
      const plan = await terraform.plan(gate(workspace), workspace);
      expect(plan.code).toBe(1);
      expect(plan.output).toContain('Error acquiring the state lock');
      // §1.5, §2.2: the lockfile is taken first (PutObject If-None-Match: *), so S3's 412 refuses it, and the
      // holder's LockInfo is printed as LockInfo.String() renders it.
      // (Terraform wraps the error message at 78 columns.)
      expect(plan.output.replace(/\s+/g, ' ')).toMatch(
        /Error message: operation error S3: PutObject, https response error StatusCode: 412, .* api error PreconditionFailed: At least one of the pre-conditions you specified did not hold Lock Info:/,
      );
      expect(plan.output).toContain(
        [
          'Lock Info:',
          `  ID:        ${id}`,
          `  Path:      ${lockId(workspace)}`,
          '  Operation: OperationTypeApply',
          `  Who:       ${WHO}`,
          `  Version:   ${tf!.version}`,
          '  Created:   ',
        ].join('\n'),
      );
      // `Created` in Go's time.String() form, not RFC 3339 (§1.3).
      expect(plan.output).toMatch(/\n {2}Created: {3}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC\n/);
    }

    async function expectPlanWorks(workspace: string): Promise<void> {
      const plan = await terraform.plan(gate(workspace), workspace);
      expect({ code: plan.code, output: plan.output }).toEqual({
        code: 0,
        output: expect.stringContaining('Plan:'),
      });
    }

    it(
      'applies in the default workspace: the state is written, its -md5 digest item only with a table, no lock is left',
      async () => {
        open('first');
        const apply = terraform.startApply(gate('first'), 'default');
        const end = await apply.finished;
        expect({ code: end.code, output: end.output }).toEqual({
          code: 0,
          output: expect.stringContaining('Apply complete!'),
        });
        const state = await object(key);
        expect(state).toBeDefined();
        // §1.4: LockID bucket/<state path>-md5 and Digest, the lowercase hex MD5 of the state bytes; nothing else.
        const md5 = createHash('md5').update(state!.body).digest('hex');
        const digest = await item(`${lockId('default')}-md5`);
        expect(digest).toEqual(
          double ? { LockID: { S: `${lockId('default')}-md5` }, Digest: { S: md5 } } : undefined,
        );
        expect(await item(lockId('default'))).toBeUndefined();
        expect(await object(lockfileKey('default'))).toBeUndefined();
      },
      SLOW,
    );

    it(
      'leaves a stale lock when an apply in a named workspace is killed with SIGKILL, and plan -lock-timeout=0s fails on it',
      async () => {
        killed = await killedApply('ci');
        killed.digest = await item(`${lockId('ci')}-md5`);
        // `workspace new` uploaded the empty state, so with a table its digest item is there beside the lock.
        if (double)
          expect(killed.digest).toEqual({
            LockID: { S: `${lockId('ci')}-md5` },
            Digest: { S: expect.stringMatching(/^[0-9a-f]{32}$/) },
          });
        await expectPlanRefused('ci', killed.id);
      },
      SLOW,
    );

    it(
      "sweeps the killed apply's lock (both halves), keeps the digest and a live apply's lock, which then unlocks itself",
      async () => {
        expect(killed).toBeDefined();
        const stale = killed!;
        // Prepare: a live apply in the default workspace, holding its lock in the same table and bucket.
        const live = await holdingApply('default', 'live');
        const liveLock = await lockOf('default');
        // The policy deletes what a killed CI run left (the `ci*` workspaces) after 1 s; the rest only alerts,
        // after an hour: which lock is stale does not hang on how fast this machine is.
        const policy = join(dir, 'policy.json');
        writeFileSync(
          policy,
          JSON.stringify({
            mode: 'delete',
            minSightings: 1,
            allowShortDurations: true,
            tables: { include: [LOCKS] },
            buckets: { include: [BUCKET] },
            rules: [
              { name: 'killed-ci', match: { lockId: '*/env:/ci*' }, alertAfter: '1s', deleteAfter: '1s' },
              { name: 'default', match: {}, alertAfter: '1h' },
            ],
          }),
        );
        const createdMs = (readCreated(JSON.parse(stale.info).Created) as { ms: number }).ms;
        await until(async () => Date.now() - createdMs > 2000);

        // Act
        const sweep = await cli([
          'sweep',
          '--endpoint',
          engine.endpoint,
          '--region',
          REGION,
          '--policy',
          policy,
          '--state-table',
          STATE_TABLE,
          '--json',
        ]);

        // Assess: the report.
        expect({ code: sweep.code, stderr: sweep.stderr }).toEqual({ code: 0, stderr: '' });
        const report = JSON.parse(sweep.stdout) as RunReport;
        const mine = report.locks
          .filter((l) => l.lockId.startsWith(`${BUCKET}/`) && l.lockId.includes(key))
          .map((l) => ({
            store: l.store,
            lockId: l.lockId,
            id: l.id,
            decision: l.decision,
            outcome: l.outcome,
          }))
          .sort(byLine);
        // Each half of a double lock has its own line; the killed apply's halves are deleted, the live ones kept.
        const stores = double ? (['dynamodb', 's3'] as const) : (['s3'] as const);
        const lines = (workspace: string, id: string, decision: string, outcome: string) =>
          stores.map((store) => ({ store, lockId: lockId(workspace), id, decision, outcome }));
        expect(mine).toEqual(
          [
            ...lines('default', liveLock.id, 'keep', 'kept'),
            ...lines('ci', stale.id, 'delete', 'deleted'),
          ].sort(byLine),
        );
        expect(report.counts).toMatchObject({ errors: 0, skipped: 0, changed: 0 });
        // Both halves of the killed lock are gone, its digest item is as it was.
        expect(await object(lockfileKey('ci'))).toBeUndefined();
        expect(await item(lockId('ci'))).toBeUndefined();
        expect(await item(`${lockId('ci')}-md5`)).toEqual(stale.digest);
        // The live lock is untouched, byte for byte.
        expect((await object(lockfileKey('default')))?.body.toString('utf8')).toBe(liveLock.info);
        if (double)
          expect(await item(lockId('default'))).toEqual({
            LockID: { S: lockId('default') },
            Info: { S: liveLock.info },
          });

        // The live apply finishes and releases its own lock (both halves).
        open('live');
        const end = await live.finished;
        expect({ code: end.code, output: end.output }).toEqual({
          code: 0,
          output: expect.stringContaining('Apply complete!'),
        });
        expect(end.output).not.toContain('Error releasing the state lock');
        expect(await object(lockfileKey('default'))).toBeUndefined();
        expect(await item(lockId('default'))).toBeUndefined();
        // Terraform can lock the swept workspace again.
        await expectPlanWorks('ci');
      },
      SLOW,
    );

    it(
      'releases another killed apply by its lock ID with the CLI, after which plan works again',
      async () => {
        const lock = await killedApply('ci-2');
        await expectPlanRefused('ci-2', lock.id);
        const policy = join(dir, 'release.json');
        writeFileSync(
          policy,
          JSON.stringify({ tables: { include: [LOCKS] }, buckets: { include: [BUCKET] } }),
        );
        const where = [
          ...(double ? ['--table', LOCKS, '--lock-id', lockId('ci-2')] : []),
          ...['--bucket', BUCKET, '--key', lockfileKey('ci-2')],
        ];
        // Act
        const release = await cli([
          'release',
          '--yes',
          '--endpoint',
          engine.endpoint,
          '--region',
          REGION,
          '--policy',
          policy,
          '--state-table',
          STATE_TABLE,
          '--id',
          lock.id,
          ...where,
        ]);
        // Assess
        expect({ code: release.code, stderr: release.stderr }).toEqual({ code: 0, stderr: '' });
        expect(release.stdout).toContain('released');
        expect(await object(lockfileKey('ci-2'))).toBeUndefined();
        expect(await item(lockId('ci-2'))).toBeUndefined();
        if (double) expect(await item(`${lockId('ci-2')}-md5`)).toBeDefined();
        await expectPlanWorks('ci-2');
      },
      SLOW,
    );
  });
});
