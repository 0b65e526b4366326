// Terminal rendering of run reports and lock lists for the CLI: every value printable, line by line.
import { formatAge } from '../lambda/core/duration';
import { plural, printable } from '../lambda/core/message/format';
import { shortOperation } from '../lambda/core/operations';
import type { LockReport, RunReport, TableReport } from '../lambda/core/report';
import type { Unread } from '../lambda/core/unread';
import { wrap } from './wrap';

const MAX_CELL = 56;

/** How a table may be narrowed to fit a width: columns to drop first, and columns never shortened. */
export type Fit = {
  /** Columns (by header) dropped, in this order, while the table is too wide. */
  readonly drop?: readonly string[];
  /** Columns (by header) whose values are always shown whole: what people copy (lock ID, state path). */
  readonly whole?: readonly string[];
};

/** Narrowest a shortened cell gets (`ab…yz`). */
const MIN_CELL = 8;

/**
 * A plain-text table, line by line: a header row and aligned columns. Every cell goes through `printable`
 * (escape sequences, bidi overrides and line breaks shown as `\u{…}`), so no value can move the cursor, hide a
 * row or start a new line. Within `width` (a terminal's columns): the `drop` columns go first, then the other
 * cells are shortened in the middle, never the `whole` ones; when even that does not fit, each row's `whole`
 * values move to lines of their own below it. Widths are found with a loop (no spread over all rows), and the
 * lines are yielded one at a time so the CLI can write them as they come.
 */
