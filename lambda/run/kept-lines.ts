// Run: which report lines a run keeps: every line (the CLI's table), only what its messages show and its memory needs, or none it streams.
import { NEWS_KINDS, type NewsKind, newsKind } from '../core/message/news';
import { MAX_PERSON_SHOWN, MAX_SHOWN } from '../core/message/shown';
import {
  type BriefLine,
  deliveredOutcome,
  type FoldedLocks,
  foldable,
  foldLock,
  type LockReport,
  type RunResults,
} from '../core/report';
import type { LineSink, SweepOptions } from './options';

/** A news lock kept whole, and where the messages put it: its place, its kind, its turn within them. */
type Held = {
  readonly lines: LockReport[];
  readonly order: readonly [region: string, table: string, kind: number, turn: number];
  /** In how many of the rankings (news order, locks needing a person) it is. */
  ranked: number;
};

/**
 * The report lines a run keeps. `all`: every line, in the order the run hands them over (the caller keeps them).
 * `news` (folding): a lock that is neither news nor unsent is only counted (`folded`); of the news locks, those
 * a message may show are kept whole (the first MAX_SHOWN in the order the messages list news, and the first
 * MAX_PERSON_SHOWN of the locks that need a person, as chat shows them), the others brief: what the counts,
 * the messages' "N more" and the alert memory need. A lock's turn is the order it is handed over in, which
 * within one place (table, bucket) is the report's: the messages' order within a place and a kind.
 * `{ stream }`: a lock whose lines are final when decided goes to the sink and is only counted (`folded`); when
 * the run's message will go out (`delivers`), its news locks are not final (an `unsent` line becomes `alerted`
 * once delivered) and the message shows them, so those the caller keeps whole.
 */
export class KeptLines {
  private tally?: FoldedLocks;
  private turn = 0;
  private readonly news: Held[] = [];
  private readonly person: Held[] = [];
  private readonly briefs: BriefLine[] = [];
  private readonly sink?: LineSink;

  /** @param delivers whether the run publishes a message once every lock is decided (it has a notifier, not mode report) */
  constructor(
    private readonly mode: NonNullable<SweepOptions['lines']>,
    private readonly delivers: boolean,
  ) {
    if (typeof mode === 'object') this.sink = mode.stream;
  }

  /**
   * One page's decided locks (each lock's lines together), in the order decided; resolves to the lines the
   * caller keeps: all, or none when folding (then this keeps what is needed), or those not streamed.
   */
  async keep(locks: readonly LockReport[][]): Promise<LockReport[]> {
    if (this.mode === 'all') return locks.flat();
    if (this.mode === 'news') {
      for (const lines of locks) {
        if (foldable(lines)) this.tally = foldLock(this.tally, lines);
        else this.rank(lines);
      }
      return [];
    }
    const streamed = locks.filter((lines) => this.final(lines));
    const kept = locks.filter((lines) => !this.final(lines));
    for (const lines of streamed) this.tally = foldLock(this.tally, lines);
    if (streamed.length) await this.sink!(streamed);
    return kept.flat();
  }

  /** The kept lines the run adds to its report: the whole news lines in turn, the brief ones, the folded count. */
  held(): Pick<RunResults, 'brief' | 'folded'> & { readonly whole: LockReport[] } {
    const whole = [...new Set([...this.news, ...this.person])]
      .sort((a, b) => a.order[3] - b.order[3])
      .flatMap((h) => h.lines);
    return {
      whole,
      ...(this.briefs.length ? { brief: this.briefs } : {}),
      ...(this.tally ? { folded: this.tally } : {}),
    };
  }

  /**
   * Once the run's message went out or did not, the brief lines take their outcome (`deliveredOutcome`), in place:
   * they are this run's own, and a copy of each would cost as much again at the end of a run.
   */
  delivered(sent: boolean): void {
    // Streamed lines were written as final: a message this run was not expected to send would change them after.
    if (this.sink && !this.delivers)
      throw new Error('a run that streams its lines as final was delivered a message it did not expect');
    for (const line of this.briefs) line.outcome = deliveredOutcome(line.outcome, sent);
  }

  /**
   * Whether a lock's lines are final as decided, so they may be streamed: no message goes out after the locks
   * (nothing changes an `unsent` line), or the lock is not news (no message shows it, no outcome waits on one).
   */
  private final(lines: readonly LockReport[]): boolean {
    return !this.delivers || foldable(lines);
  }

  private rank(lines: LockReport[]): void {
    // A news lock is news on its first line (a double lock's other line waits on the same message).
    const first = lines.find((l) => l.notify) ?? lines[0];
    const kind: NewsKind = newsKind(first);
    const held: Held = {
      lines,
      order: [first.region, first.table, NEWS_KINDS.indexOf(kind), this.turn++],
      ranked: 0,
    };
    const out = [
      within(this.news, held, MAX_SHOWN),
      kind === 'failed' || kind === 'stale' ? within(this.person, held, MAX_PERSON_SHOWN) : held,
    ];
    for (const h of new Set(out))
      if (h && h.ranked === 0)
        for (const l of h.lines)
          this.briefs.push({
            region: l.region,
            table: l.table,
            lockId: l.lockId,
            id: l.id,
            ...(l.double ? { double: true } : {}),
            decision: l.decision,
            outcome: l.outcome,
            notify: l.notify,
            brief: true,
          });
  }
}

/**
 * Puts `held` into `ranking` (sorted by order, at most `max`) if it is among the first `max`; returns the lock
 * this leaves out of it (`held` itself, or the one it pushed out), if any.
 */
function within(ranking: Held[], held: Held, max: number): Held | undefined {
  let at = ranking.length;
  while (at > 0 && before(held.order, ranking[at - 1].order)) at--;
  if (at >= max) return held;
  ranking.splice(at, 0, held);
  held.ranked++;
  if (ranking.length <= max) return undefined;
  const out = ranking.pop()!;
  out.ranked--;
  return out;
}

function before(a: Held['order'], b: Held['order']): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}
