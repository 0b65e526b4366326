// Run: the one page loop: reads one place of any lock store, admitted first, and hands each page's locks on.
import { describeError } from '../core/errors';
import type { LockHalf } from '../core/lock-half';
import type { LockSource, PlaceReport } from '../core/lock-source';
import { plural } from '../core/message/format';
import { type Admission, checksTags, type Place, placeKind, tagAdmission } from '../core/place';
import type { UnparseableReport } from '../core/report';
import { type Deadline, Stopped, within } from './deadline';
import type { SweepOptions } from './options';

/** @see SweepOptions.placeBudgetMs */
export const PLACE_BUDGET_MS = 120_000;

/** Milliseconds one place may be read: its budget, or less when the run has less time left. */
export function placeTime(opts: SweepOptions): number {
  return Math.min(opts.placeBudgetMs ?? PLACE_BUDGET_MS, opts.remainingMs?.() ?? Number.POSITIVE_INFINITY);
}

/** True when the caller's time budget is spent or the run was told to stop. */
export function outOfTime(opts: SweepOptions): boolean {
  return opts.signal?.aborted === true || (opts.remainingMs !== undefined && opts.remainingMs() <= 0);
}

/** What one place's read found. `complete` is false when the place was not read to its end. */
export type PlaceRead = {
  readonly kind: 'read';
  readonly report: PlaceReport;
  readonly complete: boolean;
  readonly unparseable: UnparseableReport[];
};

/**
 * A place's read: read (in full or not), or left alone: `opted-out` (the opt-out tag; `why` for a lone half's
 * partner search), `elsewhere` (the place does not exist, or holds no Terraform locks): neither is reported.
 */
export type PlaceOutcome =
  | PlaceRead
  | { readonly kind: 'opted-out'; readonly why: string }
  | { readonly kind: 'elsewhere' };

/** Where a page's locks go: taken and handled at once, or parked for their other halves. */
export type PageSink = (halves: readonly LockHalf[], deadline: Deadline) => Promise<void>;

/**
 * Reads one place page by page and hands each page's locks to `sink`; a failure ends this place only. The
 * place's check (a table's schema) and opt-out tag are asked beside its first page, and nothing the read brings
 * (a page, its failure, its end) counts before the place is admitted. `ready` is awaited before the first page
 * is asked for (earlier runs' intents are resolved first). Never throws.
 */
export async function readPlace(
  opts: SweepOptions,
  source: LockSource,
  place: Place,
  sink: PageSink,
  ready: Promise<unknown> = Promise.resolve(),
): Promise<PlaceOutcome> {
  const kind = placeKind(place.store);
  const gate = new AdmissionGate(admitPlace(opts, source, place));
  const report = source.report(place) as PlaceReport & Record<string, number>;
  const unparseable: UnparseableReport[] = [];
  let units = 0;
  const end = (complete: boolean, error?: string): PlaceRead => ({
    kind: 'read',
    report: error === undefined ? report : { ...report, error },
    complete,
    unparseable,
  });
  const unread = `the rest of the ${kind.noun} was not read this run`;
  try {
    await ready;
    const deadline = { untilMs: Date.now() + placeTime(opts), signal: opts.signal };
    for await (const page of within(source.pages(place), deadline)) {
      const refused = await gate.refusal();
      if (refused) return refused;
      units += page.units;
      for (const [name, n] of Object.entries(page.counts)) report[name] += n;
      report.unparseable += page.unparseable.length;
      unparseable.push(...page.unparseable);
      await sink(page.halves, deadline);
      if (outOfTime(opts) || Date.now() >= deadline.untilMs)
        return end(false, `stopped before the time limit after ${plural(units, kind.unit)}; ${unread}`);
    }
    return (await gate.refusal()) ?? end(true);
  } catch (e) {
    // A place that is not admitted is not swept, whatever became of its read.
    const refused = await gate.refusal();
    if (refused) return refused;
    if (e instanceof Stopped)
      return end(false, `stopped after ${plural(units, kind.unit)}: ${e.message}; ${unread}`);
    const error = `failed after ${plural(units, kind.unit)}: ${describeError(e)}`;
    opts.logger?.error({ region: place.region, [kind.noun]: place.name, error }, `${kind.noun} failed`);
    return end(false, error);
  }
}

/**
 * The place's admission: its check and its opt-out tag, asked at once; never throws. Fail closed: a place whose
 * check or tags cannot be read is not swept, and that is reported as the place's failure.
 */
export async function admitPlace(
  opts: Pick<SweepOptions, 'policy' | 'logger'>,
  source: LockSource,
  place: Place,
): Promise<PlaceOutcome | Admission> {
  const tags = checksTags(opts.policy, place.store)
    ? source.tags(place).then(
        (found) => ({ tags: found }),
        (error: unknown) => ({ error }),
      )
    : Promise.resolve({ tags: {} });
  const [check, read] = await Promise.all([source.check(place), tags]);
  if (check.kind === 'failed') return readFailure(source, place, check.reason);
  if (check.kind !== 'lock-place') return { kind: 'elsewhere' };
  const admission = tagAdmission(place, opts.policy, read);
  if (admission.admitted) return admission;
  if (!admission.optedOut) return readFailure(source, place, `skipped: ${admission.reason}`);
  const { noun } = placeKind(place.store);
  const tag = String(opts.policy[placeKind(place.store).rules].optOutTag);
  opts.logger?.info({ region: place.region, [noun]: place.name, tag }, `${noun} opted out`);
  return { kind: 'opted-out', why: `opted out with "${tag}"` };
}

function readFailure(source: LockSource, place: Place, error: string): PlaceRead {
  return { kind: 'read', report: source.report(place, error), complete: false, unparseable: [] };
}

/** A place's admission, started beside its first page and awaited before anything the read brings counts. */
class AdmissionGate {
  private admitted = false;

  constructor(private readonly check: Promise<PlaceOutcome | Admission>) {}

  /** Undefined once the place is admitted; otherwise what its read returns. */
  async refusal(): Promise<PlaceOutcome | undefined> {
    if (this.admitted) return undefined;
    const a = await this.check;
    if ('admitted' in a && a.admitted) {
      this.admitted = true;
      return undefined;
    }
    return a as PlaceOutcome;
  }
}
