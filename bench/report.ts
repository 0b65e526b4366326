// Benchmark: renders BENCHMARKS.md from one run.
import type { AccountFigures } from './account';
import type { AccountScaleFigures } from './account-scale';
import type { BundleComparison } from './bundle';
import type { CliStart } from './cli-start';
import type { ColdStartComparison } from './cold-run';
import type { CostLine } from './cost';
import type { Machine } from './machine';
import type { HeldLockFigures, MemoryFigures } from './memory';
import type { ProcessRatio } from './process-ratio';
import { cliStartRows, heldLockRows, ms, processRows, type Row, ratio, row, table } from './report-rows';
import { formatStats } from './stats';
import type { SweepVsScan } from './sweep-vs-scan';

/** Everything one `npm run bench` measured (written to bench/results/latest.json). */
export type BenchResults = {
  readonly machine: Machine;
  readonly config: Readonly<Record<string, number | readonly number[]>>;
  readonly benchSeconds: number;
  readonly cliStart: CliStart;
  /** dist/lambda-bundle/index.js as `npm run build` ships it. */
  readonly shippedBundleKb: number;
  readonly bundles: BundleComparison;
  /** Init and first invocation of the handler against a minimal handler's, over an account without lock tables. */
  readonly coldStart: ColdStartComparison;
  readonly big: {
    readonly seedMs: number;
    readonly processes: ProcessRatio;
    readonly sweepVsScan: SweepVsScan;
    readonly memory: MemoryFigures;
    readonly scanMemory: MemoryFigures;
  };
  readonly small: {
    readonly processes: ProcessRatio;
    readonly memory: MemoryFigures;
    readonly scanMemory: MemoryFigures;
  };
  readonly account: AccountFigures;
  readonly held: HeldLockFigures;
  readonly accountScale: AccountScaleFigures;
};

const MEMORY_TARGET_MB = 150;
/** "Flat": the sweep's peak RSS grows by at most this share from the small table to the big one. */
const FLAT_SHARE = 0.2;
const BUNDLE_TARGET_KB = 450;
/** janitor / floor at account scale: the whole account, and 100 tables (issue #24). */
const ACCOUNT_TARGET = 1.3;
const HUNDRED_TABLES_TARGET = 1.5;
/** Cold start: the handler's init and first invocation against a minimal handler's (issue #24). */
const COLD_START_TARGET = 1.5;
const COST_TARGET_USD = 2.0;

const usd = (lines: readonly CostLine[]) => lines.reduce((sum, l) => sum + l.usdPerMonth, 0);

/** The results table (Markdown), the same one BENCHMARKS.md shows, then the cost arithmetic. */
export function renderSummary(r: BenchResults): string {
  const m = r.machine;
  const cost = [...r.account.cost.lines, ...r.account.cost.fixed];
  return [
    `${m.date}: ${m.cpus} × ${m.cpuModel}, ${m.memory} RAM, Node ${m.node}, load ${m.loadAverage}; bench took ${r.benchSeconds.toFixed(0)} s`,
    '',
    table(
      ['Figure', 'Measured', 'Target', 'Result'],
      [
        ...accountScaleRows(r.accountScale),
        ...processRows(r.big.processes, r.small.processes),
        ...speedRows(r.big.sweepVsScan),
        ...heldLockRows(r.held),
        ...memoryRows(r),
        ...bundleRows(r),
        ...cliStartRows(r.cliStart),
        ...accountRows(r),
      ],
    ),
    '',
    table(
      ['Cost item', 'Arithmetic', '$/month'],
      [
        ...cost.map((l) => [l.item, l.arithmetic, l.usdPerMonth.toFixed(4)]),
        ['**Total, default deployment**', '', `**${usd(cost).toFixed(2)}**`],
        ...r.account.cost.optIn.map((l) => [
          `opt-in: ${l.item}`,
          l.arithmetic,
          `+${l.usdPerMonth.toFixed(2)}`,
        ]),
      ],
    ),
  ].join('\n');
}

function speedRows(s: SweepVsScan): Row[] {
  const vsScan = (wallMs: number) => `${ms(wallMs)} (${(wallMs / s.scan.median).toFixed(2)}× Scan)`;
  return [
    row(
      `in-process sweep / floor Scan (projected, filtered), ${s.items} items, one client (median of ${s.ratio.n} pairs)`,
      ratio(s.ratio),
    ),
    row('  floor Scan', formatStats(s.scan, 'ms')),
    row('  sweep (mode alert)', formatStats(s.sweep, 'ms')),
    row(
      '  discovery calls (DescribeTable, and ListTagsOfResource beside the first Scan page)',
      formatStats(s.discovery, 'ms'),
    ),
    row(
      '  client CPU: Scan / sweep',
      `${s.scanClientCpu.median.toFixed(0)} / ${ms(s.sweepClientCpu.median)}`,
    ),
    row(
      '  engine CPU: Scan / sweep',
      `${s.scanEngineCpu.median.toFixed(0)} / ${ms(s.sweepEngineCpu.median)}`,
    ),
    row(`  sweep (mode delete, ${s.deleteRun.deleted} conditional deletes)`, vsScan(s.deleteRun.wallMs)),
    row(`  sweep with the state table (${s.locks} sightings written)`, vsScan(s.stateTableRun.wallMs)),
  ];
}

