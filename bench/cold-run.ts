// Benchmark: a cold handler run in a child process, and a cold start against a minimal handler's.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD, type Scratch } from './child-bundle';
import { startEngineProcess } from './engine';
import { benchClient, createStateTable } from './fixture';
import { type Stats, stats } from './stats';

/** What one cold invocation of the bundled handler reported (see `handler-child.ts`), plus its log output. */
export type ColdRun = {
  readonly initMs: number;
  readonly initCpuMs: number;
  readonly invokeMs: number;
  readonly invokeCpuMs: number;
  readonly maxRssMB: number;
  readonly requests: Readonly<Record<string, number>>;
  readonly complete: boolean;
  readonly logLines: number;
  readonly logBytes: number;
};

export type ColdRuns = {
  readonly runs: number;
  readonly initMs: Stats;
  readonly initCpuMs: Stats;
  readonly invokeMs: Stats;
  readonly invokeCpuMs: Stats;
  readonly maxRssMB: Stats;
  /** Of the last run: they are the same every run. */
  readonly requests: Readonly<Record<string, number>>;
  readonly logLines: number;
  readonly logBytes: number;
};

/** Where the handler runs: the bundle, the engine and the tables, passed as Lambda would (environment). */
export type ColdRunTarget = {
  readonly handlerJs: string;
  readonly endpoint: string;
  readonly stateTable: string;
  readonly policy: object;
};

/** `reps` cold starts of the bundled handler, each in a fresh node process with the stack's NODE_OPTIONS. */
export async function coldRuns(scratch: Scratch, target: ColdRunTarget, reps: number): Promise<ColdRuns> {
  const childJs = path.join(scratch.dir, 'handler-child.cjs');
  await build({ ...LAMBDA_BUILD, entryPoints: [path.join(__dirname, 'handler-child.ts')], outfile: childJs });
  const runs: ColdRun[] = [];
  for (let i = 0; i < reps; i++) runs.push(await coldRun(childJs, target));
  const of = (f: (r: ColdRun) => number) => stats(runs.map(f));
  const last = runs[runs.length - 1];
  return {
    runs: reps,
    initMs: of((r) => r.initMs),
    initCpuMs: of((r) => r.initCpuMs),
    invokeMs: of((r) => r.invokeMs),
    invokeCpuMs: of((r) => r.invokeCpuMs),
    maxRssMB: of((r) => r.maxRssMB),
    requests: last.requests,
    logLines: last.logLines,
    logBytes: last.logBytes,
  };
}

async function coldRun(childJs: string, target: ColdRunTarget): Promise<ColdRun> {
  const child = spawn(process.execPath, ['--enable-source-maps', childJs, target.handlerJs], {
    stdio: ['ignore', 'pipe', 'inherit', 'pipe'],
    env: {
      PATH: process.env.PATH,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'bench',
      AWS_SECRET_ACCESS_KEY: 'bench',
      AWS_SESSION_TOKEN: 'bench',
      AWS_ENDPOINT_URL_DYNAMODB: target.endpoint,
      AWS_LAMBDA_FUNCTION_NAME: 'tf-lock-janitor-bench',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POLICY: JSON.stringify(target.policy),
      STATE_TABLE: target.stateTable,
    },
  });
  let logBytes = 0;
  let logLines = 0;
  child.stdout!.on('data', (chunk: Buffer) => {
    logBytes += chunk.length;
    for (const byte of chunk) if (byte === 10) logLines++;
  });
  let result = '';
  (child.stdio[3] as NodeJS.ReadableStream).on('data', (chunk: Buffer) => {
    result += chunk.toString();
  });
  const [code] = await once(child, 'close');
  if (code !== 0 || !result) throw new Error(`the handler child exited with code ${code}`);
  const run = JSON.parse(result) as Omit<ColdRun, 'logLines' | 'logBytes'>;
  if (!run.complete) throw new Error(`the handler's run did not complete: ${result}`);
  return { ...run, logLines, logBytes };
}

