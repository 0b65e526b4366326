// Benchmark: builds the handler bundle and measures its size.
import { execFile } from 'node:child_process';
import { mkdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { LAMBDA_BUILD, type Scratch } from './child-bundle';
import { type Stats, stats } from './stats';

const run = promisify(execFile);
const ROOT = path.join(__dirname, '..');
const KB = 1024;

/** The floor of any Lambda that talks to DynamoDB and SNS: both clients and the commands the janitor sends. */
const BARE_SDK_ENTRY = `
export {
  DynamoDBClient, ListTablesCommand, DescribeTableCommand, ListTagsOfResourceCommand, ScanCommand,
  GetItemCommand, DeleteItemCommand, UpdateItemCommand, PutItemCommand, QueryCommand,
} from '@aws-sdk/client-dynamodb';
export { SNSClient, PublishCommand } from '@aws-sdk/client-sns';
`;

export type BundleFigures = {
  /** Where the bundle was written (a scratch directory). */
  readonly js: string;
  readonly kb: number;
  readonly gzipKb: number;
  readonly mapKb: number;
  /** Milliseconds to `require` the bundle in a fresh node process. */
  readonly initMs: Stats;
  /** The same with `--enable-source-maps`, which the stack sets in NODE_OPTIONS. */
  readonly initWithSourceMapsMs: Stats;
};

export type BundleComparison = { readonly handler: BundleFigures; readonly bareSdk: BundleFigures };

/** Bundles lambda/handler.ts and the bare SDK clients alike, then times a cold `require` of each. */
export async function compareBundles(scratch: Scratch, reps: number): Promise<BundleComparison> {
  const handlerJs = await bundle(scratch, 'handler', { entryPoints: LAMBDA_BUILD.entryPoints });
  const bareJs = await bundle(scratch, 'bare-sdk', {
    entryPoints: [],
    stdin: { contents: BARE_SDK_ENTRY, resolveDir: ROOT, sourcefile: 'bare-sdk.ts', loader: 'ts' },
  });
  const times = { handler: [[], []] as number[][], bare: [[], []] as number[][] };
  await requireMs(handlerJs, false);
  await requireMs(bareJs, false);
  for (let i = 0; i < reps; i++) {
    for (const [sourceMaps, slot] of [
      [false, 0],
      [true, 1],
    ] as const) {
      times.handler[slot].push(await requireMs(handlerJs, sourceMaps));
      times.bare[slot].push(await requireMs(bareJs, sourceMaps));
    }
  }
  return {
    handler: await figures(handlerJs, times.handler),
    bareSdk: await figures(bareJs, times.bare),
  };
}

async function bundle(
  scratch: Scratch,
  name: string,
  entry: Pick<Parameters<typeof build>[0], 'entryPoints' | 'stdin'>,
): Promise<string> {
  const dir = path.join(scratch.dir, name);
  await mkdir(dir, { recursive: true });
  const outfile = path.join(dir, 'index.js');
  await build({ ...LAMBDA_BUILD, ...entry, outfile });
  return outfile;
}

/** A fresh node process requires the bundle and prints how long that took. */
async function requireMs(js: string, sourceMaps: boolean): Promise<number> {
  const script =
    'const t=performance.now();require(process.argv[1]);process.stdout.write(String(performance.now()-t))';
  const { stdout } = await run(
    process.execPath,
    [...(sourceMaps ? ['--enable-source-maps'] : []), '-e', script, js],
    { env: { PATH: process.env.PATH, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' } },
  );
  return Number(stdout);
}

async function figures(js: string, [plain, withMaps]: number[][]): Promise<BundleFigures> {
  const code = await readFile(js);
  return {
    js,
    kb: code.length / KB,
    gzipKb: gzipSync(code, { level: 9 }).length / KB,
    mapKb: (await stat(`${js}.map`)).size / KB,
    initMs: stats(plain),
    initWithSourceMapsMs: stats(withMaps),
  };
}
