// Run: a fence around what a run may call, closed when the run ends, so a run cut off at its deadline and thawed in a later invocation calls nothing.
import { Stopped } from './deadline';

/**
 * Wraps the stores a run is given. While open, every method call goes through; once closed (the Lambda cut the
 * run off at its deadline), every call throws `Stopped` before it starts, and so does every page of an
 * iterable handed out earlier. Calls already in flight are for the run's call signal to abandon.
 */
export class RunFence {
  private closed = false;

  close(): void {
    this.closed = true;
  }

  /** `target` with each method fenced (its other properties read as they are). */
  wrap<T extends object>(target: T): T {
    return new Proxy(target, {
      get: (obj, prop) => {
        const value = Reflect.get(obj, prop, obj) as unknown;
        if (typeof value !== 'function') return value;
        return (...args: unknown[]) =>
          this.fenced(() => (value as (...a: unknown[]) => unknown).apply(obj, args));
      },
    });
  }

  /** A function that makes stores (per region), each fenced. */
  wrapEach<K, T extends object>(make: (key: K) => T): (key: K) => T {
    return (key) => this.wrap(make(key));
  }

  /** A plain function, fenced. */
  wrapCall<A extends unknown[], R>(fn: (...args: A) => R): (...args: A) => R {
    return (...args) => this.fenced(() => fn(...args)) as R;
  }

  private fenced(call: () => unknown): unknown {
    this.check();
    const result = call();
    if (result === null || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return result;
    return this.iterable(result as AsyncIterable<unknown>);
  }

  private async *iterable<T>(source: AsyncIterable<T>): AsyncIterable<T> {
    for await (const item of source) {
      this.check();
      yield item;
    }
  }

  private check(): void {
    if (this.closed) throw new Stopped('the run was cut off at its deadline; nothing of it goes on');
  }
}
