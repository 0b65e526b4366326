// Tests: the Lambda's report keeps only the lock lines a message or the memory needs; counts and messages stay the same.
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { MAX_PERSON_SHOWN } from '../lambda/core/message/shown';
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

describe('lines: news with more news locks than a message shows (dynalite)', () => {
  const failing: Notifier = {
    publish: async () => {
      throw new Error('Throttling: Rate exceeded');
    },
  };
  /** Two tables: `-a` with 150 stale locks and 10 young ones, `-b` with 40 stale ones. */
  async function tables(): Promise<string> {
    const prefix = uniqueName('shown');
    await createLockTable(client, `${prefix}-a`);
    await createLockTable(client, `${prefix}-b`);
    await putItems(client, `${prefix}-a`, [
      ...Array.from({ length: 150 }, (_, i) => lockAged(`a/stale-${i}.tfstate`, 3 * HOUR)),
      ...Array.from({ length: 10 }, (_, i) => lockAged(`a/young-${i}.tfstate`, 5 * MINUTE)),
    ]);
    await putItems(
      client,
      `${prefix}-b`,
      Array.from({ length: 40 }, (_, i) => lockAged(`b/stale-${i}.tfstate`, 3 * HOUR)),
    );
    return prefix;
  }

  it('keeps whole only the locks a message shows, says the same, and remembers every alerted lock', async () => {
    // Prepare
    const prefix = await tables();
    const allSent = recording();
    const newsSent = recording();
    const state = new MemoryStateStore();

    // Act
    const all = await sweepTables(client, prefix, POLICY, { notifier: allSent, lines: 'all' });
    const news = await sweepTables(client, prefix, POLICY, { state, notifier: newsSent, lines: 'news' });
    const again = await sweepTables(client, prefix, POLICY, {
      state,
      notifier: newsSent,
      lines: 'news',
      now: new Date(NOW + 10 * MINUTE),
    });

    // Assess: 190 stale locks alerted, at most what the messages show kept whole, the rest brief.
    expect(news.counts).toEqual(all.counts);
    expect(news.counts).toMatchObject({ locks: 200, stale: 190, alerted: 190, unsent: 0 });
    expect(news.locks.length).toBeLessThanOrEqual(MAX_PERSON_SHOWN);
    expect(news.locks.length + (news.brief?.length ?? 0)).toBe(190);
    expect(news.folded).toMatchObject({ locks: 10 });
    // The same messages, e-mail and chat; the e-mail counts each table's locks it does not show.
    expect(newsSent.sent).toEqual(allSent.sent);
    const [email] = newsSent.sent.map((m) => JSON.parse(m) as { text: string });
    const shownIn = (table: string) => {
      const section = email.text.split(`=== us-east-1 / ${prefix}-${table} ===`)[1].split('\n=== ')[0];
      const more = /…and (\d+) more locks? in this table \((\d+) newly stale\)/.exec(section);
      return { shown: section.split('\n* acme/').length - 1, more: Number(more?.[1] ?? 0) };
    };
    const a = shownIn('a');
    const b = shownIn('b');
    expect(a.shown + a.more).toBe(150);
    expect(b.shown + b.more).toBe(40);
    expect(a.more + b.more).toBeGreaterThan(0);
    // Every alerted lock, whole or brief, was remembered: the next run has nothing to say.
    expect(again.counts).toMatchObject({ stale: 190, alertedEarlier: 190, alerted: 0, unsent: 0 });
    expect(newsSent.sent).toHaveLength(allSent.sent.length);
  });

  it('remembers none of them when the publish failed: all are due again next run', async () => {
    // Prepare
    const prefix = await tables();
    const state = new MemoryStateStore();
    const notifier = recording();

    // Act
    const failed = await sweepTables(client, prefix, POLICY, { state, notifier: failing, lines: 'news' });
    const next = await sweepTables(client, prefix, POLICY, {
      state,
      notifier,
      lines: 'news',
      now: new Date(NOW + 10 * MINUTE),
    });

    // Assess
    expect(failed.notification).toMatchObject({ sent: false });
    expect(failed.counts).toMatchObject({ stale: 190, unsent: 190, alerted: 0 });
    expect(failed.brief?.every((l) => l.outcome === 'unsent')).toBe(true);
    expect(next.counts).toMatchObject({ stale: 190, alerted: 190, alertedEarlier: 0 });
    expect(notifier.sent.length).toBeGreaterThan(0);
  });
});
