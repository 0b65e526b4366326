// CDK: a Lambda bundle's esbuild options (lib/bundling.ts) in NodejsFunction's words.
import { type BundlingOptions, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';

/** The options of lib/bundling.ts that NodejsFunction takes (its entry is given apart). */
type LambdaBuild = {
  readonly minify: boolean;
  readonly sourcemap: boolean;
  readonly sourcesContent: boolean;
  readonly target: string;
  readonly format: 'cjs' | 'esm';
  readonly mainFields?: readonly string[];
  readonly external: readonly string[];
  readonly alias?: Readonly<Record<string, string>>;
};

/** `build` as NodejsFunction bundling options: esbuild run locally (no Docker), aliases as `--alias:` arguments. */
export function nodejsBundling(build: LambdaBuild): BundlingOptions {
  return {
    minify: build.minify,
    sourceMap: build.sourcemap,
    sourcesContent: build.sourcesContent,
    ...(build.mainFields ? { mainFields: [...build.mainFields] } : {}),
    target: build.target,
    format: build.format === 'cjs' ? OutputFormat.CJS : OutputFormat.ESM,
    externalModules: [...build.external],
    ...(build.alias
      ? {
          esbuildArgs: Object.fromEntries(
            Object.entries(build.alias).map(([module, file]) => [`--alias:${module}`, file]),
          ),
        }
      : {}),
    forceDockerBundling: false,
  };
}