/** One side of the cold-start comparison: init (the `require`), the first invocation, and both. */
export type ColdStartSide = {
  readonly initMs: Stats;
  readonly invokeMs: Stats;
  readonly totalMs: Stats;
  readonly requests: Readonly<Record<string, number>>;
};

/** The janitor's cold start (init and first invocation) against the minimal handler's, run for run. */
export type ColdStartComparison = {
  readonly reps: number;
  readonly janitor: ColdStartSide;
  readonly minimal: ColdStartSide;
  /** Janitor / minimal of each pair of runs (init + first invocation). */
  readonly ratio: Stats;
  /** The same of init alone (the `require` of the bundle). */
  readonly initRatio: Stats;
};

/**
 * `reps` pairs of cold starts over an account without lock tables: the janitor's bundle against
 * bench/minimal-handler.ts (the bare SDK clients sending the same requests), each in a fresh node process, the
 * order alternating pair by pair. Throws unless both sent the same requests, operation by operation.
 */
export async function coldStartVsMinimal(
  scratch: Scratch,
  target: ColdRunTarget,
  reps: number,
): Promise<ColdStartComparison> {
  const childJs = path.join(scratch.dir, 'handler-child.cjs');
  await build({ ...LAMBDA_BUILD, entryPoints: [path.join(__dirname, 'handler-child.ts')], outfile: childJs });
  const minimalJs = path.join(scratch.dir, 'minimal-handler', 'index.js');
  await build({
    ...LAMBDA_BUILD,
    entryPoints: [path.join(__dirname, 'minimal-handler.ts')],
    outfile: minimalJs,
  });
  const minimalTarget = { ...target, handlerJs: minimalJs };
  // One unmeasured run of each warms the file cache.
  await coldRun(childJs, target);
  await coldRun(childJs, minimalTarget);
  const janitor: ColdRun[] = [];
  const minimal: ColdRun[] = [];
  for (let i = 0; i < reps; i++) {
    if (i % 2 === 0) {
      janitor.push(await coldRun(childJs, target));
      minimal.push(await coldRun(childJs, minimalTarget));
    } else {
      minimal.push(await coldRun(childJs, minimalTarget));
      janitor.push(await coldRun(childJs, target));
    }
  }
  const side = (runs: ColdRun[]): ColdStartSide => ({
    initMs: stats(runs.map((r) => r.initMs)),
    invokeMs: stats(runs.map((r) => r.invokeMs)),
    totalMs: stats(runs.map((r) => r.initMs + r.invokeMs)),
    requests: runs[runs.length - 1].requests,
  });
  const comparison = {
    reps,
    janitor: side(janitor),
    minimal: side(minimal),
    ratio: stats(janitor.map((r, i) => (r.initMs + r.invokeMs) / (minimal[i].initMs + minimal[i].invokeMs))),
    initRatio: stats(janitor.map((r, i) => r.initMs / minimal[i].initMs)),
  };
  const sent = (r: Readonly<Record<string, number>>) => JSON.stringify(Object.entries(r).sort());
  if (sent(comparison.janitor.requests) !== sent(comparison.minimal.requests))
    throw new Error(
      `the minimal handler sent ${sent(comparison.minimal.requests)}, the janitor ${sent(comparison.janitor.requests)}: not like for like`,
    );
  return comparison;
}

/**
 * The cold start of the janitor's bundle `handlerJs` against the minimal handler's over an account without lock
 * tables: a dynalite child holding only the janitor's state table, the default policy (every table in the
 * home region), `reps` pairs.
 */
export async function coldStartOverEmptyAccount(
  scratch: Scratch,
  handlerJs: string,
  reps: number,
): Promise<ColdStartComparison> {
  const engine = await startEngineProcess();
  const client = benchClient(engine.endpoint);
  try {
    await createStateTable(client, 'janitor-state');
    const target = { handlerJs, endpoint: engine.endpoint, stateTable: 'janitor-state', policy: {} };
    return await coldStartVsMinimal(scratch, target, reps);
  } finally {
    client.destroy();
    await engine.close();
  }
}
