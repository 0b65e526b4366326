// Run: reading within a deadline: a page that does not come before the place's time is up, or before the run is told to stop, ends the read.

import { unlimited } from '../adapters/call-signal';

/** Why a read was stopped: the time budget ran out or the run was told to stop (signal, deadline). */
export class Stopped extends Error {
  override readonly name = 'Stopped';
}

/** When a read must end: an instant on the wall clock, and the run's stop signal. */
export type Deadline = { readonly untilMs: number; readonly signal?: AbortSignal };

/**
 * Yields what `source` yields while the deadline holds; waiting for an item past it (or past an abort) throws
 * `Stopped` at once, leaving the pending call to its own request timeout. The source is closed either way.
 */
export async function* within<T>(source: AsyncIterable<T>, deadline: Deadline): AsyncIterable<T> {
  const it = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    while (true) {
      const next = it.next();
      next.catch(() => undefined); // a page abandoned here must not become an unhandled rejection
      const result = await beforeDeadline(next, deadline);
      if (result.done) {
        finished = true;
        return;
      }
      yield result.value;
    }
  } finally {
    if (!finished) void it.return?.()?.catch(() => undefined);
  }
}

/** `promise`, unless the deadline passes or the signal aborts first (then `Stopped`). */
export function beforeDeadline<T>(promise: Promise<T>, { untilMs, signal }: Deadline): Promise<T> {
  if (signal?.aborted) return Promise.reject(new Stopped('the run was told to stop'));
  return new Promise<T>((resolve, reject) => {
    const stop = (why: string) => () => reject(new Stopped(why));
    const onAbort = stop('the run was told to stop');
    const timer = setTimeout(stop('no answer within the time budget'), Math.max(0, untilMs - Date.now()));
    if (signal) unlimited(signal).addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    });
  });
}
