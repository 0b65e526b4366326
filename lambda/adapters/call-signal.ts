// Adapter: the run's call signal, carried into every AWS SDK call made on the run's behalf (`client.send(cmd, callOptions())`).
import { AsyncLocalStorage } from 'node:async_hooks';
import { setMaxListeners } from 'node:events';

const current = new AsyncLocalStorage<AbortSignal>();
let processWide: AbortSignal | undefined;

/**
 * Runs `work` so that every AWS call it starts, however deep (stores, pages, retries), carries `signal`: when it
 * aborts, calls in flight are abandoned at once (AbortError) and retries stop, instead of waiting out their
 * timeouts. Without a signal `work` runs as it is. The signal lives in the run's async context only: nothing of
 * it outlives the run, so a Lambda sandbox's next invocation starts clean, even beside a run cut off at its
 * deadline (each run's calls carry that run's signal).
 */
export function carryingSignal<T>(signal: AbortSignal | undefined, work: () => T): T {
  return signal ? current.run(unlimited(signal), work) : work();
}

/**
 * For a process that runs one command (the CLI): every AWS call made until `end` is called carries `signal`,
 * with no async context. An async context costs every promise of the process a hook (about 6 % of a sweep's
 * time on Node 20 by `npm run bench`); the Lambda keeps it (`carryingSignal`), since a warm sandbox may hold a
 * run cut off at its deadline beside the next one. A run's own async context, if it has one, still wins.
 */
export function carrySignalProcessWide(signal: AbortSignal): () => void {
  processWide = unlimited(signal);
  return () => {
    if (processWide === signal) processWide = undefined;
  };
}

/** What every `client.send` of the janitor passes: the abort signal of the run it is part of, if any. */
export function callOptions(): { abortSignal?: AbortSignal } {
  const abortSignal = current.getStore() ?? processWide;
  return abortSignal ? { abortSignal } : {};
}

/**
 * `signal` without node's listener limit: every call in flight (the SDK removes its listener when the call ends)
 * and every read waiting on a page listens on the run's signals, and a run has many of them at once by design, so
 * node must not print its "possible memory leak" warning.
 */
export function unlimited(signal: AbortSignal): AbortSignal {
  setMaxListeners(0, signal);
  return signal;
}
