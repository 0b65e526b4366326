// Core messages: the Amazon Q Developer (Chatbot) custom notification of a run.
import { formatAge } from '../duration';
import { isWhole, type LockReport, type NewsLine, type RunReport } from '../report';
import { chatCode, chatText, escapeChatEntities } from './chat-text';
import type { ReleaseCommand } from './email';
import { clipEnd, plural, printable } from './format';
import { type NewsCounts, scopeName, summarize, type TableNews } from './news';
import { forceUnlockCommand, listCommand, noCommandText, type ShellCommand, workspaceOf } from './shell';

/** An Amazon Q Developer in chat applications (AWS Chatbot) custom notification, schema version 1.0. */
export type ChatNotification = {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: string;
    /** Lets the channel show custom-action buttons (the Release button) on this notification. */
    readonly enableCustomActions?: boolean;
    readonly additionalContext: Record<string, string>;
  };
};

// Chatbot's per-field limits are undocumented: keep the title under 100 characters (Amazon Q Developer in chat applications, "Custom notifications").
const MAX_TITLE = 99;

/**
 * The chat version of the news: a title, a short markdown digest (whole locks only, then a count of the rest),
 * at most 5 next steps for the first lock that needs a person, and string-only context.
 */
export function renderChat(
  report: RunReport,
  news: readonly TableNews[],
  counts: NewsCounts,
  release: ReleaseCommand,
): ChatNotification {
  const where = scopeName(news);
  return {
    version: '1.0',
    source: 'custom',
    id: clipEnd(escapeChatEntities(printable(report.runId)), 200),
    content: {
      textType: 'client-markdown',
      title: clipEnd(`${icon(counts)} tf-lock-janitor ${chatText(where)}: ${summarize(counts)}`, MAX_TITLE),
      description: describeNews(report, news),
      nextSteps: chatNextSteps(news, counts, release),
      keywords: [...new Set(['Terraform', 'state lock', ...news.map((t) => chatText(t.region, 50))])].slice(
        0,
        5,
      ),
    },
    metadata: {
      threadId: threadId(news),
      summary: clipEnd(`tf-lock-janitor ${chatText(where)}: ${summarize(counts)}`, 200),
      eventType: 'TfLockJanitorNews',
      additionalContext: context(report, counts),
    },
  };
}

/**
 * The chat thread: the narrowest scope that holds all the news. One table → `tf-lock-janitor/<region>/<table>`
 * (every run's news about that table lands in one thread); several tables in one region →
 * `tf-lock-janitor/<region>`; several regions → `tf-lock-janitor`.
 */
export function threadId(news: readonly TableNews[]): string {
  const regions = new Set(news.map((t) => t.region));
  const tables = new Set(news.map((t) => JSON.stringify([t.region, t.table])));
  if (tables.size === 1) return tableThreadId(news[0].region, news[0].table);
  if (regions.size === 1) return clipEnd(`tf-lock-janitor/${printable(news[0].region)}`, 400);
  return 'tf-lock-janitor';
}

/** The chat thread of one lock table: its stale-lock notifications, run news and release results. */
export function tableThreadId(region: string, table: string): string {
  return clipEnd(`tf-lock-janitor/${printable(region)}/${printable(table)}`, 400);
}

/** The title's emoji: the worst thing that happened. */
function icon(counts: NewsCounts): string {
  if (counts.failed || counts.failedTables || counts.runFailures) return '🚨';
  if (counts.stale) return '⚠️';
  return counts.deleted ? '🧹' : '✅';
}

function context(report: RunReport, counts: NewsCounts): Record<string, string> {
  return {
    runId: clipEnd(escapeChatEntities(printable(report.runId)), 200),
    mode: report.mode,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    regions: clipEnd(escapeChatEntities(printable(report.regions.join(','))), 500),
    failedDeletes: String(counts.failed),
    failedTables: String(counts.failedTables),
    runFailures: String(counts.runFailures),
    newlyStale: String(counts.stale),
    deleted: String(counts.deleted),
    changed: String(counts.changed),
    resolved: String(counts.resolved),
    alreadyAlerted: String(counts.quiet),
  };
}

// Chatbot's per-field limits are undocumented: keep the description a few KB and at most 5 next steps
// (Amazon Q Developer in chat applications, "Custom notifications").
const MAX_DESCRIPTION = 3000;
const MAX_STEPS = 5;
const MAX_STEP = 400;
const LINE_ICONS = {
  failed: '🚨 failed delete',
  deleted: '🧹 deleted',
  gone: '❔ gone around its delete',
  changed: '↩️ changed',
  stale: '⚠️ stale',
};

