// Benchmark: the entry point of npm run bench.
import { execFile } from 'node:child_process';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { measureAccount } from './account';
import { accountScale } from './account-scale';
import { compareBundles } from './bundle';
import { bundleSweepChild, scratchDir } from './child-bundle';
import { measureCliStart } from './cli-start';
import { coldStartOverEmptyAccount } from './cold-run';
import { startEngineProcess } from './engine';
import { lockTableItems } from './fixture';
import { heldLocks } from './held-locks';
import { startLatencyProxy } from './latency-proxy';
import { describeMachine } from './machine';
import { type ChildKind, memoryFigures } from './memory';
import { processRatio } from './process-ratio';
import { withCpuProfile } from './profile';
import { renderSummary } from './report';
import { startS3Stub } from './s3-stub';
import { since } from './stats';
import { type SweepVsScan, sweepVsScan } from './sweep-vs-scan';
import { type SeededTable, withSeededTable } from './tables';

/** Sizes and repetitions; each can be changed from the environment. */
const config = {
  items: envInt('BENCH_N', 100_000),
  reps: envInt('BENCH_REPS', 11),
  processReps: envInt('BENCH_PROCESS_REPS', 9),
  memoryReps: envInt('BENCH_MEMORY_REPS', 3),
  initReps: envInt('BENCH_INIT_REPS', 15),
  coldReps: envInt('BENCH_COLD_REPS', 5),
  states: envInt('BENCH_STATES', 1_000),
  /** Held-lock memory: tables of only locks, comma-separated sizes. */
  heldLocks: (process.env.BENCH_HELD_LOCKS ?? '10000,60000,100000').split(',').map(Number),
  accountTables: envInt('BENCH_ACCOUNT_TABLES', 300),
  accountItemsPerTable: envInt('BENCH_ACCOUNT_ITEMS', 200),
  accountBuckets: envInt('BENCH_ACCOUNT_BUCKETS', 20),
  /** Objects of the smallest state bucket; bucket i holds (i + 1) times as many (1k ... 20k by default). */
  accountObjectsStep: envInt('BENCH_ACCOUNT_OBJECTS_STEP', 1000),
  accountReps: envInt('BENCH_ACCOUNT_REPS', 5),
  /** The janitor's policy `concurrency` in the account scenario; 0: the default. */
  accountConcurrency: envInt('BENCH_ACCOUNT_CONCURRENCY', 0, 0),
  /** 1: record a CPU profile of the sweep-vs-scan phase to bench/results/sweep-vs-scan.cpuprofile. */
  profile: envInt('BENCH_PROFILE', 0, 0),
};
/** Share of states locked at a run in the cost scenario. */
const LOCKED_SHARE = 0.015;
const RESULTS = path.join(__dirname, 'results');
const ROOT = path.join(__dirname, '..');
const SHIPPED_BUNDLE = path.join(ROOT, 'dist', 'lambda-bundle', 'index.js');

