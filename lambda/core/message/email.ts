// Core messages: the e-mail text of a run, each lock with its next steps.
import { formatAge } from '../duration';
import { isWhole, type LockReport, type ResolvedReport, type RunReport } from '../report';
import { fitJsonBytes, jsonBytes, plural, printable } from './format';
import { NEWS_KINDS, type NewsCounts, type NewsKind, summarize, type TableNews } from './news';
import {
  commandOrWhy,
  forceUnlockCommand,
  listCommand,
  NO_RELEASE,
  noCommandText,
  type ShellCommand,
  workspaceHint,
} from './shell';
import { MAX_SHOWN } from './shown';

/**
 * Builds the command that releases one lock through the janitor, or says why none can be shown (build it
 * with `shellCommand` so that every value is quoted the one safe way).
 */
export type ReleaseCommand = (lock: LockReport) => ShellCommand;

/** One lock for people: where, who, what, how old, why, what happened, and what to do next. */
export function renderLock(lock: LockReport, kind: NewsKind, release: ReleaseCommand): string {
  const lines = [
    `* ${printable(lock.lockId, 2100)}`,
    `    ID:         ${printable(lock.id, 200)}`,
    `    Who:        ${printable(lock.who, 300)}`,
    `    Operation:  ${printable(lock.operation, 200)} (version ${printable(lock.version, 50)})`,
    `    Age:        ${formatAge(lock.ageSeconds)} (Created ${printable(lock.created, 100)})`,
    `    Rule:       ${printable(lock.rule, 200)}`,
    `    Reason:     ${printable(lock.reason, 1000)}`,
    `    Outcome:    ${outcomeText(lock, kind)}`,
  ];
  if (kind === 'stale' || kind === 'failed') lines.push(...nextSteps(lock, release));
  return lines.join('\n');
}

function outcomeText(lock: LockReport, kind: NewsKind): string {
  if (kind === 'deleted') return 'deleted; the audit record keeps its full Info';
  if (kind === 'changed') return 'released or re-taken before the guarded delete; nothing was deleted';
  if (kind === 'gone')
    return 'gone around the delete (a lost response): deleted by the janitor or released by its holder; audited as such';
  if (kind === 'failed') return 'the delete failed; the lock is still held';
  // This message is the alert: until it is published the lock's outcome is `unsent`.
  if (lock.outcome === 'unsent') return `alerted by this message (decision ${lock.decision}); not deleted`;
  return `${lock.outcome} (decision ${lock.decision})`;
}

function nextSteps(lock: LockReport, release: ReleaseCommand): string[] {
  const safe = release(lock);
  return [
    `    Next steps: make sure no Terraform/OpenTofu run still holds it (ask ${printable(lock.who, 300)}), then either`,
    `      run ${workspaceHint(lock.lockId)}:`,
    `        ${commandOrWhy(forceUnlockCommand(lock))}`,
    ...(!safe.ok && safe.why === NO_RELEASE
      ? [`      (${noCommandText(safe.why)})`]
      : [
          '      or let the janitor release it only if it is still exactly this lock:',
          `        ${commandOrWhy(safe)}`,
        ]),
  ];
}

/** A lock that disappeared after it had been alerted. */
export function renderResolved(r: ResolvedReport): string {
  return `* ${printable(r.lockId, 2100)} (ID ${printable(r.id, 200)}): the lock is gone`;
}

type EntryKind = NewsKind | 'resolved';
/** A lock or resolved lock of the text, rendered only if it is shown ('' for a brief line: it is never shown). */
type Entry = { readonly kind: EntryKind; readonly render: () => string };

const SECTION_TITLES: Record<EntryKind, string> = {
  failed: 'Failed deletes: the lock is still there',
  deleted: 'Deleted by the janitor',
  gone: 'Gone around the delete: deleted by the janitor or released by its holder',
  changed: 'Changed before the guarded delete: nothing deleted',
  stale: 'Newly stale: alerted, not deleted',
  resolved: 'Resolved: gone since the alert',
};
const KIND_NAMES: Record<EntryKind, string> = {
  failed: 'failed',
  deleted: 'deleted',
  gone: 'gone',
  changed: 'changed',
  stale: 'newly stale',
  resolved: 'resolved',
};
const MAX_BULLETS = 20;

/**
 * The e-mail text: a summary, then each lock table with news (its read error, then its locks by kind with
 * the exact next steps), then the run's warnings. At most {@link MAX_SHOWN} locks are shown (more would not be
 * read anyway), and only as many as fit in `budgetBytes` (measured as JSON-escaped UTF-8) and are whole lines;
 * the others are counted per table. The result never exceeds the budget.
 */
