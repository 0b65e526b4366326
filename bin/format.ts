// Terminal rendering of run reports and lock lists for the CLI: every value printable, line by line.
import { formatAge } from '../lambda/core/duration';
import { plural, printable } from '../lambda/core/message/format';
import type { LockReport, RunReport, TableReport } from '../lambda/core/report';
import type { Unread } from '../lambda/core/unread';

const MAX_CELL = 56;

/**
 * A plain-text table, line by line: a header row and aligned columns. Every cell goes through `printable`
 * (escape sequences, bidi overrides and line breaks shown as `\u{…}`, long cells shortened in the middle),
 * so no value can move the cursor, hide a row or start a new line. Widths are found with a loop (no spread
 * over all rows), and the lines are yielded one at a time so the CLI can write them as they come.
 */
export function* tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): Generator<string> {
  const cells: string[][] = [header.map((h) => cell(h))];
  for (const row of rows) cells.push(header.map((_, i) => cell(row[i])));
  const widths = header.map(() => 0);
  for (const row of cells) {
    for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i], row[i].length);
  }
  for (const row of cells)
    yield row
      .map((value, i) => value.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
}

/** The whole table as one string (see {@link tableLines}). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [...tableLines(header, rows)].join('\n');
}

function cell(value: string | undefined): string {
  return printable(value ?? '', MAX_CELL);
}

/** `OperationTypeApply` → `apply`; other reasons (`init`, `workspace-new`) as they are. */
export function shortOperation(operation: string): string {
  return operation.startsWith('OperationType')
    ? operation.slice('OperationType'.length).toLowerCase()
    : operation;
}

const LOCK_HEADER = ['WHERE', 'STATE PATH', 'OPERATION', 'WHO', 'AGE', 'DECISION', 'OUTCOME'];
const LIST_HEADER = ['WHERE', 'STATE PATH', 'LOCK ID', 'OPERATION', 'WHO', 'AGE', 'LAST SIGN'];

/** What an empty lock list says: an all-clear only when every place was read. */
export function noLocksLine(unread: number): string {
  return unread === 0
    ? 'No locks found.'
    : `No locks seen, but ${unread} ${unread === 1 ? 'place' : 'places'} could not be read (see "Could not read" below): this is not an all-clear.`;
}

/**
 * The locks of a run as table lines: table, state path, operation, who, age, decision, outcome. `unread` is how
 * many places could not be read: `No locks found.` is said only when none.
 */
export function* lockLines(locks: readonly LockReport[], unread = 0): Generator<string> {
  if (locks.length === 0) {
    yield noLocksLine(unread);
    return;
  }
  yield* tableLines(
    LOCK_HEADER,
    locks.map((l) => [
      whereCell(l),
      l.lockId,
      shortOperation(l.operation),
      l.who,
      formatAge(l.ageSeconds),
      l.decision,
      l.outcome,
    ]),
  );
}

/** The locks of a run as one table string (see {@link lockLines}). */
export function renderLocks(locks: readonly LockReport[]): string {
  return [...lockLines(locks)].join('\n');
}

/**
 * The evidence of life in a few words: `write 10m ago` when a state write is the last sign of life, `host gone`
 * or `host running` from the host check (an unknown host says nothing); `-` when there is none.
 */
export function lastSignText(lock: LockReport): string {
  const parts: string[] = [];
  const { stateWrite, lastSignOfLife, idleSeconds, holder } = lock;
  if (stateWrite && stateWrite.at === lastSignOfLife && idleSeconds !== undefined)
    parts.push(`write ${formatAge(idleSeconds)} ago`);
  if (holder && holder.outcome !== 'unknown') parts.push(`host ${holder.outcome}`);
  return parts.length ? parts.join(', ') : '-';
}

/**
 * The locks as `list` shows them, line by line: where, the lock ID (what `force-unlock` and `release` need), who,
 * age and the last sign of life.
 */
export function* lockListLines(locks: readonly LockReport[], unread = 0): Generator<string> {
  if (locks.length === 0) {
    yield noLocksLine(unread);
    return;
  }
  yield* tableLines(
    LIST_HEADER,
    locks.map((l) => [
      whereCell(l),
      l.lockId,
      l.id,
      shortOperation(l.operation),
      l.who,
      formatAge(l.ageSeconds),
      lastSignText(l),
    ]),
  );
}

/** The `list` table as one string (see {@link lockListLines}). */
export function renderLockList(locks: readonly LockReport[]): string {
  return [...lockListLines(locks)].join('\n');
}

