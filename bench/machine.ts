// Benchmark: facts about the machine the figures come from.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

export type Machine = {
  readonly date: string;
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memory: string;
  readonly node: string;
  /** The 1-minute load average at the start: other processes share these cores. */
  readonly loadAverage: string;
};

/** The machine the figures were measured on (Linux). */
export async function describeMachine(): Promise<Machine> {
  const cpuinfo = await readFile('/proc/cpuinfo', 'utf8');
  const { stdout: free } = await run('free', ['-h']);
  const loadavg = await readFile('/proc/loadavg', 'utf8');
  return {
    date: new Date().toISOString(),
    cpus: availableParallelism(),
    cpuModel: /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? 'unknown',
    memory: free.split('\n')[1]?.split(/\s+/)[1] ?? 'unknown',
    node: process.version,
    loadAverage: loadavg.split(' ').slice(0, 3).join(' '),
  };
}
