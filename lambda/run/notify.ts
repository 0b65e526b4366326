// Run: tells people about a finished report (news selection and rendering are the core's) and remembers it.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { hasNews } from '../core/message/news';
import { type RenderOptions, renderMessage } from '../core/message/sns';
import type { Notifier, StateStore } from '../core/ports';
import type { RunReport } from '../core/report';
import type { JanitorLogger } from './options';

/** Whether a message went out, and what failed on the way. */
export type Told = {
  readonly notification: NonNullable<RunReport['notification']>;
  readonly failures: RunFailure[];
};

/** Publishes the report's news, if it has any; a failed publish is reported, never thrown. */
export async function publishNews(
  notifier: Notifier,
  report: RunReport,
  options: { readonly render?: RenderOptions; readonly logger?: JanitorLogger } = {},
): Promise<Told> {
  if (!hasNews(report)) return { notification: { sent: false }, failures: [] };
  try {
    await notifier.publish(renderMessage(report, options.render));
    return { notification: { sent: true }, failures: [] };
  } catch (e) {
    const error = describeError(e);
    options.logger?.error({ error }, 'notification failed');
    return {
      notification: { sent: false, error },
      failures: [{ kind: 'notification', message: `notification failed: ${error}` }],
    };
  }
}

/** After a published message: remembers which locks and failing tables it alerted on, so they are not repeated. */
export async function rememberAlerts(
  state: StateStore,
  report: RunReport,
  nowMs: number,
): Promise<RunFailure[]> {
  const alerted = report.locks.filter((l) => l.notify && l.outcome !== 'deleted');
  const tables = report.tables.filter((t) => t.error !== undefined && t.notify);
  try {
    await state.markAlerted(
      alerted.map(({ region, table, lockId, id }) => ({ region, table, lockId, id })),
      nowMs,
    );
    await state.markTableFailuresAlerted(
      tables.map((t) => ({ region: t.region, table: t.name })),
      nowMs,
    );
    return [];
  } catch (e) {
    return [{ kind: 'alert-memory', message: `could not remember what was alerted: ${describeError(e)}` }];
  }
}
