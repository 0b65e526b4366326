// Test support: starts, resets and stops a moto server (S3 that enforces conditional deletes) on a free port.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';

export type Moto = {
  readonly endpoint: string;
  /** Forgets every resource (POST /moto-api/reset). */
  reset(): Promise<void>;
  stop(): Promise<void>;
};

let available: boolean | undefined;

/** Whether `python3 -c "import moto"` works on this machine (checked once). */
export function motoAvailable(): boolean {
  available ??=
    spawnSync('python3', ['-c', 'import moto.server'], { stdio: 'ignore', timeout: 30_000 }).status === 0;
  return available;
}

/** The reason to print when a moto suite is skipped. */
export const MOTO_MISSING =
  'moto is not installed (python3 -c "import moto" failed): skipping the suites that need it; install it with: pip install "moto[server]"';

/** A suite that needs moto: run when it is installed, otherwise skipped with MOTO_MISSING said once for it. */
export function describeOnMoto(name: string, suite: () => void): void {
  if (motoAvailable()) {
    describe(name, suite);
    return;
  }
  console.warn(MOTO_MISSING);
  describe.skip(name, suite);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `python3 -m moto.server -H 127.0.0.1 -p PORT` and waits until it answers. The process is killed by
 * `stop()`, and in any case when this (jest worker) process exits.
 */
export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString('utf8')).slice(-2000);
  });
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const stop = async () => {
    process.removeListener('exit', killOnExit);
    await kill(child);
  };
  try {
    await waitUntilAnswering(endpoint, child, () => stderr);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    endpoint,
    async reset() {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    stop,
  };
}

async function waitUntilAnswering(
  endpoint: string,
  child: ChildProcess,
  stderr: () => string,
): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`moto server exited (${child.exitCode}): ${stderr()}`);
    try {
      await (await fetch(`${endpoint}/moto-api/`)).arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`moto server did not answer on ${endpoint} within 30 s: ${stderr()}`);
}

function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 3000).unref();
  });
}
