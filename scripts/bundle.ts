// Build: bundles the Lambda handler (dist/lambda-bundle, the asset the installed construct deploys) and the CLI
// (dist/bin/cli.bundle.js: one file starts about twice as fast; the S3 and EC2 clients and the demo in files beside
// it, loaded on first use), and gives the CLI entry its shebang and execute bit.
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { build } from 'esbuild';
import { LAMBDA_BUILD } from '../lib/bundling';
import { CLI_BUILD, DEMO_BUILD, DEMO_SIDE_BUNDLE, SDK_SIDE_BUNDLES, sdkSideBuild } from './lambda-build';

const ROOT = path.join(__dirname, '..');
/** Where lib/janitor-function.ts looks for the bundle: `../lambda-bundle` from dist/lib. */
const LAMBDA_DIR = path.join(ROOT, 'dist', 'lambda-bundle');
/** The `bin` of package.json: npm links it as `tf-lock-janitor`, which a shell runs through its shebang. */
const CLI_ENTRY = path.join(ROOT, 'dist', 'bin', 'main.js');
const SHEBANG = '#!/usr/bin/env node\n';

async function main(): Promise<void> {
  await rm(LAMBDA_DIR, { recursive: true, force: true });
  await build({
    ...LAMBDA_BUILD,
    outfile: path.join(LAMBDA_DIR, 'index.js'),
  });
  await build({
    ...CLI_BUILD,
    entryPoints: [path.join(ROOT, 'bin', 'cli.ts')],
    outfile: path.join(ROOT, 'dist', 'bin', 'cli.bundle.js'),
  });
  for (const file of Object.keys(SDK_SIDE_BUNDLES)) {
    await build({ ...sdkSideBuild(file), outfile: path.join(ROOT, 'dist', 'bin', file) });
  }
  await build({
    ...DEMO_BUILD,
    entryPoints: [path.join(ROOT, 'bin', 'demo', 'demo.ts')],
    outfile: path.join(ROOT, 'dist', 'bin', DEMO_SIDE_BUNDLE),
  });
  const entry = await readFile(CLI_ENTRY, 'utf8');
  if (!entry.startsWith(SHEBANG)) await writeFile(CLI_ENTRY, SHEBANG + entry);
  // tsc writes the entry without an execute bit; npm installs keep the packed mode, a clone's `npx` runs the file.
  await chmod(CLI_ENTRY, 0o755);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
