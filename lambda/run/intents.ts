// Run: resolves the intent records that a run which died mid-delete left behind, so no deletion goes unrecorded.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import { halfKind, recordPlace } from '../core/lock-half';
import type { AuditRecord } from '../core/ports';
import { audit } from './act';
import type { SweepOptions } from './options';
import type { Sources } from './sources';

/**
 * An intent younger than this may belong to a run still in flight (its delete call not yet timed out): left for
 * a later run. Longer than any delete call's timeout and retries.
 */
export const INTENT_GRACE_MS = 15 * 60_000;

export type IntentsResolved = { readonly notes: string[]; readonly failures: RunFailure[] };

/**
 * For each dangling intent in the run's regions: the lock still holding exactly the judged `Info` means the
 * delete never happened (the intent is cleared); a lock gone or holding other content is audited as `gone`
 * (deleted by that run, or released by its holder meanwhile), then cleared. Never throws.
 */
export async function resolveIntents(opts: SweepOptions, sources: Sources): Promise<IntentsResolved> {
  const notes: string[] = [];
  const failures: RunFailure[] = [];
  let intents: AuditRecord[];
  try {
    intents = await opts.state.intents();
  } catch (e) {
    return {
      notes,
      failures: [{ kind: 'intent', message: `could not read the intent records: ${describeError(e)}` }],
    };
  }
  const due = intents.filter(
    (i) => opts.regions.includes(i.region) && Date.parse(i.at) <= opts.now.getTime() - INTENT_GRACE_MS,
  );
  for (const intent of due) {
    try {
      const note = await resolveOne(opts, sources, intent, failures);
      if (note) notes.push(note);
    } catch (e) {
      const message = `could not resolve the intent record of ${intent.table} ${intent.lockId} (ID ${intent.id}) from run ${intent.runId}: ${describeError(e)}; the next run tries again`;
      failures.push({ kind: 'intent', region: intent.region, table: intent.table, lock: intent, message });
    }
  }
  return { notes, failures };
}

async function resolveOne(
  opts: SweepOptions,
  sources: Sources,
  intent: AuditRecord,
  failures: RunFailure[],
): Promise<string | undefined> {
  const where = `${intent.table} ${intent.lockId} (ID ${intent.id})`;
  // Its run audited the outcome and then could not clear the intent: one record per deletion, so none is added.
  if (await opts.state.audited(intent)) {
    await opts.state.clearIntent(intent);
    return `the outcome of run ${intent.runId}'s delete of ${where} was already audited; its intent record is cleared`;
  }
  const state = await stillThere(sources, intent);
  if (state === undefined) return undefined; // a lockfile intent on a run without S3 access: left for one that has it
  if (state === 'unchanged') {
    await opts.state.clearIntent(intent);
    return `run ${intent.runId} meant to delete ${where} and ended before it could; the lock is still there, untouched`;
  }
  const reason = `${intent.reason}; recovered by run ${opts.runId}: run ${intent.runId} recorded its intent to delete and ended before recording the outcome, and the lock was ${state === 'changed' ? 'holding other content' : 'gone'} when checked, so it was deleted by that run or released by its holder`;
  const auditFailures = await audit(opts, { ...intent, action: 'gone', reason });
  failures.push(...auditFailures);
  if (auditFailures.length) return undefined;
  await opts.state.clearIntent(intent);
  return `recovered the record of ${where}: run ${intent.runId} ended mid-delete; audited as gone`;
}

/** Whether the intent's lock is still exactly as judged (`Info` bytes; a lockfile's ETag), changed, or gone. */
async function stillThere(
  sources: Sources,
  intent: AuditRecord,
): Promise<'unchanged' | 'changed' | 'gone' | undefined> {
  const { place, ref } = recordPlace(intent);
  const source = sources.of(place.store);
  if (!source) return undefined;
  const fresh = await source.readHalf(place, ref);
  if (fresh.kind === 'missing') return 'gone';
  return fresh.kind === 'half' && halfKind(fresh.half).unchangedSince(fresh.half, intent)
    ? 'unchanged'
    : 'changed';
}