/**
 * A markdown digest of the news, whole lines only, at most {@link MAX_DESCRIPTION} characters; the lines after
 * the first that does not fit (or names a lock kept brief) are counted.
 */
export function describeNews(report: RunReport, news: readonly TableNews[]): string {
  const lines = [`Run ${chatCode(report.runId, 80)}, mode \`${report.mode}\``];
  let left = MAX_DESCRIPTION - 250 - lines[0].length;
  let hidden = 0;
  const add = (render: () => string): void => {
    const line = hidden ? '' : render();
    if (!line || line.length + 1 > left) {
      hidden++;
      return;
    }
    lines.push(line);
    left -= line.length + 1;
  };
  for (const failure of report.failures) add(() => `🚨 run failure: ${chatCode(failure.message, 300)}`);
  for (const t of news) {
    add(() => `*${chatText(t.region, 30)} / ${chatText(t.table, 100)}*`);
    const error = t.error;
    if (error !== undefined) add(() => `• ❌ could not read the table: ${chatCode(error, 300)}`);
    for (const [kind, label] of Object.entries(LINE_ICONS) as [keyof typeof LINE_ICONS, string][]) {
      for (const lock of t.locks[kind]) add(() => (isWhole(lock) ? `• ${label} ${lockLine(lock)}` : ''));
    }
    for (const r of t.resolved) add(() => `• ✅ resolved ${chatCode(r.lockId, 120)}`);
  }
  if (hidden)
    lines.push(
      `…and ${hidden} more lines: the e-mail lists each lock with its commands, or run \`tf-lock-janitor list\``,
    );
  return lines.join('\n');
}

export function lockLine(lock: LockReport): string {
  return `${chatCode(lock.lockId, 120)} · ${chatCode(lock.who, 60)} · ${chatCode(lock.operation, 40)} · ${formatAge(lock.ageSeconds)} · rule ${chatCode(lock.rule, 40)}`;
}

/** At most 5 next steps: the commands for the first lock that needs a person, then what else to check. */
export function chatNextSteps(
  news: readonly TableNews[],
  counts: NewsCounts,
  release: ReleaseCommand,
): string[] {
  const open = news.flatMap((t) => [...t.locks.failed, ...t.locks.stale]);
  const steps = open.length ? lockSteps(open, release) : [];
  if (counts.runFailures) steps.push("Check the janitor's logs for the run failures (audit, state table)");
  if (counts.failedTables)
    steps.push("Check the janitor's logs and permissions for the tables it could not read");
  if (!open.length && counts.deleted)
    steps.push('Nothing to do for deleted locks: the audit record keeps their full Info');
  steps.push(
    `See every lock: \`${escapeChatEntities(listCommand([...new Set(news.map((t) => t.region))]))}\``,
  );
  return steps.slice(0, MAX_STEPS);
}

/** What to do about the first lock that needs a person (kept whole: see MAX_PERSON_SHOWN), and how many more there are. */
function lockSteps(open: readonly NewsLine[], release: ReleaseCommand): string[] {
  const [first] = open;
  if (!isWhole(first)) return [];
  const ws = workspaceOf(first.lockId);
  const where = ws === undefined ? '' : ` (workspace ${chatCode(ws, 60)})`;
  const steps = [
    `Check that no Terraform/OpenTofu run still holds ${chatCode(first.lockId, 120)} (ask ${chatCode(first.who, 60)})`,
    commandStep(`Then, in its root module${where}`, forceUnlockCommand(first)),
    commandStep('Or release it safely', release(first)),
  ];
  const others = open.length - 1;
  if (others)
    steps.push(
      `${plural(others, 'other lock')} need${others === 1 ? 's' : ''} a look: the e-mail has the commands for each`,
    );
  return steps;
}

/**
 * A step with its command in a code span; a pointer to the e-mail when the command is too long or holds a
 * character a code span cannot (a backtick, or `<`, `>`, `&` that chat would show as entities); the reason
 * when no command can be shown at all.
 */
export function commandStep(label: string, command: ShellCommand): string {
  if (!command.ok) return `${label}: ${noCommandText(command.why)}`;
  return command.command.length <= MAX_STEP && !/[`<>&]/.test(command.command)
    ? `${label}: \`${command.command}\``
    : `${label} with the command in the e-mail`;
}
