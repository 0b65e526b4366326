// Core messages: which parts of a run report are news, grouped by lock table.
import { type LockLine, type NewsLine, perLock, type ResolvedReport, type RunReport } from '../report';
import { printable } from './format';

/** What kind of news a lock is, in the order messages show them. */
export const NEWS_KINDS = ['failed', 'deleted', 'gone', 'changed', 'stale'] as const;
export type NewsKind = (typeof NEWS_KINDS)[number];

/**
 * The news of one lock table: its read error, its locks by kind (whole lines first, then the brief ones of the
 * locks no message shows), its resolved locks.
 */
export type TableNews = {
  readonly region: string;
  readonly table: string;
  readonly error?: string;
  readonly locks: Readonly<Record<NewsKind, NewsLine[]>>;
  readonly resolved: ResolvedReport[];
};

/** Totals over all tables with news; `quiet` counts stale locks already alerted and not repeated. */
export type NewsCounts = Record<NewsKind, number> & {
  resolved: number;
  failedTables: number;
  runFailures: number;
  quiet: number;
};

/** A lock is news when its plan said so (a first alert, a re-alert due, or a delete attempt): see core/plan.ts. */
export function isNewsLock(lock: LockLine): boolean {
  return lock.notify;
}

/**
 * True when the run has something new for people: a lock flagged or acted on, a table whose failure is new
 * or due again (`notify` is not false), a run-level failure (audit write, state table), or a lock resolved
 * since its alert. Warnings and unparseable items alone are not news: they would repeat on every run (they
 * are logged, and shown in a message that is sent anyway).
 */
export function hasNews(report: RunReport): boolean {
  return (
    report.locks.some(isNewsLock) ||
    (report.brief ?? []).some(isNewsLock) ||
    [...report.tables, ...report.buckets].some((t) => t.error !== undefined && t.notify !== false) ||
    report.failures.length > 0 ||
    report.resolved.length > 0
  );
}

/** The kind of a news lock: its outcome when the run acted, `stale` for an alert. */
export function newsKind(lock: LockLine): NewsKind {
  return lock.outcome === 'failed' ||
    lock.outcome === 'deleted' ||
    lock.outcome === 'gone' ||
    lock.outcome === 'changed'
    ? lock.outcome
    : 'stale';
}

/** The news grouped by lock table or bucket, sorted by region then name (a stable, readable order). */
export function collectNews(report: RunReport): TableNews[] {
  const groups = new Map<string, TableNews>();
  const group = (region: string, table: string, error?: string): TableNews => {
    const key = JSON.stringify([region, table]);
    const found = groups.get(key) ?? {
      region,
      table,
      ...(error === undefined ? {} : { error }),
      locks: { failed: [], deleted: [], gone: [], changed: [], stale: [] },
      resolved: [],
    };
    groups.set(key, found);
    return found;
  };
  for (const t of report.tables) if (t.error !== undefined) group(t.region, t.name, t.error);
  // A state bucket that could not be read is news like a table (`s3://<bucket>`, the name its locks group by).
  for (const b of report.buckets) if (b.error !== undefined) group(b.region, `s3://${b.name}`, b.error);
  for (const lines of [report.locks, report.brief ?? []])
    for (const lock of lines)
      if (isNewsLock(lock)) group(lock.region, lock.table).locks[newsKind(lock)].push(lock);
  for (const r of report.resolved) group(r.region, r.table).resolved.push(r);
  return [...groups.values()].sort((a, b) => compare(a.region, b.region) || compare(a.table, b.table));
}

/** Totals of the news, and the stale locks left out because they were already alerted. */
export function countNews(report: RunReport, news: readonly TableNews[]): NewsCounts {
  const counts: NewsCounts = {
    failed: 0,
    deleted: 0,
    gone: 0,
    changed: 0,
    stale: 0,
    resolved: 0,
    failedTables: 0,
    runFailures: 0,
    quiet: 0,
  };
  for (const t of news) {
    for (const kind of NEWS_KINDS) counts[kind] += t.locks[kind].length;
    counts.resolved += t.resolved.length;
    if (t.error !== undefined) counts.failedTables++;
  }
  counts.runFailures = report.failures.length;
  // A double lock is one lock: it is quiet only when neither of its lines is news (every brief lock is news).
  counts.quiet =
    perLock(report.locks).filter(
      (lines) => lines.some((l) => l.decision !== 'keep') && !lines.some(isNewsLock),
    ).length + (report.folded?.quiet ?? 0);
  return counts;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const SUMMARY_PARTS: readonly [keyof NewsCounts, string, string][] = [
  ['runFailures', 'run failure', 'run failures'],
  ['failed', 'failed delete', 'failed deletes'],
  ['failedTables', 'failed table', 'failed tables'],
  ['stale', 'newly stale', 'newly stale'],
  ['deleted', 'deleted', 'deleted'],
  ['gone', 'gone around its delete', 'gone around their delete'],
  ['changed', 'changed before delete', 'changed before delete'],
  ['resolved', 'resolved', 'resolved'],
];

/** One line for people: `1 failed delete, 3 newly stale, 1 deleted` (zeros left out). */
export function summarize(counts: NewsCounts): string {
  const parts = SUMMARY_PARTS.filter(([key]) => counts[key] > 0).map(
    ([key, one, many]) => `${counts[key]} ${counts[key] === 1 ? one : many}`,
  );
  return parts.length ? parts.join(', ') : 'nothing new';
}

/**
 * Where the news is: `eu-west-1/acme-tf-locks`, `3 tables in eu-west-1`, `1 table and 1 bucket in us-east-1`
 * or `5 tables in 2 regions` (a lockfile's place, `s3://<bucket>`, counts as a bucket, not a table).
 */
export function scopeName(news: readonly TableNews[]): string {
  if (news.length === 0) return 'the lock tables';
  if (news.length === 1) return `${printable(news[0].region, 30)}/${printable(news[0].table, 60)}`;
  const regions = new Set(news.map((t) => t.region));
  const buckets = news.filter((t) => t.table.startsWith('s3://')).length;
  const tables = news.length - buckets;
  const places = [
    ...(tables ? [`${tables} ${tables === 1 ? 'table' : 'tables'}`] : []),
    ...(buckets ? [`${buckets} ${buckets === 1 ? 'bucket' : 'buckets'}`] : []),
  ].join(' and ');
  return `${places} in ${regions.size === 1 ? printable(news[0].region, 30) : `${regions.size} regions`}`;
}
