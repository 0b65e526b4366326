// CLI: the progress line on a terminal's stderr (places read/found, items, locks, elapsed), counted at the stores.

import { isLockTableSchema } from '../lambda/adapters/table-source';
import { classifyItem } from '../lambda/core/lock-item';
import type { LockfileStore } from '../lambda/core/lockfile-port';
import { plural } from '../lambda/core/message/format';
import { isOptedOut } from '../lambda/core/place';
import type { LockStore } from '../lambda/core/ports';
import { perRegion } from '../lambda/per-region';
import type { SweepOptions } from '../lambda/run/options';

/** What the run has done so far, as the stores saw it. */
export type Progress = { found: number; done: number; items: number; locks: number };

/** The progress line: `3/7 places read, 120,000 items, 12 locks, 6s`. */
export function progressLine(p: Progress, elapsedMs: number): string {
  const items = `${p.items.toLocaleString('en-US')} ${p.items === 1 ? 'item' : 'items'}`;
  return `${p.done}/${plural(p.found, 'place')} read, ${items}, ${plural(p.locks, 'lock')}, ${Math.floor(elapsedMs / 1000)}s`;
}

/** How often the line is redrawn, at most. */
const REDRAW_MS = 250;

/**
 * The run's options with stores that count what they read, drawing the progress line through `draw` (stderr,
 * only when it is a terminal and --quiet is not given); `done` clears the line. Without `draw`, the options as
 * they are.
 */
export function withProgress(
  options: SweepOptions,
  draw: ((line: string) => void) | undefined,
): { options: SweepOptions; done: () => void; progress?: Progress } {
  if (!draw) return { options, done: () => undefined };
  const p: Progress = { found: 0, done: 0, items: 0, locks: 0 };
  const start = Date.now();
  const redraw = () => draw(progressLine(p, Date.now() - start));
  const timer = setInterval(redraw, REDRAW_MS);
  timer.unref();
  const tags = options.policy.tables.optOutTag;
  const lockStores = options.lockStores;
  const lockfileStores = options.lockfileStores;
  const counting: SweepOptions = {
    ...options,
    lockStores: perRegion((region) => countedLockStore(lockStores(region), p, tags)),
    lockfileStores: lockfileStores && perRegion((region) => countedLockfileStore(lockfileStores(region), p)),
  };
  redraw();
  return {
    options: counting,
    progress: p,
    done: () => {
      clearInterval(timer);
      draw('');
    },
  };
}

/** A lock store that counts lock tables found, tables read or skipped, items and locks. */
function countedLockStore(store: LockStore, p: Progress, optOutTag: string | false): LockStore {
  return Object.assign(Object.create(store) as LockStore, {
    region: store.region,
    async describeTable(name: string) {
      const found = await store.describeTable(name);
      if (found && isLockTableSchema(found)) p.found++;
      return found;
    },
    async listTags(arn: string) {
      try {
        const tags = await store.listTags(arn);
        if (optOutTag !== false && isOptedOut(tags, optOutTag)) p.done++;
        return tags;
      } catch (e) {
        p.done++;
        throw e;
      }
    },
    async *scan(table: string) {
      try {
        for await (const page of store.scan(table)) {
          p.items += page.items.length + page.skippedDigests;
          for (const item of page.items) if (classifyItem(item).kind === 'lock') p.locks++;
          yield page;
        }
      } finally {
        p.done++;
      }
    },
  } satisfies Partial<LockStore>);
}

/** A lockfile store that counts buckets read, objects and lockfiles. */
function countedLockfileStore(store: LockfileStore, p: Progress): LockfileStore {
  return Object.assign(Object.create(store) as LockfileStore, {
    async *listLockfiles(bucket: string) {
      p.found++;
      try {
        for await (const page of store.listLockfiles(bucket)) {
          p.items += page.objects;
          p.locks += page.lockfiles.length;
          yield page;
        }
      } finally {
        p.done++;
      }
    },
  } satisfies Partial<LockfileStore>);
}
