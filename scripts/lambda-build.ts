// Build: the esbuild options of the Lambda bundle (as lib/janitor-function.ts passes them) and of the CLI bundle.
import path from 'node:path';
import type { BuildOptions } from 'esbuild';
import { RUNTIME_PROVIDED_MODULES } from '../lib/bundling';

/**
 * The options the stack's NodejsFunction uses (lib/janitor-function.ts `bundling`): bundle, minify, node
 * platform, target node24, CommonJS, `mainFields: ['module', 'main']`, the optional SDK clients external, the env-only credential
 * provider aliased in. The stack adds a linked source map without sources content.
 */
export const LAMBDA_BUILD: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  mainFields: ['module', 'main'],
  external: [...RUNTIME_PROVIDED_MODULES],
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

/**
 * The SDK clients only `doctor` and `test-alert` load (bin/doctor/command.ts), from the package's dependencies: the
 * other commands never parse them.
 */
export const DOCTOR_MODULES = [
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-scheduler',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-cloudwatch-logs',
  '@aws-sdk/client-iam',
  '@aws-sdk/client-cloudformation',
] as const;

/**
 * The CLI's bundle: the SDK with its full credential chain (profiles, SSO, IMDS), for the Node the package
 * supports, not minified (stack traces stay readable), the S3 and EC2 clients left to node_modules. The demo stays out: `bin/cli.ts` requires it only for
 * `demo`, from the compiled `dist/bin/demo/demo.js` beside the bundle, with dynalite from node_modules.
 */
export const CLI_BUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  // Loaded from node_modules only when a policy names buckets or turns on the EC2 host check (bin/cli-context.ts):
  // parsing their 1.2 MB on every start would cost each command more than all the rest of the bundle.
  external: [...RUNTIME_PROVIDED_MODULES, ...DOCTOR_MODULES],
  logLevel: 'warning',
  plugins: [
    {
      name: 'demo-stays-out',
      setup(b) {
        b.onResolve({ filter: /^\.\/demo\/demo$/ }, (args) => ({ path: args.path, external: true }));
      },
    },
  ],
};
