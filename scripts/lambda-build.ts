// Build: the esbuild options of the Lambda bundle (as lib/janitor-function.ts passes them) and of the CLI bundle.
import path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';
import { RUNTIME_PROVIDED_MODULES } from '../lib/bundling';
import { BUNDLE_NODE_MAJOR } from '../lib/runtime';

/**
 * The options the stack's NodejsFunction uses (lib/janitor-function.ts `bundling`): bundle, minify, node
 * platform, target Node.js 24 (lib/runtime.ts), CommonJS, `mainFields: ['module', 'main']`, the optional SDK clients external, the env-only credential
 * provider aliased in. The stack adds a linked source map without sources content.
 */
export const LAMBDA_BUILD: BuildOptions = {
  bundle: true,
  minify: true,
  platform: 'node',
  target: `node${BUNDLE_NODE_MAJOR}`,
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
 * The files beside the CLI's bundle in `dist/bin` that it requires only when a command needs them, so the package
 * installs no dependency of its own for the CLI: the S3 and EC2 clients (a policy naming buckets, or the EC2 host
 * check; parsing their 1.2 MB on every start would cost each command more than the rest of the bundle) and the
 * demo (with dynalite, which a package install leaves out: bin/demo/local-dynamo.ts).
 */
export const CLI_SIDE_BUNDLES = {
  '@aws-sdk/client-s3': './sdk-s3.js',
  '@aws-sdk/client-ec2': './sdk-ec2.js',
  './demo/demo': './demo.bundle.js',
} as const;

/** Turns each require of a side bundle's module into a require of that file beside the requiring bundle. */
function sideBundles(skip?: string): Plugin {
  return {
    name: 'side-bundles',
    setup(b) {
      for (const [module, file] of Object.entries(CLI_SIDE_BUNDLES)) {
        if (module === skip) continue;
        const filter = new RegExp(`^${module.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
        b.onResolve({ filter }, () => ({ path: file, external: true }));
      }
    },
  };
}

/**
 * The CLI's bundle: the SDK with its full credential chain (profiles, SSO, IMDS), for the Node the package
 * supports, not minified (stack traces stay readable); the side bundles stay out.
 */
export const CLI_BUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  logLevel: 'warning',
  plugins: [sideBundles()],
};

/** A side bundle: `module` bundled alone (an SDK client), minified: its frames are the SDK's, not ours. */
export function sdkSideBuild(module: keyof typeof CLI_SIDE_BUNDLES): BuildOptions {
  return {
    ...CLI_BUILD,
    minify: true,
    plugins: [sideBundles(module)],
    stdin: { contents: `module.exports = require(${JSON.stringify(module)});`, resolveDir: path.join(__dirname, '..') },
  };
}

/** The demo's bundle: dynalite stays external (required on first use, with a message when it is absent). */
export const DEMO_BUILD: BuildOptions = { ...CLI_BUILD, external: ['dynalite'] };
