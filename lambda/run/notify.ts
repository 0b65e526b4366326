// Run: tells people about a finished report or a release (selection and rendering are the core's) and remembers it.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { bucketPlace } from '../core/lock-half';
import { type ReleaseNews, renderRelease } from '../core/message/release-news';
import { type RenderedMessage, type RenderOptions, renderMessages } from '../core/message/sns';
import type { LockKey, Notifier, StateStore } from '../core/ports';
import type { LockLine, RunReport } from '../core/report';
import type { JanitorLogger } from './options';

/** Whether a message went out, and what failed on the way. */
export type Told = {
  readonly notification: NonNullable<RunReport['notification']>;
  readonly failures: RunFailure[];
};

/**
 * Publishes the report's news, if it has any: the run message (e-mail and chat), then one chat notification per
 * lock that needs a person. A failed publish is reported, never thrown; `sent` says whether the run message went
 * out (what the alert memory relies on).
 */
export async function publishNews(
  notifier: Notifier,
  report: RunReport,
  options: { readonly render?: RenderOptions; readonly logger?: JanitorLogger } = {},
): Promise<Told> {
  const messages = renderMessages(report, options.render);
  if (messages.length === 0) return { notification: { sent: false }, failures: [] };
  const failures: RunFailure[] = [];
  let error: string | undefined;
  for (const [i, message] of messages.entries()) {
    const failed = await tryPublish(notifier, message, options.logger);
    if (failed === undefined) continue;
    if (i === 0) error = failed;
    failures.push({
      kind: 'notification',
      message: `${i === 0 ? 'notification' : `chat notification ${i} of ${messages.length - 1}`} failed: ${failed}`,
    });
  }
  return { notification: error === undefined ? { sent: true } : { sent: false, error }, failures };
}

/** Announces a release request's result (released or not, and why) to e-mail and the lock's chat thread. */
export async function announceRelease(
  notifier: Notifier,
  news: ReleaseNews,
  logger?: JanitorLogger,
): Promise<RunFailure[]> {
  const failed = await tryPublish(notifier, renderRelease(news), logger);
  return failed === undefined ? [] : [{ kind: 'notification', message: `notification failed: ${failed}` }];
}

/** Publishes one message; the error described, or undefined when it went out. */
async function tryPublish(
  notifier: Notifier,
  message: RenderedMessage,
  logger?: JanitorLogger,
): Promise<string | undefined> {
  try {
    await notifier.publish(message);
    return undefined;
  } catch (e) {
    const error = describeError(e);
    logger?.error({ error, audience: message.audience, subject: message.subject }, 'notification failed');
    return error;
  }
}

/** After a published message: remembers which locks and failing tables it alerted on, so they are not repeated. */
export async function rememberAlerts(
  state: StateStore,
  report: RunReport,
  nowMs: number,
): Promise<RunFailure[]> {
  // A double lock is news on its first line; both halves were announced (a release may name either place).
  // Whole and brief lines alike: a lock's lines are all one or all the other.
  // Walked in place, not copied: at the end of a large run every copy costs as much again.
  const lines = [report.locks, report.brief ?? []];
  const doubleKey = (l: LockLine) => JSON.stringify([l.lockId, l.id]);
  const news = new Set<string>();
  for (const list of lines) for (const l of list) if (l.notify && l.double) news.add(doubleKey(l));
  const alerted: LockKey[] = [];
  for (const list of lines)
    for (const l of list)
      if (l.outcome !== 'deleted' && (l.notify || (l.double && news.has(doubleKey(l)))))
        alerted.push({ region: l.region, table: l.table, lockId: l.lockId, id: l.id });
  const tables = [
    ...report.tables.filter((t) => t.error !== undefined && t.notify),
    ...report.buckets
      .filter((b) => b.error !== undefined && b.notify)
      .map((b) => ({ ...b, name: bucketPlace(b.name) })),
  ];
  try {
    await state.markAlerted(alerted, nowMs);
    await state.markTableFailuresAlerted(
      tables.map((t) => ({ region: t.region, table: t.name })),
      nowMs,
    );
    return [];
  } catch (e) {
    return [{ kind: 'alert-memory', message: `could not remember what was alerted: ${describeError(e)}` }];
  }
}
