// Tests: the Lambda keeps whole only the news locks its messages can show; every message, count and alert stays the same.

import { MAX_PERSON_SHOWN, MAX_SHOWN } from '../lambda/core/message/shown';
import { renderMessages } from '../lambda/core/message/sns';
import type { LockKey, StateStore } from '../lambda/core/ports';
import { afterDelivery, type LockReport, type RunReport } from '../lambda/core/report';
import { KeptLines } from '../lambda/run/kept-lines';
import { rememberAlerts } from '../lambda/run/notify';
import { lockReport, runReport } from './support/reports';

/**
 * The report a run builds from its lines kept as `lines` says (`all`: the CLI; `news`: the Lambda); with `sent`,
 * once its message went out (true) or its publish failed (false), as the run does.
 */
async function reportOf(locks: LockReport[][], fold: boolean, sent?: boolean): Promise<RunReport> {
  const kept = new KeptLines(fold ? 'news' : 'all', sent !== undefined);
  // Handed over a lock at a time, as pages of one lock.
  const inPlace: LockReport[] = [];
  for (const lines of locks) inPlace.push(...(await kept.keep([lines])));
  const { whole, ...held } = kept.held();
  if (sent !== undefined) kept.delivered(sent);
  const all = [...inPlace, ...whole];
  return runReport(
    sent === undefined ? all : afterDelivery(all, { sent, why: 'the notification failed (Throttled)' }),
    {
      ...held,
      tables: ['a-locks', 'b-locks', 'c-locks'].map((name) => ({
        region: 'eu-west-1',
        name,
        items: 0,
        locks: 0,
        digests: 0,
        unparseable: 0,
      })),
    },
  );
}

/** One lock of `table`: stale and news (unsent), deleted, failed, kept (young), or alerted earlier (quiet). */
function lock(
  table: string,
  n: number,
  kind: 'stale' | 'deleted' | 'failed' | 'young' | 'quiet',
): LockReport[] {
  const base = lockReport({
    table,
    lockId: `acme/${table}/${kind}-${n}.tfstate`,
    id: `id-${table}-${kind}-${n}`,
    who: `runner-${n}`,
  });
  if (kind === 'young') return [{ ...base, decision: 'keep', outcome: 'kept', notify: false }];
  if (kind === 'quiet') return [{ ...base, outcome: 'alerted-earlier', notify: false }];
  if (kind === 'stale') return [{ ...base, outcome: 'unsent' }];
  return [{ ...base, decision: 'delete', outcome: kind }];
}

/** A double lock (a lock item and its lockfile), news on its first line, its other half waiting on the message. */
function double(table: string, n: number): LockReport[] {
  const [first] = lock(table, n, 'stale');
  return [
    { ...first, double: true },
    { ...first, table: 's3://acme', store: 's3', double: true, notify: false },
  ];
}

