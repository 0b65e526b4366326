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
export type ChildKind = 'sweep' | 'scan' | 'held';

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

/** Peak RSS per lock the sweep holds: tables of only locks, against a sweep of an empty table. */
export type HeldLockFigures = {
  readonly emptyMaxRssMB: Stats;
  /** The same, node started as the Lambda runtime starts a function of `lambdaMB` (see `lambdaNodeFlags`). */
  readonly lambdaMB: number;
  readonly lambdaEmptyMaxRssMB: Stats;
  /** The installed CLI's `sweep --json` over the same tables (no state table). */
  readonly cliEmptyMaxRssMB: Stats;
  readonly sizes: readonly {
    readonly locks: number;
    readonly maxRssMB: Stats;
    /** (peak RSS − the empty table's) / locks, in KB. */
    readonly kbPerLock: number;
    readonly sweepMs: Stats;
    readonly lambdaMaxRssMB: Stats;
    readonly lambdaKbPerLock: number;
    readonly cliMaxRssMB: Stats;
    readonly cliKbPerLock: number;
  }[];
};

/** One size of the held-lock figure: `reps` fresh-process sweeps (kind `held`) of a table of `locks` locks. */
export async function heldLockRuns(
  childJs: string,
  endpoint: string,
  table: string,
  locks: number,
  nowMs: number,
  reps: number,
  nodeFlags: readonly string[] = [],
): Promise<MemoryFigures> {
  const runs = await childSweeps(childJs, endpoint, table, nowMs, reps, 'held', nodeFlags);
  for (const r of runs)
    if (r.locks !== locks) throw new Error(`the sweep child saw ${r.locks} locks, expected ${locks}`);
  const of = (f: (r: ChildSweep) => number) => stats(runs.map(f));
  return {
    kind: 'held',
    items: locks,
    maxRssMB: of((r) => r.maxRssMB),
    peakHeapUsedMB: of((r) => r.peakHeapUsedMB),
    rssBeforeMB: of((r) => r.rssBeforeMB),
    sweepMs: of((r) => r.sweepMs),
    sweepCpuMs: of((r) => r.sweepCpuMs),
  };
}