function memoryRows(r: BenchResults): Row[] {
  const [big, small] = [r.big.memory, r.small.memory];
  const growth = big.maxRssMB.median - small.maxRssMB.median;
  const share = growth / small.maxRssMB.median;
  const scanGrowth = r.big.scanMemory.maxRssMB.median - r.small.scanMemory.maxRssMB.median;
  const target = `≤ ${MEMORY_TARGET_MB} MB`;
  return [
    row(
      `peak RSS of a sweep, ${small.items} items`,
      formatStats(small.maxRssMB, 'MB', 1),
      target,
      small.maxRssMB.median <= MEMORY_TARGET_MB,
    ),
    row(
      `peak RSS of a sweep, ${big.items} items`,
      formatStats(big.maxRssMB, 'MB', 1),
      target,
      big.maxRssMB.median <= MEMORY_TARGET_MB,
    ),
    row(
      `  growth ${small.items} → ${big.items} items (a floor Scan alone grows by)`,
      `+${growth.toFixed(1)} MB, ${(share * 100).toFixed(0)} % (+${scanGrowth.toFixed(1)} MB)`,
      `≤ ${FLAT_SHARE * 100} %`,
      share <= FLAT_SHARE,
    ),
    row(
      '  peak heapUsed (sampled), small / big',
      `${small.peakHeapUsedMB.median.toFixed(1)} / ${big.peakHeapUsedMB.median.toFixed(1)} MB`,
    ),
  ];
}

function bundleRows(r: BenchResults): Row[] {
  const { handler, bareSdk } = r.bundles;
  const size = (b: typeof handler) => `${b.kb.toFixed(0)} KB (gzip ${b.gzipKb.toFixed(0)} KB)`;
  return [
    row(
      'handler bundle (minified)',
      size(handler),
      `≤ ${BUNDLE_TARGET_KB} KB`,
      handler.kb <= BUNDLE_TARGET_KB,
    ),
    row('  as shipped in the package (dist/lambda-bundle/index.js)', `${r.shippedBundleKb.toFixed(0)} KB`),
    row('  bare SDK clients bundle', size(bareSdk)),
    row(
      'cold start: require of the handler bundle / of a minimal handler (the bare SDK clients bundle)',
      `${handler.initMs.median.toFixed(0)} / ${ms(bareSdk.initMs.median)} = ${(handler.initMs.median / bareSdk.initMs.median).toFixed(2)}`,
      `≤ ${COLD_START_TARGET}`,
      handler.initMs.median / bareSdk.initMs.median <= COLD_START_TARGET,
    ),
    row(
      '  with --enable-source-maps (as deployed)',
      `${handler.initWithSourceMapsMs.median.toFixed(0)} / ${ms(bareSdk.initWithSourceMapsMs.median)}`,
    ),
    ...coldStartRows(r.coldStart),
  ];
}

/** Init + first invocation over an account without lock tables, janitor against bench/minimal-handler.ts. */
function coldStartRows(c: ColdStartComparison): Row[] {
  const both = (s: ColdStartComparison['janitor']) =>
    `${ms(s.initMs.median)} + ${ms(s.invokeMs.median)} = ${formatStats(s.totalMs, 'ms')}`;
  return [
    row(
      `cold start: init + first invocation of the handler / of a minimal handler (same requests), ${c.reps} pairs`,
      `${formatStats(c.ratio, '×', 2)} pair by pair; medians ${(c.janitor.totalMs.median / c.minimal.totalMs.median).toFixed(2)}`,
      `≤ ${COLD_START_TARGET}`,
      c.ratio.median <= COLD_START_TARGET,
    ),
    row('  the handler: init + first invocation', both(c.janitor)),
    row('  the minimal handler (bare SDK clients)', both(c.minimal)),
  ];
}

function accountRows(r: BenchResults): Row[] {
  const { cold, cost } = r.account;
  const total = usd([...cost.lines, ...cost.fixed]);
  return [
    row(
      `cold run of the bundled handler, ${r.account.items} items`,
      `init ${ms(cold.initMs.median)} + invoke ${ms(cold.invokeMs.median)}, ${cold.maxRssMB.median.toFixed(0)} MB peak RSS`,
    ),
    row(
      `monthly cost of the default deployment, ${r.account.states} states, every 15 min`,
      `$${total.toFixed(2)} ($${usd(cost.lines).toFixed(2)} usage + $${usd(cost.fixed).toFixed(2)} fixed)`,
      `≤ $${COST_TARGET_USD.toFixed(2)}`,
      total <= COST_TARGET_USD,
    ),
  ];
}

function accountScaleRows(a: AccountScaleFigures): Row[] {
  const rtt = Object.entries(a.rttMs)
    .map(([region, ms]) => `${region} ${ms} ms`)
    .join(', ');
  return a.scenarios.flatMap((s) => {
    const all = s.buckets > 0;
    const target = all ? ACCOUNT_TARGET : HUNDRED_TABLES_TARGET;
    const requests = (counts: Record<string, number>) => Object.values(counts).reduce((n, c) => n + c, 0);
    return [
      row(
        `account scale: janitor / floor, ${s.tables} tables${all ? ` + ${s.buckets} buckets (${s.objects} objects)` : ''}, 3 regions (${rtt}); median of ${s.ratio.n} pairs`,
        ratio(s.ratio),
        `≤ ${target}`,
        s.ratio.median <= target,
      ),
      row(
        '  janitor (CLI sweep process) / floor process',
        `${ms(s.janitor.median)} (${ms(s.janitor.min)}–${ms(s.janitor.max)}) / ${ms(s.floor.median)} (${ms(s.floor.min)}–${ms(s.floor.max)})`,
      ),
      row(
        '  requests sent: janitor / floor; janitor peak RSS',
        `${requests(s.janitorRequests)} / ${requests(s.floorRequests)}; ${s.janitorPeakRssMB.median.toFixed(0)} MB`,
      ),
    ];
  });
}
