// Benchmark: the child process that runs one CLI-like sweep.
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RunReport } from '../lambda/core/report';
import { benchClient } from './fixture';
import { benchSweep } from './sweep-run';
import { bareScan } from './sweep-vs-scan';

// Child-process entry (bundled by `memory.ts`, run by plain node): one sweep of one table in a fresh process,
// like a Lambda invocation, then one JSON line with its duration and memory. Args: endpoint table nowMs kind,
// where kind `scan` runs the floor Scan instead, to tell the engine's memory from the SDK's, and `held` sweeps
// with the state store of a single run (the CLI without a state table).
const MB = 1024 * 1024;

async function main(): Promise<void> {
  const [endpoint, table, nowMs, kind] = process.argv.slice(2);
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const { heapUsed, rss } = process.memoryUsage();
    peakHeap = Math.max(peakHeap, heapUsed);
    peakRss = Math.max(peakRss, rss);
  };
  sample();
  const rssBefore = peakRss;
  const timer = setInterval(sample, 5);
  const client = benchClient(endpoint);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // `held`: the CLI's memory without a state table (one run, nothing kept for a later one).
  const state = kind === 'held' ? new MemoryStateStore({ singleRun: true }) : undefined;
  const [items, locks, errors] =
    kind === 'scan'
      ? [await bareScan(client, table), 0, 0]
      : summary((await benchSweep(client, table, 'alert', Number(nowMs), state)).report);
  const sweepMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  sample();
  client.destroy();
  const result = {
    items,
    locks,
    errors,
    sweepMs,
    sweepCpuMs: (cpu.user + cpu.system) / 1000,
    rssBeforeMB: rssBefore / MB,
    peakRssSampledMB: peakRss / MB,
    peakHeapUsedMB: peakHeap / MB,
    // ru_maxrss is in kilobytes on Linux.
    maxRssMB: (process.resourceUsage().maxRSS * 1024) / MB,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

function summary(report: RunReport): [number, number, number] {
  return [report.tables.reduce((n, t) => n + t.items, 0), report.counts.locks, report.counts.errors];
}

void main();
