// Build: the esbuild options of the janitor's Lambda bundle, as lib/janitor-function.ts passes them to NodejsFunction.
import path from 'node:path';
import type { BuildOptions } from 'esbuild';

/**
 * The options the stack's NodejsFunction uses (lib/janitor-function.ts `bundling`): bundle, minify, node
 * platform, target node24, CommonJS, `mainFields: ['module', 'main']`, nothing external, the env-only credential
 * provider aliased in. The stack adds a linked source map without sources content.
 */
export const LAMBDA_BUILD: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: [],
  // Lambda's credentials come from the environment, so only that provider is bundled.
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
