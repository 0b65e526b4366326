// Doctor adapter: the janitor's recent result lines ("run finished", "invocation failed") from its log group.
import { type CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { RunLine } from './facts';

/** At most this many lines of each kind are read (a day of 15-minute runs is 96). */
const MAX_LINES = 500;

/**
 * The summary line of each run and each failed invocation since `sinceMs`, read with FilterLogEvents (one quoted
 * term per call: the message the handler writes). A line that is not the janitor's JSON is left out.
 */
export async function runLines(
  logs: CloudWatchLogsClient,
  logGroup: string,
  sinceMs: number,
): Promise<RunLine[]> {
  const lines: RunLine[] = [];
  for (const term of ['run finished', 'invocation failed']) {
    let token: string | undefined;
    let read = 0;
    do {
      const page = await logs.send(
        new FilterLogEventsCommand({
          logGroupName: logGroup,
          startTime: sinceMs,
          filterPattern: `"${term}"`,
          nextToken: token,
        }),
      );
      for (const event of page.events ?? []) {
        read++;
        const line = runLine(event.message ?? '', event.timestamp ?? 0);
        if (line) lines.push(line);
      }
      token = page.nextToken;
    } while (token && read < MAX_LINES);
  }
  return lines;
}

type Logged = {
  message?: string;
  counts?: { errors?: number; locks?: number; stale?: number };
  cutOff?: boolean;
  err?: { message?: string };
};

/** One JSON log line as a RunLine, or undefined when it is not one of the handler's result lines. */
export function runLine(text: string, timeMs: number): RunLine | undefined {
  let logged: Logged;
  try {
    logged = JSON.parse(text.slice(text.indexOf('{'))) as Logged;
  } catch {
    return undefined;
  }
  if (logged.message === 'invocation failed')
    return { timeMs, kind: 'failed', complete: false, errors: 1, error: logged.err?.message ?? 'no message' };
  if (logged.message !== 'run finished' || typeof logged.counts?.errors !== 'number') return undefined;
  const errors = logged.counts.errors;
  return {
    timeMs,
    kind: 'run',
    complete: errors === 0 && !logged.cutOff,
    errors,
    locks: logged.counts.locks,
    stale: logged.counts.stale,
  };
}
