// Tests: the CLI's terminal rendering shows hostile values escaped and copes with huge tables.
import {
  lastSignText,
  lockListLines,
  renderLockList,
  renderLocks,
  renderReport,
  renderTable,
} from '../bin/format';
import type { LockReport, RunReport } from '../lambda/core/report';
import { lockReport, runReport } from './support/reports';

/** A control (C0, C1, DEL; newline too), a bidi or other format character, a line or paragraph separator. */
const RAW_CONTROL = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;
const rawLines = (text: string) => text.split('\n').filter((line) => RAW_CONTROL.test(line));

function lock(overrides: Partial<LockReport> = {}): LockReport {
  return lockReport({
    lockId: 'acme/app.tfstate',
    id: '3d5f0c2a-9b71',
    who: 'runner@ci',
    created: '2025-03-14T09:26:53Z',
    ageSeconds: 3600,
    reason: 'rule "default": age 1h >= alertAfter 1h',
    ...overrides,
  });
}

function report(locks: LockReport[], parts: Partial<RunReport> = {}): RunReport {
  return runReport(locks, {
    runId: 'run-1',
    finishedAt: '2025-03-14T14:32:01.000Z',
    mode: 'delete',
    ...parts,
  });
}

// What a table writer can plant: erase the line, a terminal hyperlink, a carriage return, an RTL override,
// a backspace, a bell and a newline that forges a summary line.
const HOSTILE: [string, string][] = [
  ['erase line', '\u001b[2K\u001b[1A'],
  ['OSC 8 link', '\u001b]8;;https://evil.example\u0007click\u001b]8;;\u0007'],
  ['carriage return', 'x\rdeleted'],
  ['RTL override', 'acme/\u202Eetatsf.ppa'],
  ['backspace and bell', 'ab\b\b\u0007'],
  ['forged summary', 'x\n\n1 lock table, 1 items: 1 locks, 0 stale; 0 deleted (mode report, run r)'],
  ['C1 CSI', '\u009b2K'],
];

describe('terminal output never passes control characters through', () => {
  it.each(HOSTILE)('escapes %s in every field of a report', (_name, value) => {
    // Prepare
    const planted = lock({
      lockId: value,
      id: value,
      who: value,
      operation: value,
      table: value,
      rule: value,
      reason: value,
    });
    const deleted = lock({ lockId: 'acme/deleted.tfstate', decision: 'delete', outcome: 'deleted' });
    const r = report([planted, deleted], {
      runId: value,
      tables: [
        { region: 'eu-west-1', name: value, items: 2, locks: 2, digests: 0, unparseable: 1, error: value },
      ],
      unparseable: [{ region: 'eu-west-1', table: value, lockId: value, problem: value }],
      failures: [{ kind: 'audit', message: value }],
      warnings: [value],
      resolved: [{ region: 'eu-west-1', table: value, lockId: value, id: value }],
      notification: { sent: false, error: value },
    });

    // Act
    const text = renderReport(r);

    // Assess
    expect(rawLines(text)).toEqual([]);
    const lines = text.split('\n');
    expect(lines.filter((l) => /^\d+ lock tables?, \d+ items: /.test(l))).toHaveLength(1);
    expect(lines[lines.length - 1]).toMatch(/^1 lock table, 2 items: /);
    expect(lines[2]).toContain('acme/deleted.tfstate');
  });

  it.each(HOSTILE)('keeps one line per lock in the list: %s', (_name, value) => {
    const text = renderLockList([
      lock({ lockId: value, id: value, who: value }),
      lock({ lockId: 'acme/next.tfstate' }),
    ]);

    expect(rawLines(text)).toEqual([]);
    const lines = text.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('acme/next.tfstate');
  });

  it('shows an escape sequence as a visible escape', () => {
    expect(renderLockList([lock({ who: 'a\u001b[2Kb' })])).toContain('a\\u{1b}[2Kb');
  });
});

describe('the evidence column of list', () => {
  const WRITE = { at: '2025-03-14T14:22:00.000Z', source: 'digest' as const };
  it.each<[string, Partial<LockReport>, string]>([
    ['no evidence', {}, '-'],
    ['an age from Created', { lastSignOfLife: '2025-03-14T09:26:53.000Z', idleSeconds: 3600 }, '-'],
    [
      'a state write as the last sign',
      { stateWrite: WRITE, lastSignOfLife: WRITE.at, idleSeconds: 600 },
      'write 10m ago',
    ],
    // A write before the lock's start is evidence of nothing: not shown as the last sign.
    [
      'a write that did not count',
      { stateWrite: WRITE, lastSignOfLife: '2025-03-14T14:30:00.000Z', idleSeconds: 60 },
      '-',
    ],
    ['a gone host', { holder: { outcome: 'gone', instanceId: 'i-0abc', state: 'terminated' } }, 'host gone'],
    [
      'a running host',
      { holder: { outcome: 'running', instanceId: 'i-0abc', state: 'running' } },
      'host running',
    ],
    ['an unknown host', { holder: { outcome: 'unknown' } }, '-'],
    [
      'both',
      { stateWrite: WRITE, lastSignOfLife: WRITE.at, idleSeconds: 7260, holder: { outcome: 'gone' } },
      'write 2h 1m ago, host gone',
    ],
  ])('says %s in words', (_name, evidence, text) => {
    expect(lastSignText(lock(evidence))).toBe(text);
  });

  it('shows the column in the list', () => {
    const lines = renderLockList([lock({ holder: { outcome: 'gone' } })]).split('\n');
    expect(lines[0]).toMatch(/AGE\s+LAST SIGN$/);
    expect(lines[1]).toMatch(/1h\s+host gone$/);
  });
});

describe('large tables', () => {
  const many = Array.from({ length: 200_000 }, (_, i) =>
    lock({ lockId: `acme/${i}.tfstate`, id: `id-${i}` }),
  );

  it.each([
    ['renderLocks', renderLocks],
    ['renderLockList', renderLockList],
  ])('%s renders 200,000 rows without overflowing the stack', (_name, render) => {
    const text = render(many);
    expect(text.split('\n')).toHaveLength(200_001);
  });

  it('yields the list line by line', () => {
    let count = 0;
    let multiline = 0;
    for (const line of lockListLines(many)) {
      count++;
      if (line.includes('\n')) multiline++;
    }
    expect({ count, multiline }).toEqual({ count: 200_001, multiline: 0 });
  });

  it('aligns columns to the widest cell, found without a spread', () => {
    expect(
      renderTable(
        ['A', 'B'],
        [
          ['xxx', 'y'],
          ['x', 'yy'],
        ],
      ),
    ).toBe('A    B\nxxx  y\nx    yy');
  });
});
