// Benchmark: a dynalite server in a child process.
import { startDynalite } from '../bin/demo/local-dynamo';

// Child-process entry: dynalite on its own core, like a network service. Prints its endpoint as one JSON line
// and stops when the parent closes stdin or sends SIGTERM.
async function main(): Promise<void> {
  const engine = await startDynalite();
  process.stdout.write(`${JSON.stringify({ endpoint: engine.endpoint })}\n`);
  const stop = () => {
    void engine.close().finally(() => process.exit(0));
  };
  process.stdin.on('end', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

void main();
