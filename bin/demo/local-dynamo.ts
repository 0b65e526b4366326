// Starts dynalite, an in-process DynamoDB engine, for the demo, tests and benchmarks.
import type { AddressInfo } from 'node:net';

// dynalite ships no type declarations; this is the part of its API we use.
type DynaliteServer = {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo | string | null;
  close(cb: (err?: Error) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
};
type Dynalite = (opts: Record<string, number>) => DynaliteServer;

/** A DynamoDB-compatible engine running in this process, on a free loopback port. */
export type LocalDynamo = { readonly endpoint: string; close(): Promise<void> };

/** Starts dynalite in memory on 127.0.0.1 with instant table creation and deletion. */
export async function startDynalite(): Promise<LocalDynamo> {
  // Required here, not on import: the installed package leaves dynalite out (bin/demo/dynalite-check.ts).
  const dynalite = require('dynalite') as Dynalite;
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
