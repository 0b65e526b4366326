// Tests: the CLI's audit file: a record the disk cannot take whole is refused and cut off, never left half written.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MODULE = join(__dirname, '..', 'bin', 'cli-audit.ts');

describe('AuditFileStateStore', () => {
  it('refuses a record that runs past the file size limit, leaving the lines before it whole and the next one appendable', () => {
    // Prepare: a process whose files may not grow past 1 KiB (as a full disk stops a write part way).
    const dir = mkdtempSync(join(tmpdir(), 'tflj-audit-'));
    const file = join(dir, 'audit.jsonl');
    const script = join(dir, 'append.ts');
    writeFileSync(
      script,
      `process.on('SIGXFSZ', () => undefined);
const { AuditFileStateStore } = require(${JSON.stringify(MODULE)});
const store = new AuditFileStateStore(${JSON.stringify(file)});
const record = (lockId: string, reason: string) => ({ region: 'eu-west-1', table: 'locks', lockId, id: 'x', reason });
(async () => {
  const said: string[] = [];
  for (const [lockId, reason] of [['a', 'small'], ['b', 'r'.repeat(2000)], ['c', 'small again']]) {
    try {
      await store.audit(record(lockId, reason));
      said.push(lockId + ' written');
    } catch (e) {
      said.push(lockId + ' refused ' + (e as NodeJS.ErrnoException).code);
    }
  }
  process.stdout.write(JSON.stringify({ said, appended: store.appended }));
})();
`,
    );
    // Act
    const out = execFileSync(
      'bash',
      ['-c', `ulimit -f 1 && exec "${process.execPath}" --import tsx "${script}"`],
      {
        cwd: join(__dirname, '..'),
        encoding: 'utf8',
      },
    );
    // Assess
    expect(JSON.parse(out)).toEqual({ said: ['a written', 'b refused EFBIG', 'c written'], appended: 2 });
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l).lockId)).toEqual(['a', 'c']);
  });
});
