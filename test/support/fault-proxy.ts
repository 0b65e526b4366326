// Test support: an HTTP proxy that injects faults between the SDK and dynalite.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request as the proxy sees it: the DynamoDB operation (from X-Amz-Target) and the JSON body. */
export type ProxiedCall = { operation: string; body: Record<string, unknown> };

/** A reply the proxy sends instead of forwarding: an HTTP status and a DynamoDB error type. */
export type Fault = { status: number; type: string; message: string };

/** The proxy takes the request and never answers it (a stuck server). */
export const HANG = 'hang' as const;

/** The proxy forwards the request only after this many milliseconds (a slow server). */
export type Delay = { readonly delayMs: number };

export type FaultProxy = { endpoint: string; calls: ProxiedCall[]; close(): Promise<void> };

/**
 * An HTTP proxy in front of a DynamoDB engine that can answer a request with an AWS error instead of
 * forwarding it, so the real SDK parses a real error response (throttling, 5xx, AccessDenied, a missing API).
 */
export async function startFaultProxy(
  target: string,
  fault: (call: ProxiedCall) => Fault | Delay | typeof HANG | undefined,
): Promise<FaultProxy> {
  const calls: ProxiedCall[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const operation =
        String(req.headers['x-amz-target'] ?? '')
          .split('.')
          .pop() ?? '';
      const call = {
        operation,
        body: raw.length ? (JSON.parse(raw.toString('utf8')) as Record<string, unknown>) : {},
      };
      calls.push(call);
      const f = fault(call);
      if (f === HANG) return;
      if (f && 'delayMs' in f) {
        setTimeout(() => forward(raw), f.delayMs);
        return;
      }
      if (f) {
        res.writeHead(f.status, { 'content-type': 'application/x-amz-json-1.0' });
        res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${f.type}`, message: f.message }));
        return;
      }
      forward(raw);
    });
    const forward = (raw: Buffer) => {
      const out = request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers: req.headers,
        },
        (up) => {
          res.writeHead(up.statusCode ?? 500, up.headers);
          up.pipe(res);
        },
      );
      out.on('error', (e) => {
        res.writeHead(502);
        res.end(String(e));
      });
      out.end(raw);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
