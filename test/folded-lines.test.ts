// Tests: the Lambda's report keeps only the lock lines a message or the memory needs; counts and messages stay the same.
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { renderMessage } from '../lambda/core/message/sns';
import type { Notifier } from '../lambda/core/ports';
import type { RunReport } from '../lambda/core/report';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR, lockAged, MINUTE, NOW, sweepTables } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const POLICY = {
  mode: 'alert' as const,
  rules: [{ name: 'stale', match: {}, alertAfter: '1h' }],
  realertAfter: '1d',
};

/** A notifier that keeps what it was asked to publish. */
function recording(): Notifier & { readonly sent: string[] } {
  const sent: string[] = [];
  // The run's own timing (when it finished) is the only thing that may differ between two runs.
  const timeless = (m: unknown) => JSON.stringify(m).replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
  return { sent, publish: async (m) => void sent.push(timeless(m)) };
}

describe('lines: news (the Lambda) against lines: all (the CLI), on the same table and memory', () => {
  it('keeps only news lines, with the same counts, and the same message on the first and the quiet second run', async () => {
    // Prepare: 30 young locks, 3 stale ones.
    const prefix = uniqueName('folded');
    await createLockTable(client, `${prefix}-locks`);
    await putItems(client, `${prefix}-locks`, [
      ...Array.from({ length: 30 }, (_, i) => lockAged(`young-${i}.tfstate`, 5 * MINUTE)),
      ...Array.from({ length: 3 }, (_, i) => lockAged(`stale-${i}.tfstate`, 3 * HOUR)),
    ]);
    const runs = async (lines: 'all' | 'news'): Promise<[RunReport, RunReport, string[]]> => {
      const state = new MemoryStateStore();
      const notifier = recording();
      const first = await sweepTables(client, prefix, POLICY, { state, notifier, lines });
      const second = await sweepTables(client, prefix, POLICY, {
        state,
        notifier,
        lines,
        now: new Date(NOW + 10 * MINUTE),
      });
      return [first, second, notifier.sent];
    };

    // Act
    const [allFirst, allSecond, allSent] = await runs('all');
    const [newsFirst, newsSecond, newsSent] = await runs('news');

    // Assess: the first run names the 3 stale locks and keeps only their lines; the second has no news at all.
    expect(allFirst.locks).toHaveLength(33);
    expect(newsFirst.locks.map((l) => l.lockId).sort()).toEqual(
      ['acme/stale-0.tfstate', 'acme/stale-1.tfstate', 'acme/stale-2.tfstate'].sort(),
    );
    expect(newsFirst.folded).toMatchObject({ locks: 30, quiet: 0 });
    expect(newsSecond.locks).toEqual([]);
    expect(newsSecond.folded).toMatchObject({ locks: 33, quiet: 3 });
    expect(newsFirst.counts).toEqual(allFirst.counts);
    expect(newsSecond.counts).toEqual(allSecond.counts);
    expect(newsSecond.counts).toMatchObject({ locks: 33, stale: 3, alertedEarlier: 3 });
    // The same messages went out (one on the first run; none on the quiet second), rendered the same.
    expect(newsSent.length).toBeGreaterThan(0);
    expect(newsSent.every((m, i) => m === allSent[i]) && newsSent.length === allSent.length).toBe(true);
    // A quiet run's message (were one sent) says the same: 3 stale locks alerted earlier, not repeated.
    const strip = (r: RunReport) => ({ ...r, runId: '', startedAt: '', finishedAt: '' });
    expect(renderMessage(strip(newsSecond)).text).toContain(
      '3 stale locks alerted earlier are not repeated here.',
    );
    expect(renderMessage(strip(newsSecond))).toEqual(renderMessage(strip(allSecond)));
  });
});
