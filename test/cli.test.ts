// Tests: the CLI commands, flags and exit codes against dynalite.

import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { digestItem, lockItem } from '../bin/demo/terraform-lock';
import { listAudit } from '../lambda/adapters/dynamo-state-store';
import { policyFile, runCli } from './support/cli';
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
import { HANG, startFaultProxy } from './support/fault-proxy';
import { HOUR, MINUTE } from './support/janitor';

const CLI = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
const client = testClient();
const dir = mkdtempSync(join(tmpdir(), 'tflj-cli-'));
afterAll(() => client.destroy());

/** Runs the CLI as a process; resolves with its exit code and output whatever the code. */
const cli = (...args: string[]) => runCli(args);

// Locks made relative to the real clock: the CLI judges at the time it runs.
const lockAt = (path: string, ageMs: number) =>
  lockItem({
    bucket: 'acme',
    path,
    operation: 'OperationTypePlan',
    who: 'runner@ip-10-0-1-2',
    createdMs: Date.now() - ageMs,
  });

describe('tf-lock-janitor as a process against a DynamoDB-compatible server', () => {
  const prefix = uniqueName('cli');
  const table = `${prefix}-locks`;
  const staleLock = lockAt('stale.tfstate', 3 * HOUR);

  beforeAll(async () => {
    await createLockTable(client, table);
    await putItems(client, table, [
      staleLock,
      lockAt('fresh.tfstate', 5 * MINUTE),
      digestItem('acme', 'stale.tfstate'),
    ]);
  });

  it('sweep --json prints the run report and exits 0; deletes the stale lock, recorded in the audit file', async () => {
    const policy = policyFile({
      mode: 'delete',
      minSightings: 1,
      tables: { include: [`${prefix}-*`] },
      rules: [{ name: 'all', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
    });
    const auditFile = join(dir, `${uniqueName('audit')}.jsonl`);
    const { code, stdout } = await cli(
      'sweep',
      '--endpoint',
      endpoint(),
      '--policy',
      policy,
      '--audit-file',
      auditFile,
      '--json',
    );
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining(['runId', 'startedAt', 'mode', 'tables', 'locks', 'counts']),
    );
    expect(report.tables).toEqual([
      { region: 'us-east-1', name: table, items: 3, locks: 2, digests: 1, unparseable: 0 },
    ]);
    expect(report.counts).toMatchObject({ locks: 2, stale: 1, deleted: 1, errors: 0 });
    const deleted = report.locks.find((l: { outcome: string }) => l.outcome === 'deleted');
    expect(deleted).toMatchObject({
      region: 'us-east-1',
      table,
      lockId: 'acme/stale.tfstate',
      operation: 'OperationTypePlan',
      who: 'runner@ip-10-0-1-2',
      rule: 'all',
      decision: 'delete',
    });
    expect(deleted.created).toBe(JSON.parse(staleLock.Info.S).Created);
    expect(await lockIds(client, table)).toEqual(['acme/fresh.tfstate', 'acme/stale.tfstate-md5']);
    // The deletion is recorded durably: its intent before the delete, its audit record after, with the full Info.
    expect(report.auditFile).toEqual({ path: auditFile, appended: 2 });
    const lines = readFileSync(auditFile, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines).toEqual([
      expect.objectContaining({
        record: 'intent',
        action: 'deleted',
        lockId: 'acme/stale.tfstate',
        info: staleLock.Info.S,
      }),
      expect.objectContaining({
        record: 'audit',
        action: 'deleted',
        lockId: 'acme/stale.tfstate',
        info: staleLock.Info.S,
      }),
    ]);
  });

  /**
   * A state table, a lock table `<prefix>-<name>` holding a 5-hour-old lock, and the `sweep` arguments for a
   * policy that deletes after two sightings (`policy` adds to it).
   */
  async function rememberingSweep(
    name: string,
    policy: object = {},
  ): Promise<{ own: string; stateTable: string; args: string[] }> {
    const stateTable = uniqueName(`cli-${name}`);
    await createStateTable(client, stateTable);
    const own = `${prefix}-${name}`;
    await createLockTable(client, own);
    await putItems(client, own, [lockAt('old.tfstate', 5 * HOUR)]);
    const file = policyFile({
      mode: 'delete',
      minSightings: 2,
      tables: { include: [own] },
      rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
      ...policy,
    });
    const args = ['sweep', '--endpoint', endpoint(), '--policy', file, '--state-table', stateTable, '--json'];
    return { own, stateTable, args };
  }

  it('sweep --state-table remembers sightings across runs: the second run deletes', async () => {
    // Two runs seconds apart count as two sightings only because this test shortens the gap.
    const { own, stateTable, args } = await rememberingSweep('remembered', {
      sightingGap: '0s',
      allowShortDurations: true,
    });
    const first = JSON.parse((await cli(...args)).stdout);
    expect(first.locks[0]).toMatchObject({ outcome: 'unsent', sightings: 1 });
    const second = JSON.parse((await cli(...args)).stdout);
    expect(second.locks[0]).toMatchObject({ outcome: 'deleted', sightings: 2 });
    expect(await lockIds(client, own)).toEqual([]);
    const audit = await listAudit(client, stateTable, 'us-east-1', own);
    expect(audit).toEqual([
      expect.objectContaining({ action: 'deleted', lockId: 'acme/old.tfstate', rule: 'all' }),
    ]);
  });

  it('counts two runs closer than the sighting gap as one sighting: minSightings cannot be forged', async () => {
    const { own, args } = await rememberingSweep('forged');
    await cli(...args);
    const second = JSON.parse((await cli(...args)).stdout);
    expect(second.locks[0]).toMatchObject({ outcome: 'unsent', sightings: 1 });
    expect(second.locks[0].reason).toContain('seen on 1 of the 2 runs needed');
    expect(await lockIds(client, own)).toEqual(['acme/old.tfstate']);
  });

  it('sweeps many tables at once and prints nothing on stderr but its own lines (no listener-leak warning)', async () => {
    // Prepare: more tables than node's default listener limit (10), read 16 at once, every call on one signal.
    const many = Array.from({ length: 14 }, (_, i) => `${prefix}-many-${String(i).padStart(2, '0')}`);
    await Promise.all(many.map((name) => createLockTable(client, name)));
    await Promise.all(many.map((name, i) => putItems(client, name, [lockAt(`m${i}.tfstate`, 5 * MINUTE)])));
    const policy = policyFile({ tables: { include: [`${prefix}-many-*`] } });
    // Act
    const { code, stdout, stderr } = await cli(
      'sweep',
      '--endpoint',
      endpoint(),
      '--region',
      'us-east-1',
      '--policy',
      policy,
      '--json',
      '--quiet',
    );
    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout).tables).toHaveLength(many.length);
    expect(stderr).not.toMatch(/MaxListenersExceededWarning|memory leak/);
  });

  it('list prints a readable table of the locks and a summary line', async () => {
    const { code, stdout } = await cli('list', '--endpoint', endpoint());
    expect(code).toBe(0);
    const id = JSON.parse((await infoOf(client, table, 'acme/fresh.tfstate'))!).ID;
    expect(stdout).toMatch(/WHERE\s+STATE PATH\s+LOCK ID\s+OPERATION\s+WHO\s+AGE/);
    expect(stdout).toMatch(
      new RegExp(`${table}\\s+acme/fresh.tfstate\\s+${id}\\s+plan\\s+runner@ip-10-0-1-2\\s+\\d+m`),
    );
    expect(stdout).toMatch(/lock tables?, \d+ items: \d+ locks/);
  });

  it('release with the right ID exits 0, with a wrong ID exits 1 and deletes nothing', async () => {
    const id = JSON.parse((await infoOf(client, table, 'acme/fresh.tfstate'))!).ID;
    // The old flags (--lock-id for the state path, --id for the lock ID) still work, as documented aliases.
    const releaseFresh = (...args: string[]) =>
      cli(
        'release',
        '--yes',
        '--endpoint',
        endpoint(),
        '--table',
        table,
        '--lock-id',
        'acme/fresh.tfstate',
        ...args,
      );
    const wrong = await releaseFresh('--id', 'nope');
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toContain('is not the ID of the lock held at');
    expect(wrong.stdout + wrong.stderr).not.toContain(id);
    expect(await lockIds(client, table)).toContain('acme/fresh.tfstate');
    const right = await releaseFresh('--id', id, '--json');
    expect(right.code).toBe(0);
    expect(JSON.parse(right.stdout)).toMatchObject({ outcome: 'released' });
    expect(await lockIds(client, table)).toEqual(['acme/stale.tfstate-md5']);
  });

  it('prints its version', async () => {
    const { code, stdout } = await cli('--version');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe(require('../package.json').version);
  });

  it.each([
    ['an unknown command', ['purge'], 'unknown command "purge"'],
    ['an unknown flag', ['sweep', '--force'], `unknown flag "--force"; see 'tf-lock-janitor sweep --help'`],
    [
      'a missing policy file',
      ['sweep', '--policy', '/nonexistent.json', '--region', 'us-east-1'],
      'cannot read the policy file "/nonexistent.json"',
    ],
    [
      'release without a lock ID',
      ['release', '--table', 't', '--lock-id', 'b/k', '--region', 'us-east-1'],
      'release needs the lock ID: tf-lock-janitor release ID (the LOCK ID column of list)',
    ],
    [
      'release with a key but no bucket',
      ['release', 'x', '--key', 'k.tflock', '--region', 'us-east-1'],
      '--key needs --bucket (the state bucket holding it)',
    ],
    ['no region', ['list'], 'no region: pass --region'],
  ])('exits 2 on %s, saying what is wrong', async (_, args, message) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });

  it('exits 2 on a bad policy, naming the field', async () => {
    const policy = policyFile({
      mode: 'delete',
      rules: [{ name: 'x', match: { who: 'ci@*' }, alertAfter: '2 hours' }],
    });
    const { code, stderr } = await cli('sweep', '--endpoint', endpoint(), '--policy', policy);
    expect(code).toBe(2);
    expect(stderr).toContain('rules[0].alertAfter: "2 hours" is not a duration');
  });

  it('exits 1 when the server cannot be reached, reporting the region', async () => {
    const { code, stdout } = await cli(
      'sweep',
      '--endpoint',
      'http://127.0.0.1:9',
      '--region',
      'eu-west-1',
      '--json',
    );
    expect(code).toBe(1);
    const report = JSON.parse(stdout);
    expect(report.tables).toEqual([
      expect.objectContaining({
        region: 'eu-west-1',
        name: '*',
        error: expect.stringContaining('could not list the tables of eu-west-1'),
      }),
    ]);
    expect(report.counts.errors).toBe(1);
  });
});

