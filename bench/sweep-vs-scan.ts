// Benchmark: the sweep against a bare Scan of the same table.
import { type DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { NOT_A_DIGEST, PROJECTION } from '../lambda/adapters/dynamo-scan';
import { DynamoStateStore } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RunReport } from '../lambda/core/report';
import type { EngineProcess } from './engine';
import { createStateTable, putItems } from './fixture';
import { type Stats, since, stats } from './stats';
import { type BenchSweep, benchSweep } from './sweep-run';

/** One timed run: wall, this process's CPU and the engine process's CPU, in milliseconds. */
type Timing = { readonly wallMs: number; readonly clientCpuMs: number; readonly engineCpuMs: number };

export type SweepVsScan = {
  readonly items: number;
  readonly locks: number;
  readonly stale: number;
  readonly scan: Stats;
  readonly sweep: Stats;
  /** The wall time of the sweep's DescribeTable and ListTagsOfResource (O(items) in dynalite; it overlaps the Scan). */
  readonly discovery: Stats;
  /** Per pair (run back to back): sweep / scan. */
  readonly ratio: Stats;
  readonly scanClientCpu: Stats;
  readonly sweepClientCpu: Stats;
  readonly scanEngineCpu: Stats;
  readonly sweepEngineCpu: Stats;
  /** One `delete` sweep: every stale lock deleted by a conditional DeleteItem, one at a time. */
  readonly deleteRun: { readonly wallMs: number; readonly deleted: number; readonly discoveryMs: number };
  /** One `alert` sweep with the DynamoDB state table (one conditional UpdateItem per lock) instead of memory. */
  readonly stateTableRun: { readonly wallMs: number; readonly discoveryMs: number };
};

/**
 * The floor of any sweep: a paginated, consistent Scan of the whole table with the sweep's projection and digest
 * filter (`PROJECTION`, `NOT_A_DIGEST`), items counted from ScannedCount and dropped.
 */
export async function bareScan(client: DynamoDBClient, table: string): Promise<number> {
  let items = 0;
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        ConsistentRead: true,
        ExclusiveStartKey: start,
        ...PROJECTION,
        FilterExpression: NOT_A_DIGEST,
      }),
    );
    items += page.ScannedCount ?? 0;
    start = page.LastEvaluatedKey as typeof start;
  } while (start);
  return items;
}

/**
 * Times a bare Scan and an `alert` sweep (reads, judges, logs, never writes) back to back `reps` times,
 * alternating which goes first, after one discarded warm-up pair. Then one `delete` sweep, after which the
 * deleted locks are put back byte for byte from its audit records, and one sweep with a state table.
 */
export async function sweepVsScan(
  client: DynamoDBClient,
  engine: EngineProcess,
  table: string,
  items: number,
  nowMs: number,
  reps: number,
): Promise<SweepVsScan> {
  const scan = async () => {
    const [n, t] = await timed(engine, () => bareScan(client, table));
    if (n !== items) throw new Error(`the bare scan read ${n} items, expected ${items}`);
    return t;
  };
  const alertSweep = async () => {
    const [run, t] = await timed(engine, () => benchSweep(client, table, 'alert', nowMs));
    return { ...t, ...checked(run, items) };
  };
  await scan();
  await alertSweep();
  const scans: Timing[] = [];
  const sweeps: (Timing & BenchSweep)[] = [];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      scans.push(await scan());
      sweeps.push(await alertSweep());
    } else {
      sweeps.push(await alertSweep());
      scans.push(await scan());
    }
  }
  const last = sweeps[sweeps.length - 1].report;
  const of = <T>(list: T[], f: (t: T) => number) => stats(list.map(f));
  return {
    items,
    locks: last.counts.locks,
    stale: last.counts.stale,
    scan: of(scans, (t) => t.wallMs),
    sweep: of(sweeps, (t) => t.wallMs),
    discovery: of(sweeps, (t) => t.discoveryMs),
    ratio: stats(sweeps.map((t, i) => t.wallMs / scans[i].wallMs)),
    scanClientCpu: of(scans, (t) => t.clientCpuMs),
    sweepClientCpu: of(sweeps, (t) => t.clientCpuMs),
    scanEngineCpu: of(scans, (t) => t.engineCpuMs),
    sweepEngineCpu: of(sweeps, (t) => t.engineCpuMs),
    deleteRun: await deleteAndRestore(client, table, items, nowMs),
    stateTableRun: await withStateTable(client, table, items, nowMs),
  };
}

async function deleteAndRestore(
  client: DynamoDBClient,
  table: string,
  items: number,
  nowMs: number,
): Promise<SweepVsScan['deleteRun']> {
  const state = new MemoryStateStore();
  const t0 = performance.now();
  const run = checked(await benchSweep(client, table, 'delete', nowMs, state), items);
  const wallMs = since(t0);
  const deleted = run.report.counts.deleted;
  if (deleted !== run.report.counts.stale) {
    throw new Error(`the delete sweep deleted ${deleted} of ${run.report.counts.stale} stale locks`);
  }
  const restore = state.audits.map((a) => ({ LockID: { S: a.lockId }, Info: { S: a.info } }));
  await putItems(client, table, restore);
  const after = await bareScan(client, table);
  if (after !== items) throw new Error(`after restoring, the table holds ${after} items, not ${items}`);
  return { wallMs, deleted, discoveryMs: run.discoveryMs };
}

async function withStateTable(
  client: DynamoDBClient,
  table: string,
  items: number,
  nowMs: number,
): Promise<SweepVsScan['stateTableRun']> {
  const stateTable = `${table}-janitor-state`;
  await createStateTable(client, stateTable);
  const state = new DynamoStateStore(client, stateTable);
  const t0 = performance.now();
  const run = checked(await benchSweep(client, table, 'alert', nowMs, state), items);
  return { wallMs: since(t0), discoveryMs: run.discoveryMs };
}

async function timed<T>(engine: EngineProcess, fn: () => Promise<T>): Promise<[T, Timing]> {
  const cpu0 = process.cpuUsage();
  const engine0 = await engine.cpuSeconds();
  const t0 = performance.now();
  const result = await fn();
  const wallMs = since(t0);
  const cpu = process.cpuUsage(cpu0);
  const engineCpuMs = ((await engine.cpuSeconds()) - engine0) * 1000;
  return [result, { wallMs, clientCpuMs: (cpu.user + cpu.system) / 1000, engineCpuMs }];
}

/** The sweep read the whole table without errors; throws otherwise (a broken run must not be timed). */
function checked(run: BenchSweep, items: number): BenchSweep {
  const { report } = run;
  const read = report.tables.reduce((n, t) => n + t.items, 0);
  if (report.counts.errors || read !== items) {
    throw new Error(
      `the sweep read ${read} of ${items} items with ${report.counts.errors} errors: ${describe(report)}`,
    );
  }
  return run;
}

function describe(report: RunReport): string {
  return JSON.stringify({ tables: report.tables, failures: report.failures });
}
