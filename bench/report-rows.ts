// Benchmark: Markdown rows of the results table, and the rows of the process-level figures.
import type { CliStart } from './cli-start';
import type { ProcessRatio } from './process-ratio';

/** Single table: the sweep against the fair floor plus one discovery round trip (issue #24). */
const RATIO_TARGET = 1.1;
const CLI_START_TARGET = 1.5;

export type Row = readonly [figure: string, measured: string, target: string, result: string];

/** A row; with a target, `ok` says whether the figure meets it. */
export const row = (figure: string, measured: string, target = '', ok?: boolean): Row => [
  figure,
  measured,
  target,
  ok === undefined ? '' : ok ? 'pass' : '**fail**',
];
export const ms = (v: number) => `${v.toFixed(0)} ms`;

/** The headline: `tf-lock-janitor sweep` and the fair floor script, each a fresh node process. */
export function processRows(bigTable: ProcessRatio, smallTable: ProcessRatio): Row[] {
  const rows: Row[] = [];
  for (const p of [bigTable, smallTable]) {
    const big = p === bigTable;
    rows.push(
      row(
        `single table: CLI sweep / fair floor (DescribeTable + the sweep's projected, filtered Scan), processes, ${p.items} items (median of ${p.ratio.n} pairs)`,
        ratio(p.ratio),
        big ? `≤ ${RATIO_TARGET}` : '',
        big ? p.ratio.median <= RATIO_TARGET : undefined,
      ),
      row(
        "  ListTagsOfResource alone (dynalite bounded to the table's tags, as DynamoDB answers it; sent beside the first Scan page)",
        ms(p.dynaliteTagRead.median),
      ),
      row('  floor process / CLI sweep process', `${ms(p.scan.median)} / ${ms(p.sweep.median)}`),
      row(
        '  peak RSS: floor process / CLI sweep process',
        `${p.scanPeakRssMB.median.toFixed(1)} / ${p.sweepPeakRssMB.median.toFixed(1)} MB`,
      ),
    );
  }
  return rows;
}

export function cliStartRows(c: CliStart): Row[] {
  return [
    row(
      'CLI start: `tf-lock-janitor list` (one DescribeTable) / node loading the DynamoDB client and sending it',
      `${ms(c.list.median)} / ${ms(c.sdkCall.median)} = ${ratio(c.ratio)}`,
      `≤ ${CLI_START_TARGET}`,
      c.ratio.median <= CLI_START_TARGET,
    ),
    row(
      '  with buckets in the policy (S3 client loaded, one ListBuckets more) / node doing the same',
      `${ms(c.listBuckets.median)} / ${ms(c.sdkCallBuckets.median)} = ${ratio(c.ratioBuckets)}`,
    ),
    row(
      '  `--version` (no AWS client loaded) / the development entry (tsx) `--version`',
      `${ms(c.version.median)} / ${ms(c.devEntry.median)}`,
    ),
  ];
}

export function ratio(s: { median: number; min: number; max: number }): string {
  return `${s.median.toFixed(2)} (${s.min.toFixed(2)}–${s.max.toFixed(2)})`;
}

export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