describe('bad usage and signals', () => {
  it.each([
    [
      'an empty --region',
      ['list', '--endpoint', 'http://127.0.0.1:9', '--region', ''],
      /--region "" is not an AWS region the SDK knows/,
    ],
    [
      'a made-up --region',
      ['list', '--endpoint', 'http://127.0.0.1:9', '--region', 'Frankfurt'],
      /"Frankfurt" is not an AWS region/,
    ],
  ])('exits 2 with a message for %s', async (_name, args, message) => {
    const { code, stderr } = await cli(...args);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it.each([
    ['a missing table', async () => 'no-such-table', /there is no table no-such-table in us-east-1/],
    [
      'a table that is not a lock table',
      async () => {
        const name = uniqueName('cli-orders');
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
      /is not a Terraform lock table/,
    ],
  ])('release on %s exits 2 with a message, not a stack trace', async (_name, makeTable, message) => {
    const table = await makeTable();
    const { code, stderr } = await cli(
      'release',
      '--yes',
      '--endpoint',
      endpoint(),
      `--table=${table}`,
      '--state-path=a/b',
      'x',
    );
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('stops on SIGINT while a Scan hangs, prints the partial report and exits 130', async () => {
    // Prepare: two lock tables; every Scan of one is taken and never answered.
    const prefix = uniqueName('cli-sigint');
    for (const name of ['ok', 'stuck']) {
      await createLockTable(client, `${prefix}-${name}`);
      await putItems(client, `${prefix}-${name}`, [lockAt(`${name}.tfstate`, 2 * HOUR)]);
    }
    let hung!: () => void;
    const hanging = new Promise<void>((resolve) => {
      hung = resolve;
    });
    const proxy = await startFaultProxy(endpoint(), ({ operation, body }) => {
      if (operation !== 'Scan' || body.TableName !== `${prefix}-stuck`) return undefined;
      hung();
      return HANG;
    });
    const policy = policyFile({ tables: { include: [`${prefix}-*`] } });
    const env = { ...process.env, AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_REGION: '' };
    const child = spawn(
      process.execPath,
      [CLI, 'sweep', '--endpoint', proxy.endpoint, '--policy', policy, '--json'],
      {
        env,
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      // Act
      await hanging;
      child.kill('SIGINT');
      const code = await exited;
      // Assess
      expect(code).toBe(130);
      expect(stderr).toContain('SIGINT: stopping; the partial report follows');
      const report = JSON.parse(stdout);
      const stuck = report.tables.find((t: { name: string }) => t.name === `${prefix}-stuck`);
      expect(stuck.error).toMatch(/^stopped after 0 items: the run was told to stop/);
      expect(report.tables.map((t: { name: string }) => t.name).sort()).toEqual([
        `${prefix}-ok`,
        `${prefix}-stuck`,
      ]);
    } finally {
      child.kill('SIGKILL');
      await proxy.close();
    }
  });
});
