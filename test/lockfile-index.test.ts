// Tests: the pairing index: lock items wait for their bucket's read within the deadline, sharing one wait.
import { getEventListeners } from 'node:events';
import type { LockHalf } from '../lambda/core/lock-half';
import type { LockInfo } from '../lambda/core/lock-item';
import { LockfileIndex } from '../lambda/run/lockfile-index';

const info = (id: string): LockInfo => ({
  ID: id,
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'runner@ip-10-0-1-2',
  Version: '1.11.0',
  Created: '2026-11-26T09:00:00Z',
  Path: 'acme/app.tfstate',
});

const lockfile = (n: number): LockHalf => ({
  store: 's3',
  region: 'eu-west-1',
  lockfile: {
    kind: 'lock',
    bucket: 'acme',
    key: `s${n}.tfstate.tflock`,
    lockId: `acme/s${n}.tfstate`,
    rawInfo: '{}',
    info: info(`id-${n}`),
    createdMs: 0,
    etag: '"e"',
    lastModifiedMs: 0,
    size: 2,
  },
});

describe('LockfileIndex', () => {
  it('lets a page of lock items wait on one bucket read with one timer and one abort listener', async () => {
    // Prepare: the bucket is being read and the run's buckets are not all known yet.
    const index = new LockfileIndex();
    let discovered!: () => void;
    index.discovering(new Promise<void>((resolve) => (discovered = resolve)));
    index.reads('acme');
    const stop = new AbortController();
    const deadline = { untilMs: Date.now() + 60_000, signal: stop.signal };
    // Act: 2,000 lock items of that bucket ask for their other halves.
    const taken = Array.from({ length: 2000 }, (_, n) =>
      index.take(`acme/s${n}.tfstate`, `id-${n}`, deadline),
    );
    await new Promise((r) => setImmediate(r));
    const waitingOnDiscovery = getEventListeners(stop.signal, 'abort').length;
    discovered();
    await new Promise((r) => setImmediate(r));
    const waitingOnRead = getEventListeners(stop.signal, 'abort').length;
    index.read('acme', [lockfile(7), lockfile(9)]);
    const halves = await Promise.all(taken);
    // Assess: one shared wait at a time, and each item got exactly its own half once the read ended.
    expect([waitingOnDiscovery, waitingOnRead]).toEqual([1, 1]);
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
    expect(halves.filter(Boolean)).toHaveLength(2);
    expect(halves[7]).toEqual(lockfile(7));
    expect(halves[9]).toEqual(lockfile(9));
  });

  it('lets lock items go on alone when the run is told to stop while their bucket is still read', async () => {
    // Prepare
    const index = new LockfileIndex();
    index.reads('acme');
    const stop = new AbortController();
    const deadline = { untilMs: Date.now() + 60_000, signal: stop.signal };
    const taken = [1, 2, 3].map((n) => index.take(`acme/s${n}.tfstate`, `id-${n}`, deadline));
    // Act
    stop.abort();
    // Assess: nobody waits for the read; a half read later is left for `rest`.
    await expect(Promise.all(taken)).resolves.toEqual([undefined, undefined, undefined]);
    index.read('acme', [lockfile(2)]);
    expect(index.rest()).toEqual([lockfile(2)]);
  });

  it('takes a half already read without waiting on anything', async () => {
    // Prepare
    const index = new LockfileIndex([lockfile(4)]);
    const stop = new AbortController();
    // Act
    const half = await index.take('acme/s4.tfstate', 'id-4', {
      untilMs: Date.now() + 60_000,
      signal: stop.signal,
    });
    // Assess
    expect(half).toEqual(lockfile(4));
    expect(index.takeNow('acme/s4.tfstate', 'id-4')).toBeUndefined();
  });

  it('pairs a page of lock items with their halves, at once when no bucket can still be read', async () => {
    // Prepare: lock items (table halves) of the locks acme/s1 (its lockfile read) and acme/s2 (none).
    const item = (n: number): LockHalf => ({
      store: 'dynamodb',
      region: 'eu-west-1',
      table: 'locks',
      item: {
        kind: 'lock',
        lockId: `acme/s${n}.tfstate`,
        rawInfo: '{}',
        info: info(`id-${n}`),
        createdMs: 0,
      },
    });
    const settled = new LockfileIndex([lockfile(1)]);
    const reading = new LockfileIndex();
    reading.reads('acme');
    const deadline = { untilMs: Date.now() + 60_000, signal: new AbortController().signal };
    // Act
    const now = settled.pair([item(1), item(2)], deadline);
    const later = reading.pair([item(1), item(2)], deadline);
    let pairedLater = false;
    void later.then(() => (pairedLater = true));
    await new Promise((r) => setImmediate(r));
    const beforeRead = pairedLater;
    reading.read('acme', [lockfile(1)]);
    // Assess: the same pairs either way; the page being read waited for its bucket.
    await expect(now).resolves.toEqual([[item(1), lockfile(1)], [item(2)]]);
    await expect(later).resolves.toEqual([[item(1), lockfile(1)], [item(2)]]);
    expect(beforeRead).toBe(false);
    expect([settled.rest(), reading.rest()]).toEqual([[], []]);
  });
});
