// Benchmark: the child of `heap-accounting.ts`: one held-lock sweep that writes a heap snapshot once every table is read.
import { writeHeapSnapshot } from 'node:v8';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { benchClient } from './fixture';
import { benchSweep, lambdaWay, SizingNotifier } from './sweep-run';

// Child-process entry (bundled, run by node --expose-gc). Args: endpoint table nowMs snapshotFile. The sweep is the
// Lambda's (the bench's held-lock figure: news lines kept, messages published, a memory that outlives the run).
// The snapshot is taken when the run forgets the locks it did not see: every table has been read and every lock
// judged, the report not yet built, so what is live then is what the run holds per lock.
async function main(): Promise<void> {
  const [endpoint, table, nowMs, file] = process.argv.slice(2);
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const state = new MemoryStateStore();
  const forget = state.forgetGone.bind(state);
  state.forgetGone = (scanned, seen, atMs) => {
    gc();
    writeHeapSnapshot(file);
    return forget(scanned, seen, atMs);
  };
  const client = benchClient(endpoint);
  const { report } = await benchSweep(
    client,
    table,
    'alert',
    Number(nowMs),
    state,
    lambdaWay(new SizingNotifier()),
  );
  client.destroy();
  process.stdout.write(`${JSON.stringify({ locks: report.counts.locks, errors: report.counts.errors })}\n`);
}

void main();