export function* tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  width?: number,
  fit: Fit = {},
): Generator<string> {
  const whole = new Set(fit.whole ?? []);
  let columns = header.map((_h, i) => i);
  const cells = (limit: (i: number) => number) => {
    const all: string[][] = [header.map((h, i) => printable(h, limit(i)))];
    for (const row of rows) all.push(header.map((_h, i) => printable(row[i] ?? '', limit(i))));
    return all;
  };
  const natural = (i: number) => (whole.has(header[i]) ? Number.POSITIVE_INFINITY : MAX_CELL);
  let table = cells(natural);
  let widths = widthsOf(table, header.length);
  const total = () => columns.reduce((n, i) => n + widths[i], 0) + 2 * (columns.length - 1);
  if (width !== undefined) {
    for (const name of fit.drop ?? []) {
      if (total() <= width) break;
      columns = columns.filter((i) => header[i] !== name);
    }
    const shrinkable = columns.filter((i) => !whole.has(header[i]));
    while (total() > width) {
      const widest = shrinkable.reduce((a, b) => (widths[b] > widths[a] ? b : a), shrinkable[0]);
      if (widest === undefined || widths[widest] <= MIN_CELL) break;
      const limits = new Map(shrinkable.map((i) => [i, widths[i]]));
      limits.set(widest, Math.max(MIN_CELL, widths[widest] - (total() - width)));
      table = cells((i) => limits.get(i) ?? natural(i));
      widths = widthsOf(table, header.length);
    }
  }
  const line = (row: readonly string[], shown: readonly number[]) =>
    shown
      .map((i) => row[i].padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  if (width === undefined || total() <= width) {
    for (const row of table) yield line(row, columns);
    return;
  }
  // Too narrow even so: the whole values on lines of their own under each row, labelled.
  const inline = columns.filter((i) => !whole.has(header[i]));
  const apart = columns.filter((i) => whole.has(header[i]));
  const label = Math.max(...apart.map((i) => header[i].length)) + 1;
  yield line(table[0], inline);
  for (const row of table.slice(1)) {
    yield line(row, inline);
    for (const i of apart) yield `  ${`${header[i]}:`.padEnd(label)} ${row[i]}`;
  }
}

function widthsOf(table: readonly (readonly string[])[], n: number): number[] {
  const widths = new Array<number>(n).fill(0);
  for (const row of table) for (let i = 0; i < n; i++) widths[i] = Math.max(widths[i], row[i].length);
  return widths;
}

/** The whole table as one string (see {@link tableLines}). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [...tableLines(header, rows)].join('\n');
}

export { shortOperation } from '../lambda/core/operations';

const LOCK_HEADER = ['WHERE', 'STATE PATH', 'OPERATION', 'WHO', 'AGE', 'DECISION', 'OUTCOME'];
const LIST_HEADER = ['WHERE', 'STATE PATH', 'LOCK ID', 'OPERATION', 'WHO', 'AGE', 'LAST SIGN'];

/** How the lock tables narrow: least useful columns first; the state path and the lock ID always whole. */
const FIT: Fit = { drop: ['LAST SIGN', 'OPERATION', 'DECISION', 'WHO'], whole: ['STATE PATH', 'LOCK ID'] };

/** What an empty lock list says: an all-clear only when every place was read. */
export function noLocksLine(unread: number): string {
  return unread === 0
    ? 'No locks found.'
    : `No locks seen, but ${unread} ${unread === 1 ? 'place' : 'places'} could not be read (see "Could not read" below): this is not an all-clear.`;
}

/**
 * The locks of a run as table lines: table, state path, operation, who, age, decision, outcome, fitted to `width`.
 * `unread` is how many places could not be read: `No locks found.` is said only when none.
 */
export function* lockLines(locks: readonly LockReport[], unread = 0, width?: number): Generator<string> {
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
    width,
    FIT,
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
export function* lockListLines(locks: readonly LockReport[], unread = 0, width?: number): Generator<string> {
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
    width,
    FIT,
  );
}

const TSV_HEADER = ['region', 'where', 'state_path', 'lock_id', 'operation', 'who', 'created', 'age_seconds'];

/**
 * The locks as tab-separated lines with a header, every value whole (tabs, line breaks and escapes shown as
 * `\u{…}`): for `--output tsv`. A sweep adds the decision, the outcome and the reason; a list the last sign.
 */
export function* lockTsvLines(locks: readonly LockReport[], command: 'list' | 'sweep'): Generator<string> {
  const extra = command === 'sweep' ? ['decision', 'outcome', 'reason'] : ['last_sign'];
  yield [...TSV_HEADER, ...extra].join('\t');
  for (const l of locks) {
    const more = command === 'sweep' ? [l.decision, l.outcome, l.reason] : [lastSignText(l)];
    const row = [l.region, whereCell(l), l.lockId, l.id, l.operation, l.who, l.created, String(l.ageSeconds)];
    yield [...row, ...more].map((v) => printable(v)).join('\t');
  }
}

/** The `list` table as one string (see {@link lockListLines}). */
export function renderLockList(locks: readonly LockReport[]): string {
  return [...lockListLines(locks)].join('\n');
}

/** A table's read error on one printable line. */
export function renderTableError(t: Pick<TableReport, 'region' | 'name' | 'error'>): string {
  return `table ${printable(t.region)}/${printable(t.name)}: ${printable(t.error ?? '')}`;
}

/** What was read: `2 lock tables, 120 items, 1 state bucket (3 lockfiles): 12 locks, 3 stale`. */
function readSummary(report: RunReport): string {
  const c = report.counts;
  const items = report.tables.reduce((n, t) => n + t.items, 0);
  const tables = report.tables.filter((t) => t.name !== '*').length;
  const buckets = (report.buckets ?? []).filter((b) => b.name !== '*');
  const lockfiles = buckets.reduce((n, b) => n + b.lockfiles, 0);
  const s3 = buckets.length
    ? `, ${plural(buckets.length, 'state bucket')} (${plural(lockfiles, 'lockfile')})`
    : '';
  return `${plural(tables, 'lock table')}, ${plural(items, 'item')}${s3}: ${plural(c.locks, 'lock')}, ${c.stale} stale`;
}

/** The one-line summary of a sweep: what was read, what was done, the mode and the run. */
export function renderSummary(report: RunReport): string {
  const c = report.counts;
  return (
    `${readSummary(report)}; ` +
    `${c.deleted} deleted, ${c.alerted} alerted, ${c.unsent} unsent, ` +
    (c.alertedEarlier ? `${c.alertedEarlier} alerted earlier, ` : '') +
    `${c.changed} changed, ${c.skipped} skipped, ${plural(c.errors, 'error')} ` +
    `(mode ${report.mode}, run ${printable(report.runId)})`
  );
}

/** The one-line summary of `list`, which only reads: what was read and how many places failed. */
export function renderListSummary(report: RunReport): string {
  return `${readSummary(report)}; ${plural(report.counts.errors, 'error')}`;
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

/** `list`'s human output, line by line, within `width`: the locks, warnings, what could not be read, the summary. */
export function* listLines(report: RunReport, width?: number): Generator<string> {
  yield* lockListLines(report.locks, report.couldNotRead.length, width);
  const rest = [
    ...(report.warnings.length ? ['', 'Warnings:', ...report.warnings.map((w) => `  ${printable(w)}`)] : []),
    ...couldNotReadLines(report),
    '',
    renderListSummary(report),
  ];
  for (const line of rest) yield* fitLine(line, width);
}

/**
 * The human report, line by line, within `width`: the lock table, why each stale lock was judged so, problems,
 * what could not be read, the summary.
 */
export function* reportLines(report: RunReport, width?: number): Generator<string> {
  for (const line of reportText(report, width)) yield* fitLine(line, width);
}

/** A line within `width`, broken between words (a lock ID or a path is never split); continuations indented. */
export function fitLine(line: string, width?: number): string[] {
  if (width === undefined || line.length <= width) return [line];
  const indent = (line.match(/^ */)?.[0].length ?? 0) + 2;
  return wrap(line, width, indent, indent - 2);
}

function* reportText(report: RunReport, width?: number): Generator<string> {
  yield* lockLines(report.locks, report.couldNotRead.length, width);
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
  } else if (report.counts.unsent > 0)
    yield* [
      '',
      `Not alerted: no alert topic, so nobody was told of the ${plural(report.counts.unsent, 'unsent lock')} (pass --topic-arn to publish to SNS).`,
    ];
  yield* couldNotReadLines(report);
  yield* ['', renderSummary(report)];
}

/** The human report as one string (see {@link reportLines}). */
export function renderReport(report: RunReport, width?: number): string {
  return [...reportLines(report, width)].join('\n');
}

/** A shell command shown for pasting (`aws ...`, `terraform ...`, `tf-lock-janitor ...`), after its indent. */
const COMMAND_LINE = /^\s*(aws|terraform|tofu|tf-lock-janitor|npx tf-lock-janitor) [a-z-]+( |$)/;

/**
 * Text for a terminal `width` columns wide, line by line. Prose wraps between words; a shell command breaks
 * between its words (never inside a quoted one) with ` \` continuations, so it still pastes as one command. A
 * single word wider than the line (a base64 payload, a quoted JSON argument) is kept whole: cutting it would
 * change what is pasted.
 */
export function fitText(text: string, width?: number): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .flatMap((line) => (COMMAND_LINE.test(line) ? fitCommand(line, width) : fitLine(line, width)))
    .join('\n');
}

function fitCommand(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = line.match(/^ */)?.[0] ?? '';
  const words = line.trim().match(/(?:'[^']*'|[^\s'])+/g) ?? [];
  const lines: string[] = [];
  let current = indent;
  for (const word of words) {
    const next = current.trim() ? `${current} ${word}` : `${current}${word}`;
    if (current.trim() && next.length + 2 > width) {
      lines.push(`${current} \\`);
      current = `${indent}  ${word}`;
    } else current = next;
  }
  lines.push(current);
  return lines;
}
