// Benchmark: the engine-only sweep timing.
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';

/** dynalite running in a child process of its own. */
export type EngineProcess = {
  readonly endpoint: string;
  readonly pid: number;
  /** CPU seconds (user + system) the engine process has used so far, from /proc. */
  cpuSeconds(): Promise<number>;
  close(): Promise<void>;
};

/**
 * Starts `bench/dynalite-server.ts` under tsx in a fresh node process and waits for its endpoint. `region` is the
 * region its table ARNs name (dynalite reads it from AWS_REGION), as a real region's DynamoDB endpoint does.
 */
export async function startEngineProcess(region?: string): Promise<EngineProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, 'dynalite-server.ts')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: {
      ...process.env,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...(region ? { AWS_REGION: region, AWS_DEFAULT_REGION: region } : {}),
    },
  });
  const lines = createInterface({ input: child.stdout! });
  const [first] = (await Promise.race([
    once(lines, 'line'),
    once(child, 'exit').then(([code]) => {
      throw new Error(`the dynalite child exited with code ${code} before printing its endpoint`);
    }),
  ])) as [string];
  const { endpoint } = JSON.parse(first) as { endpoint: string };
  return {
    endpoint,
    pid: child.pid!,
    cpuSeconds: () => procCpuSeconds(child.pid!),
    close: () => stop(child),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.stdin!.end();
  await exited;
}

/** utime + stime of a Linux process in seconds (fields 14 and 15 of /proc/<pid>/stat, in clock ticks). */
export async function procCpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const TICKS_PER_SECOND = 100;
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
}