/** A table's read error on one printable line. */
export function renderTableError(t: Pick<TableReport, 'region' | 'name' | 'error'>): string {
  return `table ${printable(t.region)}/${printable(t.name)}: ${printable(t.error ?? '')}`;
}

/** The one-line summary of a run. */
export function renderSummary(report: RunReport): string {
  const c = report.counts;
  const items = report.tables.reduce((n, t) => n + t.items, 0);
  const tables = report.tables.filter((t) => t.name !== '*').length;
  const buckets = (report.buckets ?? []).filter((b) => b.name !== '*');
  const lockfiles = buckets.reduce((n, b) => n + b.lockfiles, 0);
  const s3 = buckets.length
    ? `, ${plural(buckets.length, 'state bucket')} (${plural(lockfiles, 'lockfile')})`
    : '';
  return (
    `${plural(tables, 'lock table')}, ${items} items${s3}: ${c.locks} locks, ${c.stale} stale; ` +
    `${c.deleted} deleted, ${c.alerted} alerted, ${c.changed} changed, ${c.skipped} skipped, ${c.errors} errors ` +
    `(mode ${report.mode}, run ${printable(report.runId)})`
  );
}

/** Where a lock is held, for a table cell: the table, or `s3://bucket`; `+` marks a half of a double lock. */
function whereCell(l: LockReport): string {
  return l.double ? `${l.table} +double` : l.table;
}

const UNREAD_WORDS: Record<Unread['kind'], string> = {
  region: 'region',
  table: 'table',
  bucket: 'bucket',
  evidence: 'evidence',
};

/**
 * The "Could not read" block: every region, table, bucket and evidence source the run could not read, each with
 * its reason and its fix. Nothing when every place was read.
 */
export function* couldNotReadLines(report: Pick<RunReport, 'couldNotRead'>): Generator<string> {
  const unread = report.couldNotRead;
  if (unread.length === 0) return;
  yield* ['', `Could not read (${unread.length}):`];
  for (const u of unread) {
    const where =
      u.kind === 'region'
        ? `${u.region} (${u.name})`
        : `${u.region}/${u.kind === 'bucket' ? `s3://${u.name}` : u.name}`;
    yield `  ${UNREAD_WORDS[u.kind]} ${printable(where)}: ${printable(u.reason)}`;
    yield `    fix: ${printable(u.fix)}`;
  }
}

/** `list`'s human output, line by line: the locks, what could not be read, warnings, the summary. */
export function* listLines(report: RunReport): Generator<string> {
  yield* lockListLines(report.locks, report.couldNotRead.length);
  if (report.warnings.length) yield* ['', 'Warnings:', ...report.warnings.map((w) => `  ${printable(w)}`)];
  yield* couldNotReadLines(report);
  yield* ['', renderSummary(report)];
}

/**
 * The human report, line by line: the lock table, why each stale lock was judged so, problems, what could not be
 * read, the summary.
 */
export function* reportLines(report: RunReport): Generator<string> {
  yield* lockLines(report.locks, report.couldNotRead.length);
  const p = (value: string) => printable(value);
  let first = true;
  for (const l of report.locks) {
    if (l.decision === 'keep') continue;
    if (first) yield* ['', 'Why:'];
    first = false;
    yield `  ${p(l.table)} ${p(l.lockId)} (ID ${p(l.id)}): ${l.outcome}: ${p(l.reason)}`;
  }
  const problems = [
    ...report.unparseable.map(
      (u) =>
        `unparseable item in ${p(u.table)}: ${u.lockId === undefined ? '(no LockID)' : p(u.lockId)}: ${p(u.problem)}`,
    ),
    ...report.failures.filter((f) => f.kind !== 'evidence').map((f) => p(f.message)),
    ...report.warnings.map((w) => `warning: ${p(w)}`),
  ];
  if (problems.length) yield* ['', 'Problems:', ...problems.map((line) => `  ${line}`)];
  if (report.resolved.length)
    yield* ['', 'Resolved:', ...report.resolved.map((r) => `  ${p(r.table)} ${p(r.lockId)} (ID ${p(r.id)})`)];
  if (report.notification) {
    const { sent, error } = report.notification;
    yield* [
      '',
      `Notification: ${sent ? 'published' : error ? `failed (${p(error)})` : 'nothing new, none published'}`,
    ];
  }
  yield* couldNotReadLines(report);
  yield* ['', renderSummary(report)];
}

/** The human report as one string (see {@link reportLines}). */
export function renderReport(report: RunReport): string {
  return [...reportLines(report)].join('\n');
}
