// CDK: the janitor's Lambda code for member accounts: one bundle, named by its content, for the code buckets.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FileSystem } from 'aws-cdk-lib';
import { LAMBDA_BUILD } from '../bundling';
import { CODE_KEY_PREFIX } from './names';

/** The handler bundle in a directory (`index.js`, `index.js.map`) and the S3 key it is staged under. */
export type JanitorCode = {
  /** The directory with the bundle, zipped as the Lambda deployment package. */
  readonly directory: string;
  /** `tf-lock-janitor/<content hash>.zip`: a new bundle gets a new key, so StackSet updates reach the functions. */
  readonly key: string;
};

let built: JanitorCode | undefined;

/**
 * Bundles lambda/handler.ts once per process (esbuild, no Docker), with the stack's own options (LAMBDA_BUILD in
 * lib/bundling.ts), and names it by the CDK fingerprint. When the package ships a pre-built bundle, this is the one
 * place to switch to it.
 */
export function janitorCode(): JanitorCode {
  if (built) return built;
  const directory = mkdtempSync(path.join(tmpdir(), 'tf-lock-janitor-code-'));
  // Loaded on use: esbuild is needed only to synthesize the organization deployment from source.
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({ ...LAMBDA_BUILD, outfile: path.join(directory, 'index.js') });
  // The fingerprint is the asset hash CDK gives this directory, so the staged zip is `<fingerprint>.zip`.
  built = { directory, key: `${CODE_KEY_PREFIX}${FileSystem.fingerprint(directory)}.zip` };
  return built;
}