describe('KeptLines, lines: news', () => {
  // Read in an order the messages do not list: the last table first, kinds mixed, doubles among them.
  const locks = [
    ...Array.from({ length: 90 }, (_, i) => lock('c-locks', i, i % 3 ? 'stale' : 'deleted')),
    ...Array.from({ length: 40 }, (_, i) => lock('b-locks', i, i % 10 ? 'stale' : 'failed')),
    ...Array.from({ length: 30 }, (_, i) => lock('b-locks', 40 + i, 'young')),
    ...Array.from({ length: 5 }, (_, i) => lock('b-locks', 70 + i, 'quiet')),
    ...Array.from({ length: 20 }, (_, i) => double('a-locks', i)),
    ...Array.from({ length: 80 }, (_, i) => lock('a-locks', 20 + i, i % 2 ? 'deleted' : 'stale')),
  ];
  const news = locks.filter((lines) => lines.some((l) => l.notify)).length;

  it('keeps whole at most the locks a message shows, the others brief, and says and counts the same', async () => {
    // Act
    const all = await reportOf(locks, false);
    const kept = await reportOf(locks, true);

    // Assess: 230 news locks, at most MAX_SHOWN + MAX_PERSON_SHOWN of them whole.
    expect(news).toBe(230);
    const whole = new Set(kept.locks.map((l) => l.id));
    expect(whole.size).toBeLessThanOrEqual(MAX_SHOWN + MAX_PERSON_SHOWN);
    expect(whole.size).toBeLessThan(news);
    expect(new Set(kept.brief?.map((l) => l.id)).size).toBe(news - whole.size);
    expect(kept.brief?.every((l) => Object.keys(l).length <= 9)).toBe(true);
    expect(kept.folded).toMatchObject({ locks: 35, quiet: 5 });
    expect(kept.counts).toEqual(all.counts);
    // Every message says exactly what it says with every line kept: e-mail, chat digest, lock notifications.
    expect(renderMessages(kept)).toEqual(renderMessages(all));
    const [email] = renderMessages(kept);
    expect(email.text).toMatch(/…and \d+ more locks in this table \(/);
  });

  it('after delivery, the same counts and the same locks to remember, whole or brief', async () => {
    // Act
    const [allSent, allFailed] = await Promise.all([true, false].map((sent) => reportOf(locks, false, sent)));
    const [keptSent, keptFailed] = await Promise.all(
      [true, false].map((sent) => reportOf(locks, true, sent)),
    );

    // Assess: every stale lock alerted once delivered, whole or brief; every one unsent after a failed publish.
    expect(keptSent.counts).toEqual(allSent.counts);
    expect(keptFailed.counts).toEqual(allFailed.counts);
    expect(keptSent.counts).toMatchObject({ alerted: 20 + 40 + 60 + 36, unsent: 0 });
    expect(keptFailed.counts).toMatchObject({ alerted: 0, unsent: 20 + 40 + 60 + 36 });
    expect(keptSent.brief?.some((l) => l.outcome === 'alerted')).toBe(true);
    expect(keptSent.brief?.some((l) => l.outcome === 'unsent')).toBe(false);
  });

  it('remembers every alerted lock, both halves of a double, whole or brief', async () => {
    // Prepare: a memory that records what it is asked to mark.
    const marked = async (r: RunReport) => {
      const keys: string[] = [];
      const state = {
        markAlerted: async (ks: readonly LockKey[]) => void keys.push(...ks.map((k) => JSON.stringify(k))),
        markTableFailuresAlerted: async () => undefined,
      } as unknown as StateStore;
      expect(await rememberAlerts(state, r, 0)).toEqual([]);
      return keys.sort();
    };

    // Act
    const all = await marked(await reportOf(locks, false));
    const kept = await marked(await reportOf(locks, true));

    // Assess: the stale locks, the failed deletes and both halves of each double lock; never a deleted one.
    expect(all).toHaveLength(60 + (36 + 4) + 20 * 2 + 40);
    expect(kept).toEqual(all);
  });
});

describe('messages of brief lines alone', () => {
  it('show none of them and count every one: e-mail, chat digest, lock notifications', () => {
    // Prepare: 3 news locks kept brief only (as past the messages' first locks), none whole.
    const brief = [0, 1, 2].map((n) => {
      const [line] = lock('a-locks', n, 'stale');
      const { region, table, lockId, id, decision, outcome, notify } = line;
      return { region, table, lockId, id, decision, outcome, notify, brief: true as const };
    });
    const report = runReport([], { brief, tables: [] });

    // Act
    const [email, ...chats] = renderMessages(report);

    // Assess
    expect(report.counts).toMatchObject({ locks: 3, stale: 3, unsent: 3 });
    expect(email.text).not.toContain('acme/a-locks');
    expect(email.text).toContain('…and 3 more locks in this table (3 newly stale), not shown');
    expect(email.chat.content.description).toContain('*eu-west-1 / a-locks*\n…and 3 more lines');
    expect(email.chat.content.description).not.toContain('acme/a-locks');
    expect(chats).toHaveLength(1);
    expect(chats[0].chat.content.title).toContain('3 more locks need a person');
    expect(chats[0].chat.content.description).toBe('…and 3 more');
  });
});

describe('KeptLines, lines: { stream }', () => {
  const locks = [lock('a-locks', 0, 'stale'), lock('a-locks', 1, 'young'), double('a-locks', 2)];

  it('without a message to send, streams every lock (a double lock whole) and keeps none', async () => {
    // Prepare
    const pages: LockReport[][][] = [];
    const kept = new KeptLines({ stream: async (page) => void pages.push(page.map((l) => [...l])) }, false);

    // Act
    const inPlace = await kept.keep(locks);

    // Assess
    expect(inPlace).toEqual([]);
    expect(pages).toEqual([locks]);
    expect(kept.held().folded).toMatchObject({ locks: 3, counts: { locks: 3, stale: 2, unsent: 2 } });
  });

  it('with a message to send, keeps the news locks (not final before delivery) and streams the others', async () => {
    // Prepare
    const streamed: LockReport[][] = [];
    const kept = new KeptLines(
      { stream: async (page) => void streamed.push(...page.map((l) => [...l])) },
      true,
    );

    // Act
    const inPlace = await kept.keep(locks);

    // Assess
    expect(streamed).toEqual([locks[1]]);
    expect(inPlace).toEqual([...locks[0], ...locks[2]]);
  });

  it('refuses a delivery it was told would not come: its lines went out as final', async () => {
    const kept = new KeptLines({ stream: async () => undefined }, false);
    await kept.keep(locks);
    expect(() => kept.delivered(true)).toThrow(/streams its lines as final/);
  });
});