export function renderText(
  report: RunReport,
  news: readonly TableNews[],
  counts: NewsCounts,
  options: { readonly budgetBytes: number; readonly release: ReleaseCommand },
): string {
  const head = renderHead(report, counts);
  const tail = renderWarnings(report.warnings);
  const groups = news.map((t) => ({
    news: t,
    header: renderHeader(t),
    entries: listEntries(t, options.release),
  }));
  const budget = {
    slots: MAX_SHOWN,
    left:
      options.budgetBytes -
      jsonBytes(head) -
      jsonBytes(tail) -
      groups.reduce((sum, g) => sum + jsonBytes(g.header) + jsonBytes(moreNote(g.news, g.entries)) + 6, 0),
  };
  const parts = [head];
  for (const g of groups) {
    parts.push(g.header);
    const shown = takeEntries(g.entries, budget);
    parts.push(...shown);
    if (shown.length < g.entries.length) parts.push(moreNote(g.news, g.entries.slice(shown.length)));
  }
  if (tail) parts.push(tail);
  return fitJsonBytes(parts.join('\n'), options.budgetBytes);
}

/** Renders entries while slots and bytes last; after the first that does not fit, none (the order stays readable). */
function takeEntries(entries: readonly Entry[], budget: { slots: number; left: number }): string[] {
  const texts: string[] = [];
  for (const entry of entries) {
    const text = budget.slots > 0 ? entry.render() : '';
    const size = jsonBytes(text) + 2;
    if (!text || size > budget.left) {
      budget.slots = 0;
      break;
    }
    budget.left -= size;
    budget.slots--;
    texts.push(text);
  }
  return texts;
}

function renderHead(report: RunReport, counts: NewsCounts): string {
  const lines = [
    `tf-lock-janitor: ${summarize(counts)}`,
    `Run ${printable(report.runId, 200)} in mode ${report.mode}, ${report.startedAt} to ${report.finishedAt}, regions ${printable(report.regions.join(', '), 500)}.`,
  ];
  if (report.failures.length)
    lines.push(
      '',
      'Run failures:',
      ...bullets(
        report.failures.map((f) => f.message),
        'failures',
      ),
      '',
    );
  if (counts.quiet) {
    lines.push(
      `${plural(counts.quiet, 'stale lock')} alerted earlier ${counts.quiet === 1 ? 'is' : 'are'} not repeated here.`,
    );
  }
  if (report.unparseable.length) {
    lines.push(
      `${plural(report.unparseable.length, 'unparseable item')} left untouched (see the run report).`,
    );
  }
  return lines.join('\n');
}

function renderHeader(t: TableNews): string {
  const title = `=== ${printable(t.region, 100)} / ${printable(t.table, 300)} ===`;
  return t.error === undefined
    ? `\n${title}`
    : `\n${title}\nThis table could not be read: ${printable(t.error, 1000)}`;
}

function listEntries(t: TableNews, release: ReleaseCommand): Entry[] {
  const entries: Entry[] = [];
  const add = <T>(kind: EntryKind, items: readonly T[], render: (item: T) => string): void => {
    for (const [i, item] of items.entries()) {
      const title = `\n-- ${SECTION_TITLES[kind]} (${items.length}) --\n`;
      entries.push({
        kind,
        render: () => {
          const text = render(item);
          return text && `${i ? '' : title}${text}`;
        },
      });
    }
  };
  for (const kind of NEWS_KINDS)
    add(kind, t.locks[kind], (lock) => (isWhole(lock) ? renderLock(lock, kind, release) : ''));
  add('resolved', t.resolved, renderResolved);
  return entries;
}

function moreNote(t: TableNews, hidden: readonly Entry[]): string {
  const byKind = (Object.keys(KIND_NAMES) as EntryKind[])
    .map((kind) => [kind, hidden.filter((e) => e.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${n} ${KIND_NAMES[kind]}`);
  return `\n…and ${plural(hidden.length, 'more lock')} in this table (${byKind.join(', ')}), not shown (a message shows at most ${MAX_SHOWN} locks and stays under the SNS 256 KB limit); run \`${listCommand([t.region])}\` for all.`;
}

function renderWarnings(warnings: readonly string[]): string {
  return warnings.length ? `\nWarnings:\n${bullets(warnings, 'warnings').join('\n')}` : '';
}

function bullets(items: readonly string[], noun: string): string[] {
  const shown = items.slice(0, MAX_BULLETS).map((item) => `- ${printable(item, 500)}`);
  if (items.length > MAX_BULLETS)
    shown.push(`- …and ${items.length - MAX_BULLETS} more ${noun} (see the run report)`);
  return shown;
}
