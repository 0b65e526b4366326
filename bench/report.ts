// Benchmark: renders BENCHMARKS.md from one run.
import type { AccountFigures } from './account';
import type { BundleComparison } from './bundle';
import type { CostLine } from './cost';
import type { Machine } from './machine';
import type { MemoryFigures } from './memory';
import { formatStats } from './stats';
import type { SweepVsScan } from './sweep-vs-scan';

/** Everything one `npm run bench` measured (written to bench/results/latest.json). */
export type BenchResults = {
  readonly machine: Machine;
  readonly config: Readonly<Record<string, number>>;
  readonly benchSeconds: number;
  readonly bundles: BundleComparison;
  readonly big: {
    readonly seedMs: number;
    readonly sweepVsScan: SweepVsScan;
    readonly memory: MemoryFigures;
    readonly scanMemory: MemoryFigures;
  };
  readonly small: { readonly memory: MemoryFigures; readonly scanMemory: MemoryFigures };
  readonly account: AccountFigures;
};

const RATIO_TARGET = 1.2;
const MEMORY_TARGET_MB = 150;
const BUNDLE_TARGET_KB = 450;
/** "Flat": what the sweep adds over a bare Scan grows by less than this from the small to the big table. */
const FLAT_MB = 10;

type Row = readonly [figure: string, measured: string, target: string, result: string];

/** A row; with a target, `ok` says whether the figure meets it. */
const row = (figure: string, measured: string, target = '', ok?: boolean): Row => [
  figure,
  measured,
  target,
  ok === undefined ? '' : ok ? 'pass' : '**fail**',
];
const usd = (lines: readonly CostLine[]) => lines.reduce((sum, l) => sum + l.usdPerMonth, 0);
const ms = (v: number) => `${v.toFixed(0)} ms`;

/** The results table (Markdown), the same one BENCHMARKS.md shows, then the cost arithmetic. */
export function renderSummary(r: BenchResults): string {
  const m = r.machine;
  const cost = [...r.account.cost.lines, ...r.account.cost.fixed];
  return [
    `${m.date}: ${m.cpus} × ${m.cpuModel}, ${m.memory} RAM, Node ${m.node}, load ${m.loadAverage}; bench took ${r.benchSeconds.toFixed(0)} s`,
    '',
    table(
      ['Figure', 'Measured', 'Target', 'Result'],
      [...speedRows(r.big.sweepVsScan), ...memoryRows(r), ...bundleRows(r), ...accountRows(r)],
    ),
    '',
    table(
      ['Cost item', 'Arithmetic', '$/month'],
      cost.map((l) => [l.item, l.arithmetic, l.usdPerMonth.toFixed(4)]),
    ),
  ].join('\n');
}

function speedRows(s: SweepVsScan): Row[] {
  const target = `≤ ${RATIO_TARGET}`;
  const vsScan = (wallMs: number) => `${ms(wallMs)} (${(wallMs / s.scan.median).toFixed(2)}× Scan)`;
  return [
    row(
      `sweep / bare Scan, ${s.items} items (median of ${s.ratio.n} pairs)`,
      ratio(s.ratio),
      target,
      s.ratio.median <= RATIO_TARGET,
    ),
    row(
      '  same, discovery left out (dynalite walks every item for ListTables/ListTags)',
      ratio(s.ratioWithoutDiscovery),
      target,
      s.ratioWithoutDiscovery.median <= RATIO_TARGET,
    ),
    row('  bare Scan', formatStats(s.scan, 'ms')),
    row('  sweep (mode alert)', formatStats(s.sweep, 'ms')),
    row('  of which discovery', formatStats(s.discovery, 'ms')),
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
      '  growth (a bare Scan alone grows by)',
      `+${growth.toFixed(1)} MB (+${scanGrowth.toFixed(1)} MB)`,
      `sweep's own < ${FLAT_MB} MB`,
      growth - scanGrowth < FLAT_MB,
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
    row('  bare SDK clients bundle', size(bareSdk)),
    row(
      'cold require: handler / bare SDK',
      `${handler.initMs.median.toFixed(0)} / ${ms(bareSdk.initMs.median)}`,
    ),
    row(
      '  with --enable-source-maps (as deployed)',
      `${handler.initWithSourceMapsMs.median.toFixed(0)} / ${ms(bareSdk.initWithSourceMapsMs.median)}`,
    ),
  ];
}

function accountRows(r: BenchResults): Row[] {
  const { cold, cost } = r.account;
  return [
    row(
      `cold run of the bundled handler, ${r.account.items} items`,
      `init ${ms(cold.initMs.median)} + invoke ${ms(cold.invokeMs.median)}, ${cold.maxRssMB.median.toFixed(0)} MB peak RSS`,
    ),
    row(
      `monthly cost, ${r.account.states} states, every 15 min`,
      `$${usd(cost.lines).toFixed(2)} + $${usd(cost.fixed).toFixed(2)} fixed`,
    ),
  ];
}

function ratio(s: { median: number; min: number; max: number }): string {
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
