// Tests: list and sweep --concurrency N: checked like the policy's concurrency, and the places read at once.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockItem } from '../bin/demo/terraform-lock';
import { runCli } from './support/cli';
import { createLockTable, endpoint, putItems, testClient, uniqueName } from './support/dynamo';
import { type FaultProxy, startFaultProxy } from './support/fault-proxy';

const client = testClient();
const dir = mkdtempSync(join(tmpdir(), 'tflj-concurrency-'));
afterAll(() => client.destroy());

describe('--concurrency N', () => {
  it.each([
    [
      'zero',
      ['list', '--concurrency', '0'],
      `--concurrency "0" must be a whole number from 1 to 64; see 'tf-lock-janitor list --help'`,
    ],
    [
      'over 64',
      ['sweep', '--concurrency', '65'],
      `--concurrency "65" must be a whole number from 1 to 64; see 'tf-lock-janitor sweep --help'`,
    ],
    ['a fraction', ['sweep', '--concurrency=1.5'], '--concurrency "1.5" must be a whole number from 1 to 64'],
    ['a word', ['list', '--concurrency', 'many'], '--concurrency "many" must be a whole number from 1 to 64'],
    [
      'a negative number',
      ['sweep', '--concurrency', '-3'],
      '--concurrency "-3" must be a whole number from 1 to 64',
    ],
    ['nothing', ['sweep', '--concurrency='], '--concurrency "" must be a whole number from 1 to 64'],
    [
      'no value',
      ['list', '--concurrency'],
      `--concurrency needs a value (N); see 'tf-lock-janitor list --help'`,
    ],
    [
      'release',
      ['release', 'x', '--concurrency', '4'],
      'release does not take --concurrency (a flag of list, sweep)',
    ],
  ])('refuses %s with one line naming it, exit 2, before any AWS call', async (_name, args, message) => {
    // No endpoint and no credentials: a run that started would fail otherwise (exit 1), not with a usage error.
    const { code, stdout, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  it.each(['list', 'sweep'])('is in the help of %s, with its range and default', async (command) => {
    const { code, stdout } = await runCli([command, '--help']);
    expect(code).toBe(0);
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      "--concurrency N places read at once in each region (lock tables, and as many buckets), 1 to 64 (default: the policy's concurrency, else 16)",
    );
  });
});

describe('--concurrency N against a DynamoDB-compatible server', () => {
  const prefix = uniqueName('cli-conc');
  const TABLES = ['a', 'b', 'c', 'd'].map((t) => `${prefix}-${t}`);
  const HOLD_MS = 400;
  let proxy: FaultProxy;
  /** Scans held at the proxy at once (each is held HOLD_MS before it is forwarded), the most seen. */
  let holding = 0;
  let most = 0;
  const policy = join(dir, 'policy.json');

  beforeAll(async () => {
    for (const table of TABLES) {
      await createLockTable(client, table);
      await putItems(client, table, [
        lockItem({
          bucket: 'acme',
          path: `${table}.tfstate`,
          operation: 'OperationTypePlan',
          who: 'ci@runner',
          createdMs: Date.now(),
        }),
      ]);
    }
    // The policy reads up to 8 tables at once: the flag, when given, overrides it.
    writeFileSync(policy, JSON.stringify({ tables: { include: [`${prefix}-*`] }, concurrency: 8 }));
    proxy = await startFaultProxy(endpoint(), ({ operation }) => {
      if (operation !== 'Scan') return undefined;
      most = Math.max(most, ++holding);
      setTimeout(() => holding--, HOLD_MS);
      return { delayMs: HOLD_MS };
    });
  });
  afterAll(() => proxy.close());

  const run = async (...args: string[]) => {
    most = 0;
    const result = await runCli([...args, '--endpoint', proxy.endpoint, '--policy', policy, '--json']);
    const report = JSON.parse(result.stdout) as { tables: { name: string; locks: number; error?: string }[] };
    return { code: result.code, most, tables: report.tables };
  };
  const readAll = TABLES.map((name) => expect.objectContaining({ name, locks: 1 }));

  it.each(['list', 'sweep'])(
    '%s --concurrency 1 reads one table at a time, and every table',
    async (command) => {
      const { code, most: atOnce, tables } = await run(command, '--concurrency', '1');
      expect(code).toBe(0);
      expect(tables).toEqual(expect.arrayContaining(readAll));
      expect(tables.filter((t) => t.error)).toEqual([]);
      expect(atOnce).toBe(1);
    },
  );

  it("sweep without it reads as many tables at once as the policy's concurrency lets it", async () => {
    const { code, most: atOnce, tables } = await run('sweep');
    expect(code).toBe(0);
    expect(tables).toEqual(expect.arrayContaining(readAll));
    expect(atOnce).toBeGreaterThan(1);
  });
});
