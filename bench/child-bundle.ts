// Benchmark: bundles the handler for a child process run.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type BuildOptions, build } from 'esbuild';

/**
 * The esbuild options the stack's NodejsFunction passes (lib/janitor-function.ts `bundling`): bundle, minify,
 * node platform, target node24, CommonJS, `mainFields: ['module', 'main']`, nothing external, the env-only
 * credential provider aliased in; the stack adds a
 * linked source map without sources content (`sourceMap: true, sourcesContent: false`).
 */
export const LAMBDA_BUILD: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: [],
  // As the stack does: Lambda's credentials come from the environment, so only that provider is bundled.
  alias: {
    '@aws-sdk/credential-provider-node': path.join(
      __dirname,
      '..',
      'lambda',
      'adapters',
      'env-credentials.ts',
    ),
  },
  logLevel: 'warning',
};

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
