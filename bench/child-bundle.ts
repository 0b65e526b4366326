// Benchmark: bundles the handler for a child process run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD } from '../lib/bundling';

/** The Lambda bundle's esbuild options (lib/bundling.ts), which the stack deploys and `npm run build` ships. */
export { LAMBDA_BUILD };

/** A scratch directory for bundles, removed by `dispose`. */
export type Scratch = { readonly dir: string; dispose(): Promise<void> };

export async function scratchDir(): Promise<Scratch> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tf-lock-janitor-bench-'));
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Bundles `bench/sweep-child.ts` like the Lambda, so the memory runs use plain node without tsx's loader. */
export async function bundleSweepChild(scratch: Scratch): Promise<string> {
  const outfile = path.join(scratch.dir, 'sweep-child.cjs');
  await build({ ...LAMBDA_BUILD, entryPoints: [path.join(__dirname, 'sweep-child.ts')], outfile });
  return outfile;
}
