// Benchmark: one loopback endpoint for several regions, each with its own round-trip delay, routed by service.
import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';

export type LatencyProxy = {
  readonly endpoint: string;
  /** Requests forwarded so far, by `<service> <region>`. */
  readonly counts: Map<string, number>;
  close(): Promise<void>;
};

/** Where a signed request goes: from the SigV4 credential scope (`Credential=AK/DATE/REGION/SERVICE/aws4_request`). */
const SCOPE = /Credential=[^/]+\/\d{8}\/([^/]+)\/([^/]+)\/aws4_request/;

/**
 * A proxy that holds each request for its region's round trip (`rttMs[region]`), then forwards it to
 * `upstream(service, region)`, streaming both ways over kept-alive connections: a client sees one endpoint
 * and the latency of the region its request is signed for, as it would across AWS regions. Unsigned or
 * unroutable requests are answered 502.
 */
export async function startLatencyProxy(
  rttMs: Readonly<Record<string, number>>,
  upstream: (service: string, region: string) => string | undefined,
): Promise<LatencyProxy> {
  const agent = new Agent({ keepAlive: true, maxSockets: Number.POSITIVE_INFINITY });
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const scope = SCOPE.exec(String(req.headers.authorization ?? ''));
    const target = scope ? upstream(scope[2], scope[1]) : undefined;
    if (!scope || !target || !(scope[1] in rttMs)) {
      res.writeHead(502).end(`no route for ${req.method} ${req.url}`);
      req.resume();
      return;
    }
    const key = `${scope[2]} ${scope[1]}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
    req.pause();
    setTimeout(() => {
      const url = new URL(target);
      const out = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: url.host },
        },
        (upstreamRes) => {
          res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
          upstreamRes.pipe(res);
        },
      );
      out.on('error', () => res.destroy());
      req.pipe(out);
      req.resume();
    }, rttMs[scope[1]]);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
