// Terminal rendering of run reports and lock lists for the CLI.
import { formatAge } from '../lambda/core/duration';
import type { LockReport, RunReport } from '../lambda/core/report';

const MAX_CELL = 56;

/** A plain-text table: a header row and aligned columns, long cells shortened in the middle. */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(shorten));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells
    .map((row) =>
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shorten(cell: string): string {
  const oneLine = cell.replace(/[\r\n\t]/g, ' ');
  if (oneLine.length <= MAX_CELL) return oneLine;
  const half = Math.floor((MAX_CELL - 1) / 2);
  return `${oneLine.slice(0, half)}…${oneLine.slice(oneLine.length - (MAX_CELL - 1 - half))}`;
}

/** `OperationTypeApply` → `apply`; other reasons (`init`, `workspace-new`) as they are. */
export function shortOperation(operation: string): string {
  return operation.startsWith('OperationType')
    ? operation.slice('OperationType'.length).toLowerCase()
    : operation;
}

/** The locks of a run as a table: table, state path, operation, who, age, decision, outcome. */
export function renderLocks(locks: readonly LockReport[]): string {
  if (locks.length === 0) return 'No locks found.';
  const rows = locks.map((l) => [
    l.table,
    l.lockId,
    shortOperation(l.operation),
    l.who,
    formatAge(l.ageSeconds),
    l.decision,
    l.outcome,
  ]);
  return renderTable(['TABLE', 'STATE PATH', 'OPERATION', 'WHO', 'AGE', 'DECISION', 'OUTCOME'], rows);
}

/** The locks as `list` shows them: where, the lock ID (what `force-unlock` and `release` need), who and age. */
export function renderLockList(locks: readonly LockReport[]): string {
  if (locks.length === 0) return 'No locks found.';
  const rows = locks.map((l) => [
    l.table,
    l.lockId,
    l.id,
    shortOperation(l.operation),
    l.who,
    formatAge(l.ageSeconds),
  ]);
  return renderTable(['TABLE', 'STATE PATH', 'LOCK ID', 'OPERATION', 'WHO', 'AGE'], rows);
}

/** The one-line summary of a run. */
export function renderSummary(report: RunReport): string {
  const c = report.counts;
  const items = report.tables.reduce((n, t) => n + t.items, 0);
  const tables = report.tables.filter((t) => t.name !== '*').length;
  return (
    `${tables} lock table${tables === 1 ? '' : 's'}, ${items} items: ${c.locks} locks, ${c.stale} stale; ` +
    `${c.deleted} deleted, ${c.alerted} alerted, ${c.changed} changed, ${c.skipped} skipped, ${c.errors} errors ` +
    `(mode ${report.mode}, run ${report.runId})`
  );
}

/** The human report: the lock table, why each stale lock was judged so, problems, and the summary line. */
export function renderReport(report: RunReport): string {
  const out = [renderLocks(report.locks)];
  const stale = report.locks.filter((l) => l.decision !== 'keep');
  if (stale.length)
    out.push(
      '',
      'Why:',
      ...stale.map((l) => `  ${l.table} ${l.lockId} (ID ${l.id}): ${l.outcome}: ${l.reason}`),
    );
  const problems = [
    ...report.tables.filter((t) => t.error).map((t) => `table ${t.region}/${t.name}: ${t.error}`),
    ...report.unparseable.map(
      (u) => `unparseable item in ${u.table}: ${u.lockId ?? '(no LockID)'}: ${u.problem}`,
    ),
    ...report.failures.map((f) => f.message),
    ...report.warnings.map((w) => `warning: ${w}`),
  ];
  if (problems.length) out.push('', 'Problems:', ...problems.map((p) => `  ${p}`));
  if (report.resolved.length)
    out.push('', 'Resolved:', ...report.resolved.map((r) => `  ${r.table} ${r.lockId} (ID ${r.id})`));
  if (report.notification) {
    const { sent, error } = report.notification;
    out.push(
      '',
      `Notification: ${sent ? 'published' : error ? `failed (${error})` : 'nothing new, none published'}`,
    );
  }
  out.push('', renderSummary(report));
  return out.join('\n');
}
