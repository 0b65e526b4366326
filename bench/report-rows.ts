// Benchmark: Markdown rows of the results table, and the rows of the process-level figures.
import type { CliStart } from './cli-start';
import type { HeldLockFigures, PerLock } from './memory';
import type { ProcessRatio } from './process-ratio';
import { formatStats } from './stats';

/** Single table: the sweep against the fair floor plus one discovery round trip (issue #24). */
const RATIO_TARGET = 1.1;
const CLI_START_TARGET = 1.5;
/** Memory flat in locks (issue #24): peak RSS per held lock at 10k and 60k, and 100k locks in the default function. */
const KB_PER_LOCK_TARGET = 1;
const LAMBDA_MB = 256;

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
        `single table: CLI sweep (as every run after its first: its code cache kept) / fair floor (DescribeTable + the sweep's projected, filtered Scan), processes, ${p.items} items (median of ${p.ratio.n} pairs)`,
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
        "  the CLI's first run (no code cache yet, or NODE_DISABLE_COMPILE_CACHE=1) / the same floor",
        `${ratio(p.ratioNoCache)}: ${ms(p.sweepNoCache.median)}`,
      ),
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
      "  the CLI's first run (no code cache yet, or NODE_DISABLE_COMPILE_CACHE=1) / the same node",
      `${ms(c.listNoCache.median)} / ${ms(c.sdkCall.median)} = ${ratio(c.ratioNoCache)}`,
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

/** `0.62 KB (slope from the size before 0.41 KB)`: per held lock against the empty table, and between sizes. */
function perLockText(p: PerLock, peakMB: number): string {
  const slope = p.slopeKb === undefined ? '' : `; slope from the size before ${p.slopeKb.toFixed(2)} KB`;
  return `${p.kb.toFixed(2)} KB (${peakMB.toFixed(1)} MB peak${slope})`;
}

/**
 * Peak RSS per held lock: the Lambda's sweep (judged), as node runs it and as the Lambda runtime starts it, the
 * bare Scan of the same table in the same two kinds of process, and the CLI's `sweep --json`.
 */
export function heldLockRows(h: HeldLockFigures): Row[] {
  const lambda = `node as the Lambda runtime starts a ${h.lambdaMB} MB function`;
  const e = h.empty;
  return h.sizes.flatMap((s) => {
    const judged = s.locks === 10_000 || s.locks === 60_000;
    return [
      row(
        `peak RSS per held lock, ${s.locks} locks, the Lambda's sweep (first run: ${s.alerted} stale locks alerted in ${s.published.messages} published messages; an empty table's: ${e.sweep.maxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.sweep.perLock, s.sweep.maxRssMB.median),
        judged ? `≤ ${KB_PER_LOCK_TARGET} KB` : '',
        judged ? s.sweep.perLock.kb <= KB_PER_LOCK_TARGET : undefined,
      ),
      row(
        `  ${lambda} (empty table: ${e.sweep.lambdaMaxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.sweep.lambdaPerLock, s.sweep.lambdaMaxRssMB.median),
      ),
      ...(s.locks !== 100_000
        ? []
        : [
            row(
              `  peak RSS, ${lambda}`,
              formatStats(s.sweep.lambdaMaxRssMB, 'MB', 1),
              `≤ ${LAMBDA_MB} MB`,
              s.sweep.lambdaMaxRssMB.median <= LAMBDA_MB,
            ),
          ]),
      row(
        `  the same sweep, its memory kept out of the process as the state table keeps it (empty table: ${e.table.maxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.table.perLock, s.table.maxRssMB.median),
      ),
      row(
        `  the same, ${lambda} (empty table: ${e.table.lambdaMaxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.table.lambdaPerLock, s.table.lambdaMaxRssMB.median),
      ),
      row(
        `  the bare Scan of the same table, plain node (empty table: ${e.scan.maxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.scan.perLock, s.scan.maxRssMB.median),
      ),
      row(
        `  the bare Scan, ${lambda} (empty table: ${e.scan.lambdaMaxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.scan.lambdaPerLock, s.scan.lambdaMaxRssMB.median),
      ),
      row(
        `  the CLI, \`sweep --json\`, every line written as decided (empty table: ${e.cliMaxRssMB.median.toFixed(1)} MB)`,
        perLockText(s.cli.perLock, s.cli.maxRssMB.median),
      ),
    ];
  });
}
