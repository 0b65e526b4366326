// Tests: list, sweep, release and the demo at 80 columns: no line wider, every lock ID and state path whole.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lockItem } from '../bin/demo/terraform-lock';
import { tableLines } from '../bin/format';
import { runCli } from './support/cli';
import { createLockTable, endpoint, putItems, testClient, uniqueName } from './support/dynamo';

const HOUR = 3_600_000;
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;
const width = (line: string) => [...line].length;

/** Lines wider than 80 columns; a lone word (a payload that cannot be cut without changing what is pasted) aside. */
function tooWide(text: string, allowLoneWords = false): string[] {
  return text
    .split('\n')
    .filter((l) => width(l) > 80)
    .filter((l) => !(allowLoneWords && l.trim().replace(/ \\$/, '').split(' ').length === 1));
}

/** Every fragment that starts like a lock ID is a whole one (none is cut at a line's end). */
function idsWhole(text: string): void {
  for (const fragment of text.match(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f-]*/g) ?? [])
    expect(fragment).toMatch(UUID);
}

describe('at 80 columns', () => {
  const client = testClient();
  afterAll(() => client.destroy());
  const prefix = uniqueName('cols');
  const table = `${prefix}-terraform-locks-production`;
  const paths = [
    'acme-tfstate/env:/production/platform/networking/terraform.tfstate',
    'acme-tfstate/services/api/terraform.tfstate',
  ];
  const locks = paths.map((path, i) =>
    lockItem({
      bucket: path.split('/')[0],
      path: path.slice(path.indexOf('/') + 1),
      operation: 'OperationTypeApply',
      who: `runner-with-a-long-name-${i}@ip-10-0-12-34.eu-west-1.compute.internal`,
      createdMs: Date.now() - 30 * HOUR,
    }),
  );
  const ids = locks.map((l) => JSON.parse(l.Info.S).ID as string);
  const dir = mkdtempSync(join(tmpdir(), 'tflj-cols-'));
  const policy = join(dir, 'policy.json');
  beforeAll(async () => {
    await createLockTable(client, table);
    await putItems(client, table, locks);
    writeFileSync(policy, JSON.stringify({ tables: { include: [table] }, mode: 'report' }));
  });
  const at80 = (...args: string[]) =>
    runCli([...args, '--endpoint', endpoint(), '--region', 'us-east-1'], { COLUMNS: '80' });

  it.each([['list'], ['sweep']])('%s fits, with every state path and lock ID whole', async (command) => {
    const { code, stdout } = await at80(command, '--policy', policy);
    expect(code).toBe(0);
    expect(tooWide(stdout)).toEqual([]);
    for (const path of paths) expect(stdout).toContain(path);
    if (command === 'list') for (const id of ids) expect(stdout).toContain(id);
    else for (const id of ids) expect(stdout.replace(/\n\s+/g, ' ')).toContain(id);
    idsWhole(stdout);
  });

  it('release fits, with the lock ID and state path whole', async () => {
    const { code, stdout, stderr } = await at80('release', ids[0], '--yes', '--policy', policy);
    expect(code).toBe(0);
    expect(tooWide(stdout + stderr)).toEqual([]);
    expect(stderr).toContain(paths[0]);
    expect(stderr).toContain(ids[0]);
    idsWhole(stdout + stderr);
  });

  it('the demo fits, but for lone payload words, with every lock ID whole', async () => {
    const { code, stdout } = await runCli(['demo'], { COLUMNS: '80' });
    expect(code).toBe(0);
    expect(tooWide(stdout, true)).toEqual([]);
    idsWhole(stdout);
    const rows = stdout.split('\n').filter((l) => /^(acme-t|s3:\/\/a)\S*\s+acme-tfstate\//.test(l));
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.split(/\s+/)[1]).toMatch(/^acme-tfstate\/\S+\.tfstate$/);
  });
});

describe('a table narrower than its whole columns', () => {
  it('moves the whole values to lines of their own under each row', () => {
    const path = `acme/${'very-long-directory/'.repeat(3)}terraform.tfstate`;
    const id = '5b454bd8-8f74-48ce-c41c-35355c39e85b';
    const lines = [
      ...tableLines(['WHERE', 'STATE PATH', 'LOCK ID', 'AGE'], [['locks', path, id, '3h']], 60, {
        whole: ['STATE PATH', 'LOCK ID'],
      }),
    ];
    expect(lines).toEqual(['WHERE  AGE', 'locks  3h', `  STATE PATH: ${path}`, `  LOCK ID:    ${id}`]);
  });
});