async function main(): Promise<void> {
  const t0 = performance.now();
  const log = (text: string) => process.stderr.write(`[${(since(t0) / 1000).toFixed(0)} s] ${text}\n`);
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  await mkdir(RESULTS, { recursive: true });
  const machine = await describeMachine();
  const scratch = await scratchDir();
  try {
    log('npm run build: the installed CLI (dist/bin) and the shipped Lambda bundle (dist/lambda-bundle)');
    await promisify(execFile)('npm', ['run', 'build', '--silent'], { cwd: ROOT });
    const shippedBundleKb = (await stat(SHIPPED_BUNDLE)).size / 1024;
    log(`CLI start vs the SDK making the same calls: ${config.initReps} rounds`);
    const cliStart = await withLoopbackAws((endpoint) => measureCliStart(scratch, config.initReps, endpoint));
    log(`bundling; ${config.initReps} cold requires of each bundle`);
    const bundles = await compareBundles(scratch, config.initReps);
    log(`init + first invocation of the handler vs a minimal handler: ${config.initReps} pairs`);
    const coldStart = await coldStartOverEmptyAccount(scratch, bundles.handler.js, config.initReps);
    const childJs = await bundleSweepChild(scratch);
    const nowMs = Date.now();
    const memory = async (t: SeededTable) => {
      const of = (kind: ChildKind) =>
        memoryFigures(childJs, t.engine.endpoint, t.table, t.items, nowMs, config.memoryReps, kind);
      return { memory: await of('sweep'), scanMemory: await of('scan') };
    };

    log(
      `${config.items} items: seed, CLI sweep vs Scan processes ×${config.processReps}, in-process ×${config.reps}, memory ×${config.memoryReps}`,
    );
    let profile = '';
    const big = await withSeededTable('locks-big', lockTableItems(config.items, nowMs), async (t) => {
      const measure = () => sweepVsScan(t.client, t.engine, t.table, t.items, nowMs, config.reps);
      let figures: SweepVsScan;
      if (config.profile) {
        [figures, profile] = await withCpuProfile(path.join(RESULTS, 'sweep-vs-scan.cpuprofile'), measure);
      } else {
        figures = await measure();
      }
      const processes = await processRatio(scratch, t, config.processReps);
      return { seedMs: t.seedMs, processes, sweepVsScan: figures, ...(await memory(t)) };
    });

    const smallItems = Math.round(config.items / 10);
    log(
      `${smallItems} items: CLI sweep vs Scan processes ×${config.processReps}, memory ×${config.memoryReps}`,
    );
    const small = await withSeededTable('locks-small', lockTableItems(smallItems, nowMs), async (t) => ({
      processes: await processRatio(scratch, t, config.processReps),
      ...(await memory(t)),
    }));

    log(`held locks: ${config.heldLocks.join(', ')} locks, ${config.memoryReps} fresh-process sweeps each`);
    const held = await heldLocks(scratch, childJs, config.heldLocks, nowMs, config.memoryReps);

    const accountScaleFigures = await accountScale(
      scratch,
      {
        tables: config.accountTables,
        itemsPerTable: config.accountItemsPerTable,
        buckets: config.accountBuckets,
        objectsStep: config.accountObjectsStep,
        reps: config.accountReps,
        ...(config.accountConcurrency ? { concurrency: config.accountConcurrency } : {}),
      },
      nowMs,
      log,
    );

    log(`an account of ${config.states} states: ${config.coldReps} cold runs of the bundled handler`);
    const account = await measureAccount(
      scratch,
      bundles.handler.js,
      config.states,
      LOCKED_SHARE,
      config.coldReps,
      nowMs,
    );

    const results = {
      machine,
      config,
      benchSeconds: since(t0) / 1000,
      cliStart,
      shippedBundleKb,
      bundles,
      coldStart,
      big,
      small,
      account,
      held,
      accountScale: accountScaleFigures,
    };
    process.stdout.write(`${renderSummary(results)}\n`);
    if (profile) process.stdout.write(`\nSelf time during sweep vs scan (CPU profile):\n${profile}\n`);
    await writeFile(path.join(RESULTS, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
  } finally {
    await scratch.dispose();
  }
}

/** DynamoDB (a dynalite child) and an empty S3 stub behind one loopback endpoint, no added latency. */
async function withLoopbackAws<T>(fn: (endpoint: string) => Promise<T>): Promise<T> {
  const engine = await startEngineProcess();
  const s3 = await startS3Stub([]);
  const proxy = await startLatencyProxy({ 'us-east-1': 0 }, (service) =>
    service === 's3' ? s3.endpoint : service === 'dynamodb' ? engine.endpoint : undefined,
  );
  try {
    return await fn(proxy.endpoint);
  } finally {
    await proxy.close();
    await s3.close();
    await engine.close();
  }
}

function envInt(name: string, fallback: number, min = 1): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min) {
    throw new Error(`${name}="${text}" must be a whole number ≥ ${min}`);
  }
  return value;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
