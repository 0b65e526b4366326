// Benchmark: a lock store that times its calls.
import type { RawItem } from '../lambda/core/lock-item';
import type { DeleteResult, LockStore, ScanPage, TableDescription } from '../lambda/core/ports';
import { since } from './stats';

/**
 * A lock store that adds up the wall time spent in discovery calls (ListTables, DescribeTable,
 * ListTagsOfResource; the sweep sends the last beside its first Scan page, so the sum overlaps the Scan).
 * dynalite 4.0.0 answers ListTables and ListTagsOfResource by walking every item of every table (its prefixed
 * sub-databases filter one shared key stream), so there they cost O(items) rather than one round trip.
 */
export class TimedLockStore implements LockStore {
  discoveryMs = 0;

  constructor(private readonly inner: LockStore) {}

  get region(): string {
    return this.inner.region;
  }

  async *listTables(): AsyncIterable<string> {
    const names: string[] = [];
    await this.time(async () => {
      for await (const name of this.inner.listTables()) names.push(name);
    });
    yield* names;
  }

  describeTable(name: string): Promise<TableDescription | undefined> {
    return this.time(() => this.inner.describeTable(name));
  }

  listTags(arn: string): Promise<Record<string, string>> {
    return this.time(() => this.inner.listTags(arn));
  }

  scan(table: string): AsyncIterable<ScanPage> {
    return this.inner.scan(table);
  }

  getItem(table: string, lockId: string): Promise<RawItem | undefined> {
    return this.inner.getItem(table, lockId);
  }

  getItems(table: string, lockIds: readonly string[]): Promise<Map<string, RawItem>> {
    return this.inner.getItems(table, lockIds);
  }

  deleteIfUnchanged(table: string, lockId: string, rawInfo: string): Promise<DeleteResult> {
    return this.inner.deleteIfUnchanged(table, lockId, rawInfo);
  }

  private async time<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.discoveryMs += since(t0);
    }
  }
}
