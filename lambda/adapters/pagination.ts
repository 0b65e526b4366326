// Adapter: paginating safely: a server that hands back a page key it gave before is looping, not continuing.
import { JanitorError } from '../core/errors';

/**
 * Remembers the page keys (LastEvaluatedKey, continuation tokens) of one listing; `next` returns the key to
 * send next and throws when a server repeats one, so a misbehaving server ends the listing with a clear error
 * instead of an endless loop. Keys are compared by their JSON.
 */
export class PageKeys<K> {
  private readonly seen = new Set<string>();

  constructor(private readonly call: string) {}

  next(key: K | undefined | null | ''): K | undefined {
    if (key === undefined || key === null || key === '') return undefined;
    const text = JSON.stringify(key);
    if (this.seen.has(text))
      throw new JanitorError(
        `${this.call} returned a page key it had returned before (${text.slice(0, 200)}); the server is looping, so the listing was stopped`,
      );
    this.seen.add(text);
    return key;
  }
}
