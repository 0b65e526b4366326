// Benchmark: the CLI's sweep against a bare Scan, each a fresh node process (start, discovery and exit included).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DescribeTableCommand, ListTagsOfResourceCommand } from '@aws-sdk/client-dynamodb';
import type { Scratch } from './child-bundle';
import { type Stats, since, stats } from './stats';
import type { SeededTable } from './tables';

const ROOT = path.join(__dirname, '..');
/** The installed CLI's entry, compiled by `npm run build`. */
export const CLI_JS = path.join(ROOT, 'dist', 'bin', 'main.js');

/**
 * The fair floor of a sweep: load the SDK, one discovery round trip (DescribeTable), then a paginated consistent
 * Scan with the sweep's projection and digest filter (the server reads every item and returns the locks), items
 * counted from ScannedCount. Args: SDK module path, endpoint, table.
 */
const BARE_SCAN_JS = `
const { DynamoDBClient, DescribeTableCommand, ScanCommand } = require(process.argv[2]);
const client = new DynamoDBClient({ endpoint: process.argv[3], region: 'us-east-1',
  credentials: { accessKeyId: 'bench', secretAccessKey: 'bench' } });
const TableName = process.argv[4];
(async () => {
  await client.send(new DescribeTableCommand({ TableName }));
  let items = 0, start;
  do {
    const page = await client.send(new ScanCommand({ TableName, ConsistentRead: true, ExclusiveStartKey: start,
      ProjectionExpression: '#k, #i, #d', ExpressionAttributeNames: { '#k': 'LockID', '#i': 'Info', '#d': 'Digest' },
      FilterExpression: 'attribute_exists(#i) OR attribute_not_exists(#d)' }));
    items += page.ScannedCount;
    start = page.LastEvaluatedKey;
  } while (start);
  process.stdout.write(JSON.stringify({ items }));
})();
`;

/** Preloaded into both processes: their peak RSS, written to fd 3 at exit. */
const PEAK_RSS_JS = `process.on('exit', () => require('node:fs').writeSync(3, String(process.resourceUsage().maxRSS)));`;

export type ProcessRatio = {
  readonly items: number;
  readonly scan: Stats;
  readonly sweep: Stats;
  /** Per pair, run back to back: sweep / scan. */
  readonly ratio: Stats;
  /** The CLI's first run (no code cache yet), run beside each pair: its time and its ratio to the pair's scan. */
  readonly sweepNoCache: Stats;
  readonly ratioNoCache: Stats;
  /**
   * The wall time of one ListTagsOfResource of the table on this engine (bounded to the table's tags, as
   * DynamoDB answers it: see bin/demo/local-dynamo.ts). The sweep sends it alongside its first Scan page.
   */
  readonly dynaliteTagRead: Stats;
  readonly scanPeakRssMB: Stats;
  readonly sweepPeakRssMB: Stats;
};

type Run = { readonly wallMs: number; readonly peakRssMB: number; readonly stdout: string };

/** The scripts both kinds of process need, written once to the scratch directory. */
export async function writeProcessScripts(scratch: Scratch): Promise<{ bareScan: string; peakRss: string }> {
  const bareScan = path.join(scratch.dir, 'bare-scan.cjs');
  const peakRss = path.join(scratch.dir, 'peak-rss.cjs');
  await writeFile(bareScan, BARE_SCAN_JS);
  await writeFile(peakRss, PEAK_RSS_JS);
  return { bareScan, peakRss };
}

/**
 * `tf-lock-janitor sweep` (mode alert: reads, judges, prints, never writes; no state table) against the fair
 * floor script (DescribeTable, then the sweep's projected, filtered Scan) of the same table, alternating which goes first, after one discarded warm-up pair.
 */
