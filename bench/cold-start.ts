// Benchmark: the cold-start part of `npm run bench` alone (issue #24): `npx tsx bench/cold-start.ts`.
import { compareBundles } from './bundle';
import { scratchDir } from './child-bundle';
import { coldStartOverEmptyAccount } from './cold-run';
import { formatStats } from './stats';

// Prints the bundle sizes, the require-only ratio (BENCH_INIT_REPS rounds, default 15) and the init + first
// invocation ratio over an account without lock tables (BENCH_COLD_START_REPS pairs, default 15), each a median
// with its range, without the rest of the benchmark.

async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const reps = (name: string) => Number(process.env[name] || 15);
  const scratch = await scratchDir();
  try {
    const { handler, bareSdk } = await compareBundles(scratch, reps('BENCH_INIT_REPS'));
    const out = (text: string) => process.stdout.write(`${text}\n`);
    out(`handler bundle ${handler.kb.toFixed(1)} KB; bare SDK clients ${bareSdk.kb.toFixed(1)} KB`);
    out(`require: handler ${formatStats(handler.initMs, 'ms', 1)}`);
    out(`         bare SDK ${formatStats(bareSdk.initMs, 'ms', 1)}`);
    out(`         ratio of medians ${(handler.initMs.median / bareSdk.initMs.median).toFixed(2)}`);
    const cold = await coldStartOverEmptyAccount(scratch, handler.js, reps('BENCH_COLD_START_REPS'));
    for (const [name, side] of [
      ['janitor', cold.janitor],
      ['minimal', cold.minimal],
    ] as const) {
      out(`${name}: init ${formatStats(side.initMs, 'ms', 1)}`);
      out(`         first invocation ${formatStats(side.invokeMs, 'ms', 1)}`);
      out(`         both ${formatStats(side.totalMs, 'ms', 1)}`);
    }
    out(`requests of each: ${JSON.stringify(cold.janitor.requests)}`);
    out(`init + first invocation, janitor / minimal, pair by pair: ${formatStats(cold.ratio, '×', 2)}`);
    out(`init alone, pair by pair: ${formatStats(cold.initRatio, '×', 2)}`);
    out(`ratio of the medians: ${(cold.janitor.totalMs.median / cold.minimal.totalMs.median).toFixed(2)}`);
  } finally {
    await scratch.dispose();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
