// CDK: the Lambda bundles' one definition: entries, esbuild options, and the SDK clients left to the runtime.
import * as path from 'node:path';
import type { BuildOptions } from 'esbuild';

/** The Node.js major the Lambda bundles are built for (esbuild `target`), and the oldest runtime they get. */
export const BUNDLE_NODE_MAJOR = 24;

/**
 * SDK clients the handler loads only when the policy asks for them (S3 lockfiles with `buckets`, the EC2 host
 * check with `evidence.ec2Hosts`). Lambda's Node.js runtimes ship AWS SDK for JavaScript v3, so they stay out of
 * the bundle: it keeps its size (the EC2 client alone is about 550 KB minified), and a janitor without those
 * features never loads them.
 */
export const RUNTIME_PROVIDED_MODULES = ['@aws-sdk/client-s3', '@aws-sdk/client-ec2'] as const;

const LAMBDA_DIR = path.join(__dirname, '..', 'lambda');

/** The janitor's handler source: what the stack bundles from source (lib/janitor-function.ts). */
export const LAMBDA_ENTRY = path.join(LAMBDA_DIR, 'handler.ts');

/**
 * What every Lambda bundle of the project shares (the janitor's and the central release function's): minified
 * CommonJS for the target Node.js, with a linked source map without sources content.
 */
const LAMBDA_BASE = {
  bundle: true,
  minify: true,
  sourcemap: true,
  sourcesContent: false,
  platform: 'node' as const,
  target: `node${BUNDLE_NODE_MAJOR}`,
  format: 'cjs' as const,
  logLevel: 'warning' as const,
} satisfies BuildOptions;

/**
 * The esbuild options of the janitor's bundle, entry included: what the stack's NodejsFunction is given
 * (lib/janitor-function.ts translates them), what the organization's member code is built with
 * (lib/organization/janitor-code.ts), what `npm run build` ships (scripts/bundle.ts) and what the size test and
 * the benchmarks measure. The shared options above; the ESM builds of SDK v3 (`mainFields`), which tree-shake
 * better (624 KB -> 411 KB in the toolchain prototype); the optional SDK clients external. Lambda's credentials
 * come from the environment, so only that provider is bundled (543 KB -> 426 KB).
 */
export const LAMBDA_BUILD = {
  ...LAMBDA_BASE,
  entryPoints: [LAMBDA_ENTRY],
  mainFields: ['module', 'main'],
  external: [...RUNTIME_PROVIDED_MODULES],
  alias: {
    '@aws-sdk/credential-provider-node': path.join(LAMBDA_DIR, 'adapters', 'env-credentials.ts'),
  },
} satisfies BuildOptions;

/**
 * The esbuild options of the organization's central release function (lib/organization/central-release.ts): the
 * shared options; it loads only `@aws-sdk/client-lambda`, on first use, from the runtime's SDK v3, so every
 * `@aws-sdk/*` module stays out.
 */
export const CENTRAL_RELEASE_BUILD = {
  ...LAMBDA_BASE,
  entryPoints: [path.join(LAMBDA_DIR, 'central-release.ts')],
  external: ['@aws-sdk/*'],
} satisfies BuildOptions;
