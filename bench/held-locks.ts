// Benchmark: peak RSS per held lock: the Lambda's sweep, the bare Scan and the CLI over tables of only locks.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Scratch } from './child-bundle';
import { heldLockItems } from './fixture';
import { type HeldLockFigures, heldLockRuns, lambdaNodeFlags, type PerLock } from './memory';
import { CLI_JS, timedProcess, writeProcessScripts } from './process-ratio';
import { type Stats, stats } from './stats';
import { withSeededTable } from './tables';

/** The default function's memory (the stack's `memorySize`): the held-lock sweeps are also run as it runs them. */
export const LAMBDA_MEMORY_MB = 256;

/** Peak RSS of sweeps of tables holding only locks, against the same runs over an empty table. */
export async function heldLocks(
  scratch: Scratch,
  childJs: string,
  sizes: readonly number[],
  nowMs: number,
  reps: number,
): Promise<HeldLockFigures> {
  // Each table is swept by the child as the Lambda's run does it, with node as the bench runs it and as the Lambda
  // runtime starts it for a 256 MB function, with its memory in the process (MemoryStateStore) and kept out of it
  // (as the state table keeps it); then read by a bare Scan in the same two kinds of process; then swept by the
  // installed CLI (`sweep --json`, without a state table).
  const lambdaFlags = lambdaNodeFlags(LAMBDA_MEMORY_MB);
  const { peakRss } = await writeProcessScripts(scratch);
  const runs = async (locks: number) =>
    withSeededTable(`held-${locks}`, heldLockItems(locks, nowMs), async (t) => {
      const child = (flags: readonly string[], kind: 'held' | 'held-table' | 'scan') =>
        heldLockRuns(childJs, t.engine.endpoint, t.table, locks, nowMs, reps, flags, kind);
      const sweep = await child([], 'held');
      const lambdaSweep = await child(lambdaFlags, 'held');
      const table = await child([], 'held-table');
      const lambdaTable = await child(lambdaFlags, 'held-table');
      const scan = await child([], 'scan');
      const lambdaScan = await child(lambdaFlags, 'scan');
      return {
        sweep: { maxRssMB: sweep.maxRssMB, lambdaMaxRssMB: lambdaSweep.maxRssMB },
        table: { maxRssMB: table.maxRssMB, lambdaMaxRssMB: lambdaTable.maxRssMB },
        scan: { maxRssMB: scan.maxRssMB, lambdaMaxRssMB: lambdaScan.maxRssMB },
        cli: await cliHeldRuns(scratch, peakRss, t.engine.endpoint, t.table, locks, reps),
        sweepMs: sweep.sweepMs,
        alerted: sweep.last.alerted,
        published: sweep.last.published,
      };
    });
  const empty = await runs(0);
  const measured: { locks: number; r: Awaited<ReturnType<typeof runs>> }[] = [];
  for (const locks of sizes) measured.push({ locks, r: await runs(locks) });
  const perLock = (i: number, peak: (r: Awaited<ReturnType<typeof runs>>) => Stats): PerLock => {
    const { locks, r } = measured[i];
    const kb = ((peak(r).median - peak(empty).median) * 1024) / locks;
    if (i === 0) return { kb };
    const before = measured[i - 1];
    return { kb, slopeKb: ((peak(r).median - peak(before.r).median) * 1024) / (locks - before.locks) };
  };
  return {
    lambdaMB: LAMBDA_MEMORY_MB,
    empty: { sweep: empty.sweep, table: empty.table, scan: empty.scan, cliMaxRssMB: empty.cli },
    sizes: measured.map(({ locks, r }, i) => ({
      locks,
      sweep: {
        ...r.sweep,
        perLock: perLock(i, (x) => x.sweep.maxRssMB),
        lambdaPerLock: perLock(i, (x) => x.sweep.lambdaMaxRssMB),
      },
      table: {
        ...r.table,
        perLock: perLock(i, (x) => x.table.maxRssMB),
        lambdaPerLock: perLock(i, (x) => x.table.lambdaMaxRssMB),
      },
      scan: {
        ...r.scan,
        perLock: perLock(i, (x) => x.scan.maxRssMB),
        lambdaPerLock: perLock(i, (x) => x.scan.lambdaMaxRssMB),
      },
      cli: { maxRssMB: r.cli, perLock: perLock(i, (x) => x.cli) },
      sweepMs: r.sweepMs,
      alerted: r.alerted,
      published: r.published,
    })),
  };
}

/** Peak RSS of `reps` runs of the installed CLI's `sweep --json` over a table of `locks` locks (its report checked). */
async function cliHeldRuns(
  scratch: Scratch,
  peakRss: string,
  endpoint: string,
  table: string,
  locks: number,
  reps: number,
): Promise<Stats> {
  const policy = path.join(scratch.dir, `policy-${table}.json`);
  await writeFile(
    policy,
    JSON.stringify({
      mode: 'alert',
      tables: { include: [table] },
      rules: [{ name: 'default', match: {}, alertAfter: '4h', deleteAfter: '24h' }],
    }),
  );
  const peaks: number[] = [];
  for (let i = 0; i < reps; i++) {
    const args = [
      CLI_JS,
      'sweep',
      '--endpoint',
      endpoint,
      '--region',
      'us-east-1',
      '--policy',
      policy,
      '--json',
    ];
    const r = await timedProcess(peakRss, args);
    const report = JSON.parse(r.stdout) as { counts: { locks: number; errors: number } };
    if (report.counts.locks !== locks || report.counts.errors)
      throw new Error(
        `the CLI sweep saw ${report.counts.locks} of ${locks} locks, ${report.counts.errors} errors`,
      );
    peaks.push(r.peakRssMB);
  }
  return stats(peaks);
}
