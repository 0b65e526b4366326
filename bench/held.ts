// Benchmark: only the held-lock figures of `npm run bench` (BENCH_HELD_LOCKS, BENCH_MEMORY_REPS), for measuring memory work.
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { bundleSweepChild, scratchDir } from './child-bundle';
import { heldLocks } from './held-locks';
import { heldLockRows, table } from './report-rows';

// Usage: npx tsx bench/held.ts   (the installed CLI's row needs `npm run build` first, as `npm run bench` does)
// Prints the rows BENCHMARKS.md shows for memory per held lock and writes bench/results/held.json.
async function main(): Promise<void> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const sizes = (process.env.BENCH_HELD_LOCKS ?? '10000,60000,100000').split(',').map(Number);
  const reps = Number(process.env.BENCH_MEMORY_REPS ?? 3);
  const scratch = await scratchDir();
  try {
    const childJs = await bundleSweepChild(scratch);
    const held = await heldLocks(scratch, childJs, sizes, Date.now(), reps);
    process.stdout.write(`${table(['Figure', 'Measured', 'Target', 'Result'], heldLockRows(held))}\n`);
    const results = path.join(__dirname, 'results');
    await mkdir(results, { recursive: true });
    await writeFile(path.join(results, 'held.json'), `${JSON.stringify(held, null, 2)}\n`);
  } finally {
    await scratch.dispose();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
