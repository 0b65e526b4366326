// Terminal rendering of run reports and lock lists for the CLI: every value printable, line by line.
import { formatAge } from '../lambda/core/duration';
import { plural, printable } from '../lambda/core/message/format';
import { shortOperation } from '../lambda/core/operations';
import type { LockReport, RunReport, TableReport } from '../lambda/core/report';
import type { Unread } from '../lambda/core/unread';
import { type Fit, tableLines } from './table';
import { fitLine } from './wrap';

export { shortOperation } from '../lambda/core/operations';
export { type Fit, renderTable, tableLines } from './table';
export { fitLine, fitText } from './wrap';

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
 * `--output tsv`'s header: the locks are tab-separated lines under it, every value whole (tabs, line breaks and
 * escapes shown as `\u{…}`). A sweep adds the decision, the outcome and the reason; a list the last sign.
 */
export function tsvHeader(command: 'list' | 'sweep'): string {
  const extra = command === 'sweep' ? ['decision', 'outcome', 'reason'] : ['last_sign'];
  return [...TSV_HEADER, ...extra].join('\t');
}

/** One lock line of `--output tsv`: every value whole, made printable. */
export function tsvRow(l: LockReport, command: 'list' | 'sweep'): string {
  const more = command === 'sweep' ? [l.decision, l.outcome, l.reason] : [lastSignText(l)];
  const row = [l.region, whereCell(l), l.lockId, l.id, l.operation, l.who, l.created, String(l.ageSeconds)];
  return [...row, ...more].map((v) => printable(v)).join('\t');
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
