import { chatNextSteps, describeNews } from './message-chat-body';
import { clipEnd, printable } from './message-format';
import { type NewsCounts, scopeName, summarize, type TableNews } from './message-news';
import type { ReleaseCommand } from './message-text-lock';
import type { RunReport } from './report';

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
    id: clipEnd(printable(report.runId), 200),
    content: {
      textType: 'client-markdown',
      title: clipEnd(`${icon(counts)} tf-lock-janitor ${where}: ${summarize(counts)}`, MAX_TITLE),
      description: describeNews(report, news),
      nextSteps: chatNextSteps(news, counts, release),
      keywords: [...new Set(['Terraform', 'state lock', ...news.map((t) => printable(t.region, 50))])].slice(
        0,
        5,
      ),
    },
    metadata: {
      threadId: threadId(news),
      summary: clipEnd(`tf-lock-janitor ${where}: ${summarize(counts)}`, 200),
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
  if (tables.size === 1)
    return clipEnd(`tf-lock-janitor/${printable(news[0].region)}/${printable(news[0].table)}`, 400);
  if (regions.size === 1) return clipEnd(`tf-lock-janitor/${printable(news[0].region)}`, 400);
  return 'tf-lock-janitor';
}

/** The title's emoji: the worst thing that happened. */
function icon(counts: NewsCounts): string {
  if (counts.failed || counts.failedTables || counts.runFailures) return '🚨';
  if (counts.stale) return '⚠️';
  return counts.deleted ? '🧹' : '✅';
}

function context(report: RunReport, counts: NewsCounts): Record<string, string> {
  return {
    runId: clipEnd(printable(report.runId), 200),
    mode: report.mode,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    regions: clipEnd(printable(report.regions.join(',')), 500),
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
