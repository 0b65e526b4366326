// CDK: the janitor's Lambda code for member accounts: one bundle, named by its content, for the code buckets.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import type { BuildOptions } from 'esbuild';
import { RUNTIME_PROVIDED_MODULES } from '../bundling';
import { CODE_KEY_PREFIX } from './names';

const LAMBDA_DIR = path.join(__dirname, '..', '..', 'lambda');

/** The handler bundle in a directory (`index.js`, `index.js.map`) and the S3 key it is staged under. */
export type JanitorCode = {
  /** The directory with the bundle, zipped as the Lambda deployment package. */
  readonly directory: string;
  /** `tf-lock-janitor/<content hash>.zip`: a new bundle gets a new key, so StackSet updates reach the functions. */
  readonly key: string;
};

/**
 * The same esbuild options as lib/janitor-function.ts gives NodejsFunction (minified CJS for node24, ESM
 * builds of the SDK, the optional SDK clients external (lib/bundling.ts), the env-only credential provider, a
 * source map without sources).
 * When the package ships a pre-built bundle, janitorCode() is the one place to switch to it.
 */
const BUILD: BuildOptions = {
  entryPoints: [path.join(LAMBDA_DIR, 'handler.ts')],
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: [...RUNTIME_PROVIDED_MODULES],
  alias: { '@aws-sdk/credential-provider-node': path.join(LAMBDA_DIR, 'adapters', 'env-credentials.ts') },
  logLevel: 'warning',
};

let built: JanitorCode | undefined;

/** Bundles lambda/handler.ts once per process (esbuild, no Docker) and names it by the CDK fingerprint. */
export function janitorCode(): JanitorCode {
  if (built) return built;
  const directory = mkdtempSync(path.join(tmpdir(), 'tf-lock-janitor-code-'));
  // Loaded on use: esbuild is needed only to synthesize the organization deployment from source.
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ ...BUILD, outfile: path.join(directory, 'index.js') });
  // The fingerprint is the asset hash CDK gives this directory, so the staged zip is `<fingerprint>.zip`.
  built = { directory, key: `${CODE_KEY_PREFIX}${FileSystem.fingerprint(directory)}.zip` };
  return built;
}
