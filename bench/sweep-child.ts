// Benchmark: the child process that runs one CLI-like sweep.
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RunReport } from '../lambda/core/report';
import { benchClient } from './fixture';
import { benchSweep, lambdaWay, SizingNotifier } from './sweep-run';
import { bareScan } from './sweep-vs-scan';

// Child-process entry (bundled by `memory.ts`, run by plain node): one sweep of one table in a fresh process,
// like a Lambda invocation, then one JSON line with its duration and memory. Args: endpoint table nowMs kind,
// where kind `scan` runs the floor Scan instead, to tell the engine's memory from the SDK's, and `held` sweeps
// as the Lambda runs it (lambda/handler.ts): only the lines a message or the memory needs kept, every message
// rendered and published (to a notifier that keeps their size), a memory that outlives the run (a fresh one:
// the first run, where every stale lock is news); `held-table` the same with the memory kept out of the process,
// as the deployed Lambda's state table keeps it.
const MB = 1024 * 1024;

/**
 * A memory that outlives the run but keeps nothing in this process, as the Lambda's state table does (kind
 * `held-table`): each lock is seen for the first time, the keys of the locks seen are kept for forgetting the
 * gone ones, and what it is told to remember is not held here.
 */
class ElsewhereStateStore extends MemoryStateStore {
  override async observe(...args: Parameters<MemoryStateStore['observe']>) {
    return { count: 1, firstSeenMs: args[2] };
  }
}

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
  const notifier = new SizingNotifier();
  const way = kind === 'held' || kind === 'held-table' ? lambdaWay(notifier) : {};
  const state = kind === 'held-table' ? new ElsewhereStateStore() : new MemoryStateStore();
  const [items, locks, errors, alerted] =
    kind === 'scan'
      ? [await bareScan(client, table), 0, 0, 0]
      : summary((await benchSweep(client, table, 'alert', Number(nowMs), state, way)).report);
  const sweepMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(timer);
  sample();
  client.destroy();
  const result = {
    items,
    locks,
    errors,
    alerted,
    published: { messages: notifier.messages, bytes: notifier.bytes },
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

function summary(report: RunReport): [number, number, number, number] {
  const { counts } = report;
  return [report.tables.reduce((n, t) => n + t.items, 0), counts.locks, counts.errors, counts.alerted];
}

void main();
