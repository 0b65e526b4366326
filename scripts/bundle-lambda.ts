// Build: bundles the Lambda handler into dist/lambda-bundle, the asset the installed construct deploys.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD } from './lambda-build';

const ROOT = path.join(__dirname, '..');
/** Where lib/janitor-function.ts looks for the bundle: `../lambda-bundle` from dist/lib. */
const OUT_DIR = path.join(ROOT, 'dist', 'lambda-bundle');

async function main(): Promise<void> {
  await rm(OUT_DIR, { recursive: true, force: true });
  await build({
    ...LAMBDA_BUILD,
    entryPoints: [path.join(ROOT, 'lambda', 'handler.ts')],
    outfile: path.join(OUT_DIR, 'index.js'),
    sourcemap: true,
    sourcesContent: false,
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
