// Adapter: the run's call signal, carried into every AWS SDK call made on the run's behalf (`client.send(cmd, callOptions())`).
import { AsyncLocalStorage } from 'node:async_hooks';

const current = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `work` so that every AWS call it starts, however deep (stores, pages, retries), carries `signal`: when it
 * aborts, calls in flight are abandoned at once (AbortError) and retries stop, instead of waiting out their
 * timeouts. Without a signal `work` runs as it is. The signal lives in the run's async context only: nothing of
 * it outlives the run, so a Lambda sandbox's next invocation starts clean.
 */
export function carryingSignal<T>(signal: AbortSignal | undefined, work: () => T): T {
  return signal ? current.run(signal, work) : work();
}

/** What every `client.send` of the janitor passes: the abort signal of the run it is part of, if any. */
export function callOptions(): { abortSignal?: AbortSignal } {
  const abortSignal = current.getStore();
  return abortSignal ? { abortSignal } : {};
}
