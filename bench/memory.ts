// Benchmark: peak memory of a sweep at two sizes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { type Stats, stats } from './stats';

const run = promisify(execFile);

/** What one fresh-process sweep reported (see `sweep-child.ts`). */
export type ChildSweep = {
  readonly items: number;
  readonly locks: number;
  readonly errors: number;
  /** Locks the run's delivered message alerted on (kind `held`). */
  readonly alerted: number;
  /** The messages the run published, and their bytes (kind `held`). */
  readonly published: { readonly messages: number; readonly bytes: number };
  readonly sweepMs: number;
  readonly sweepCpuMs: number;
  readonly rssBeforeMB: number;
  readonly peakRssSampledMB: number;
  readonly peakHeapUsedMB: number;
  readonly maxRssMB: number;
};

export type MemoryFigures = {
  readonly kind: ChildKind;
  readonly items: number;
  readonly maxRssMB: Stats;
  readonly peakHeapUsedMB: Stats;
  readonly rssBeforeMB: Stats;
  readonly sweepMs: Stats;
  readonly sweepCpuMs: Stats;
};

/** What a child runs: the whole sweep, or only the bare Scan (to tell the engine's memory from the SDK's). */
export type ChildKind = 'sweep' | 'scan' | 'held' | 'held-table';

/** Runs the bundled sweep child `reps` times, each in a fresh node process, against `endpoint`. */
async function childSweeps(
  childJs: string,
  endpoint: string,
  table: string,
  nowMs: number,
  reps: number,
  kind: ChildKind = 'sweep',
  nodeFlags: readonly string[] = [],
): Promise<ChildSweep[]> {
  const results: ChildSweep[] = [];
  for (let i = 0; i < reps; i++) {
    const { stdout } = await run(
      process.execPath,
      [...nodeFlags, childJs, endpoint, table, String(nowMs), kind],
      {
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    const result = JSON.parse(stdout.trim().split('\n').pop()!) as ChildSweep;
    if (result.errors) throw new Error(`the sweep child reported ${result.errors} errors`);
    results.push(result);
  }
  return results;
}

/** Peak memory of a fresh-process sweep of a table of `items` items. */
export async function memoryFigures(
  childJs: string,
  endpoint: string,
  table: string,
  items: number,
  nowMs: number,
  reps: number,
  kind: ChildKind = 'sweep',
): Promise<MemoryFigures> {
  const runs = await childSweeps(childJs, endpoint, table, nowMs, reps, kind);
  for (const r of runs) {
    if (r.items !== items) throw new Error(`the sweep child read ${r.items} items, expected ${items}`);
  }
  const of = (f: (r: ChildSweep) => number) => stats(runs.map(f));
  return {
    kind,
    items,
    maxRssMB: of((r) => r.maxRssMB),
    peakHeapUsedMB: of((r) => r.peakHeapUsedMB),
    rssBeforeMB: of((r) => r.rssBeforeMB),
    sweepMs: of((r) => r.sweepMs),
    sweepCpuMs: of((r) => r.sweepCpuMs),
  };
}

/**
 * The node flags the Lambda Node.js runtime starts a function of `memoryMB` with (its bootstrap: new space =
 * memory / 10, half of it per semi-space, old space = the rest), as published copies of `/var/runtime/bootstrap`
 * show them: V8 then collects as the function's memory requires, not as a host with gigabytes to spare lets it.
 */
export function lambdaNodeFlags(memoryMB: number): string[] {
  const newSpace = Math.floor(memoryMB / 10);
  return [`--max-semi-space-size=${Math.floor(newSpace / 2)}`, `--max-old-space-size=${memoryMB - newSpace}`];
}

/** Peak RSS of one kind of child over one table, plain node and as a 256 MB Lambda starts it, or the CLI's. */
export type HeldPeaks = { readonly maxRssMB: Stats; readonly lambdaMaxRssMB: Stats };

/** Per lock, in KB: (peak RSS − the empty table's) / locks, and the slope from the size before (none for the first). */
export type PerLock = { readonly kb: number; readonly slopeKb?: number };

/**
 * Peak RSS per lock the sweep holds: tables of only locks, against the same sweep of an empty table. The sweep
 * is the Lambda's (`held`: news lines kept, messages published, a memory that outlives the run, first run); the
 * bare Scan of the same table in the same kind of process tells how much of the growth is reading the data at
 * all; the installed CLI's `sweep --json` writes every line as it is decided.
 */
export type HeldLockFigures = {
  /** node started as the Lambda runtime starts a function of `lambdaMB` (see `lambdaNodeFlags`). */
  readonly lambdaMB: number;
  readonly empty: {
    readonly sweep: HeldPeaks;
    readonly table: HeldPeaks;
    readonly scan: HeldPeaks;
    readonly cliMaxRssMB: Stats;
  };
  readonly sizes: readonly {
    readonly locks: number;
    readonly sweep: HeldPeaks & { readonly perLock: PerLock; readonly lambdaPerLock: PerLock };
    /** The same sweep with its memory kept out of the process, as the Lambda's state table keeps it (`held-table`). */
    readonly table: HeldPeaks & { readonly perLock: PerLock; readonly lambdaPerLock: PerLock };
    readonly scan: HeldPeaks & { readonly perLock: PerLock; readonly lambdaPerLock: PerLock };
    readonly cli: { readonly maxRssMB: Stats; readonly perLock: PerLock };
    readonly sweepMs: Stats;
    /** The Lambda way's locks alerted by its delivered message, and the messages it published (plain node). */
    readonly alerted: number;
    readonly published: { readonly messages: number; readonly bytes: number };
  }[];
};

/**
 * One size of the held-lock figure: `reps` fresh-process runs of a table of `locks` locks, the Lambda's sweep
 * (kind `held`: every stale lock alerted by a published message) or the bare Scan.
 */
export async function heldLockRuns(
  childJs: string,
  endpoint: string,
  table: string,
  locks: number,
  nowMs: number,
  reps: number,
  nodeFlags: readonly string[] = [],
  kind: 'held' | 'held-table' | 'scan' = 'held',
): Promise<MemoryFigures & { readonly last: ChildSweep }> {
  const runs = await childSweeps(childJs, endpoint, table, nowMs, reps, kind, nodeFlags);
  // Half the fixture's locks are stale (heldLockItems): each is news on a first run, and alerted once delivered.
  const stale = Math.ceil(locks / 2);
  for (const r of runs) {
    if (kind === 'scan' && r.items !== locks)
      throw new Error(`the Scan child read ${r.items} items, expected ${locks}`);
    if (kind !== 'scan' && (r.locks !== locks || r.alerted !== stale || (stale > 0 && !r.published.messages)))
      throw new Error(
        `the sweep child saw ${r.locks} locks and alerted ${r.alerted} in ${r.published.messages} messages, expected ${locks} and ${stale}`,
      );
  }
  const of = (f: (r: ChildSweep) => number) => stats(runs.map(f));
  return {
    kind,
    items: locks,
    maxRssMB: of((r) => r.maxRssMB),
    peakHeapUsedMB: of((r) => r.peakHeapUsedMB),
    rssBeforeMB: of((r) => r.rssBeforeMB),
    sweepMs: of((r) => r.sweepMs),
    sweepCpuMs: of((r) => r.sweepCpuMs),
    last: runs[runs.length - 1],
  };
}
