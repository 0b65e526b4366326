// Build: the esbuild options of the CLI bundle and its side bundles (the Lambda bundle's live in lib/bundling.ts).
import path from 'node:path';
import type { BuildOptions, Plugin } from 'esbuild';

/** The SDK clients only `doctor` and `test-alert` load (bin/doctor/command.ts), from a side bundle (below). */
export const DOCTOR_MODULES = [
  '@aws-sdk/client-lambda',
  '@aws-sdk/client-scheduler',
  '@aws-sdk/client-sqs',
  '@aws-sdk/client-cloudwatch-logs',
  '@aws-sdk/client-iam',
  '@aws-sdk/client-cloudformation',
] as const;

/**
 * The files beside the CLI's bundle in `dist/bin` that carry the SDK clients only some commands need, so the
 * package installs none of them and the other commands never parse them: S3 and EC2 (a policy naming buckets,
 * the EC2 host check; 1.2 MB), and the doctor's (`doctor`, `test-alert`). Each file exports its clients by module
 * name; a require of the module in the CLI becomes a require of the file beside it.
 */
export const SDK_SIDE_BUNDLES: Readonly<Record<string, readonly string[]>> = {
  'sdk-s3.js': ['@aws-sdk/client-s3'],
  'sdk-ec2.js': ['@aws-sdk/client-ec2'],
  'sdk-doctor.js': DOCTOR_MODULES,
};

/** The demo's bundle beside the CLI's: `bin/cli.ts` requires it only for `demo`. */
export const DEMO_SIDE_BUNDLE = 'demo.bundle.js';

const SIDE = 'side-bundle';

/** Resolves the side bundles' modules (other than `inside`'s own) to the files beside the requiring bundle. */
function sideBundles(inside?: string): Plugin {
  return {
    name: 'side-bundles',
    setup(b) {
      const fileOf = new Map<string, string>();
      for (const [file, modules] of Object.entries(SDK_SIDE_BUNDLES))
        if (file !== inside) for (const m of modules) fileOf.set(m, file);
      b.onResolve({ filter: /^@aws-sdk\/client-/ }, (args) =>
        fileOf.has(args.path) ? { path: args.path, namespace: SIDE } : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: SIDE }, (args) => ({
        contents: `module.exports = require(${JSON.stringify(`./${fileOf.get(args.path)}`)})[${JSON.stringify(args.path)}];`,
        loader: 'js',
      }));
      b.onResolve({ filter: /^\.\/sdk-[a-z0-9]+\.js$/ }, (args) => ({ path: args.path, external: true }));
      b.onResolve({ filter: /^\.\/demo\/demo$/ }, () => ({ path: `./${DEMO_SIDE_BUNDLE}`, external: true }));
    },
  };
}

/**
 * The CLI's bundle: the SDK with its full credential chain (profiles, SSO, IMDS), for the Node the package
 * supports; the side bundles stay out. Whitespace and syntax are minified (1.5 MB to 1.1 MB: node compiles less
 * at every start, about 2 % of a one-table sweep by `npm run bench`), names are not, so a stack trace still names
 * every function.
 */
export const CLI_BUILD: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  mainFields: ['module', 'main'],
  minifyWhitespace: true,
  minifySyntax: true,
  // `import('node:http')` in the SDK becomes a `require`: the bundle runs as a vm script through its code cache
  // (bin/code-cache.ts), where a dynamic import has no loader, and node starts no ES module loader for it.
  supported: { 'dynamic-import': false },
  logLevel: 'warning',
  plugins: [sideBundles()],
};

/** A side bundle of SDK clients, minified (its frames are the SDK's, not ours). */
export function sdkSideBuild(file: string): BuildOptions {
  const modules = SDK_SIDE_BUNDLES[file];
  const exports = modules.map((m) => `${JSON.stringify(m)}: require(${JSON.stringify(m)})`).join(', ');
  return {
    ...CLI_BUILD,
    minify: true,
    plugins: [sideBundles(file)],
    stdin: { contents: `module.exports = { ${exports} };`, resolveDir: path.join(__dirname, '..') },
  };
}

/** The demo's bundle: dynalite stays external (an optional peer: bin/demo/dynalite-check.ts). */
export const DEMO_BUILD: BuildOptions = { ...CLI_BUILD, external: ['dynalite'] };
