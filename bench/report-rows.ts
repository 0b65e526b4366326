// Benchmark: Markdown rows of the results table, and the rows of the process-level figures.
import type { CliStart } from './cli-start';
import type { ProcessRatio } from './process-ratio';

const RATIO_TARGET = 1.0;
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

/** The headline: `tf-lock-janitor sweep` and a bare Scan script, each a fresh node process. */
export function processRows(bigTable: ProcessRatio, smallTable: ProcessRatio): Row[] {
  const rows: Row[] = [];
  for (const p of [bigTable, smallTable]) {
    const big = p === bigTable;
    rows.push(
      row(
        `CLI sweep / bare Scan, processes, ${p.items} items (start, discovery, exit; median of ${p.ratio.n} pairs)`,
        ratio(p.ratio),
        big ? `≤ ${RATIO_TARGET}` : '',
        big ? p.ratio.median <= RATIO_TARGET : undefined,
      ),
      row(
        "  dynalite's ListTagsOfResource alone (it walks every item it holds; the sweep sends it beside its first Scan page)",
        ms(p.dynaliteTagRead.median),
      ),
      row('  bare Scan process / CLI sweep process', `${ms(p.scan.median)} / ${ms(p.sweep.median)}`),
      row(
        '  peak RSS: bare Scan process / CLI sweep process',
        `${p.scanPeakRssMB.median.toFixed(1)} / ${p.sweepPeakRssMB.median.toFixed(1)} MB`,
      ),
    );
  }
  return rows;
}

export function cliStartRows(c: CliStart): Row[] {
  return [
    row(
      'CLI start: `tf-lock-janitor --version` / node loading @aws-sdk/client-dynamodb',
      `${ms(c.version.median)} / ${ms(c.sdkLoad.median)} = ${ratio(c.ratio)}`,
      `≤ ${CLI_START_TARGET}`,
      c.ratio.median <= CLI_START_TARGET,
    ),
    row(
      '  `--help` / the development entry (tsx) `--version`',
      `${ms(c.help.median)} / ${ms(c.devEntry.median)}`,
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
