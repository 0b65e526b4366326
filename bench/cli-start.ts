// Benchmark: how fast the installed CLI starts, against node loading the DynamoDB client.
import path from 'node:path';
import type { Scratch } from './child-bundle';
import { CLI_JS, timedProcess, writeProcessScripts } from './process-ratio';
import { type Stats, stats } from './stats';

const ROOT = path.join(__dirname, '..');

export type CliStart = {
  /** `node dist/bin/main.js --version`: the compiled entry `npm install` links as `tf-lock-janitor`. */
  readonly version: Stats;
  readonly help: Stats;
  /** `node -e "require('@aws-sdk/client-dynamodb')"`: the floor of any command that talks to DynamoDB. */
  readonly sdkLoad: Stats;
  /** `node bin/tf-lock-janitor.cjs --version`: the development entry, TypeScript through tsx. */
  readonly devEntry: Stats;
  /** Per round: version / sdkLoad. */
  readonly ratio: Stats;
};

/** `reps` rounds of each command in a fresh node process, in turn, after one discarded warm-up round. */
export async function measureCliStart(scratch: Scratch, reps: number): Promise<CliStart> {
  const { peakRss } = await writeProcessScripts(scratch);
  const sdk = require.resolve('@aws-sdk/client-dynamodb');
  const commands = {
    version: [CLI_JS, '--version'],
    help: [CLI_JS, '--help'],
    sdkLoad: ['-e', `require(${JSON.stringify(sdk)})`],
    devEntry: [path.join(ROOT, 'bin', 'tf-lock-janitor.cjs'), '--version'],
  };
  const times: Record<keyof typeof commands, number[]> = { version: [], help: [], sdkLoad: [], devEntry: [] };
  const names = Object.keys(commands) as (keyof typeof commands)[];
  for (let round = -1; round < reps; round++) {
    for (const name of names) {
      const { wallMs } = await timedProcess(peakRss, commands[name]);
      if (round >= 0) times[name].push(wallMs);
    }
  }
  return {
    version: stats(times.version),
    help: stats(times.help),
    sdkLoad: stats(times.sdkLoad),
    devEntry: stats(times.devEntry),
    ratio: stats(times.version.map((v, i) => v / times.sdkLoad[i])),
  };
}