export async function processRatio(scratch: Scratch, t: SeededTable, reps: number): Promise<ProcessRatio> {
  const scripts = await writeProcessScripts(scratch);
  const policy = path.join(scratch.dir, `policy-${t.table}.json`);
  await writeFile(
    policy,
    JSON.stringify({
      mode: 'alert',
      tables: { include: [t.table] },
      rules: [{ name: 'default', match: {}, alertAfter: '4h', deleteAfter: '24h' }],
      minSightings: 1,
      maxDeletionsPerRun: 10_000,
    }),
  );
  const sdk = require.resolve('@aws-sdk/client-dynamodb');
  const scan = async () => {
    const r = await timedProcess(scripts.peakRss, [scripts.bareScan, sdk, t.engine.endpoint, t.table]);
    const { items } = JSON.parse(r.stdout) as { items: number };
    if (items !== t.items) throw new Error(`the bare scan read ${items} items, expected ${t.items}`);
    return r;
  };
  const sweep = async (env: Readonly<Record<string, string>> = {}) => {
    const args = [CLI_JS, 'sweep', '--endpoint', t.engine.endpoint, '--region', 'us-east-1'];
    const r = await timedProcess(scripts.peakRss, [...args, '--policy', policy, '--json'], env);
    const report = JSON.parse(r.stdout) as { tables: { items: number }[]; counts: { errors: number } };
    const read = report.tables.reduce((n, table) => n + table.items, 0);
    if (read !== t.items || report.counts.errors) {
      throw new Error(`the CLI sweep read ${read} of ${t.items} items with ${report.counts.errors} errors`);
    }
    return r;
  };
  await scan();
  await sweep();
  const scans: Run[] = [];
  const sweeps: Run[] = [];
  const firstRuns: Run[] = [];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      scans.push(await scan());
      sweeps.push(await sweep());
      firstRuns.push(await sweep(NO_CODE_CACHE));
    } else {
      firstRuns.push(await sweep(NO_CODE_CACHE));
      sweeps.push(await sweep());
      scans.push(await scan());
    }
  }
  const of = (runs: Run[], f: (r: Run) => number) => stats(runs.map(f));
  const tagRead = await tagReads(t, reps);
  return {
    items: t.items,
    scan: of(scans, (r) => r.wallMs),
    sweep: of(sweeps, (r) => r.wallMs),
    ratio: stats(sweeps.map((r, i) => r.wallMs / scans[i].wallMs)),
    sweepNoCache: of(firstRuns, (r) => r.wallMs),
    ratioNoCache: stats(firstRuns.map((r, i) => r.wallMs / scans[i].wallMs)),
    dynaliteTagRead: tagRead,
    scanPeakRssMB: of(scans, (r) => r.peakRssMB),
    sweepPeakRssMB: of(sweeps, (r) => r.peakRssMB),
  };
}

/** `reps` times one ListTagsOfResource of the table, as the sweep sends it. */
async function tagReads(t: SeededTable, reps: number): Promise<Stats> {
  const { Table } = await t.client.send(new DescribeTableCommand({ TableName: t.table }));
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await t.client.send(new ListTagsOfResourceCommand({ ResourceArn: Table?.TableArn }));
    times.push(since(t0));
  }
  return stats(times);
}

/**
 * The CLI without its code cache (bin/code-cache.ts): what its first run after an install or an upgrade costs.
 * With it, the CLI runs as every later run does: the cache kept in the scratch directory by the warm-up run.
 */
export const NO_CODE_CACHE = { NODE_DISABLE_COMPILE_CACHE: '1' } as const;

/**
 * Runs `node --require <peakRss> ...args` from spawn to exit; exits other than 0 or 1 (errors found) throw. The
 * CLI keeps its code cache beside the script `peakRss` (the bench's scratch directory), never in the user's.
 */
export async function timedProcess(
  peakRss: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, ['--require', peakRss, ...args], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_EC2_METADATA_DISABLED: 'true',
      XDG_CACHE_HOME: path.join(path.dirname(peakRss), 'xdg-cache'),
      ...env,
    },
  });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  let rss = '';
  child.stdout!.on('data', (c: Buffer) => out.push(c));
  child.stderr!.on('data', (c: Buffer) => err.push(c));
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (c: Buffer) => {
    rss += c.toString();
  });
  const [code] = (await once(child, 'close')) as [number];
  const wallMs = since(t0);
  if (code !== 0 && code !== 1) {
    throw new Error(`node ${args.join(' ')} exited with ${code}: ${Buffer.concat(err).toString()}`);
  }
  // ru_maxrss is in kilobytes on Linux.
  return { wallMs, peakRssMB: Number(rss) / 1024, stdout: Buffer.concat(out).toString() };
}
