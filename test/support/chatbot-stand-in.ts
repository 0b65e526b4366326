// Test support: a stand-in for the Amazon Q Developer (Chatbot) API that records each request.
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * moto 5.2.1 has no Chatbot, and no AWS SDK for JavaScript client has its custom-action API, so this stand-in answers
 * the four operations the doctor sends with the shapes of the service model (chatbot 2017-10-11: REST-JSON, `POST` to
 * `/describe-slack-channel-configurations`, `/list-ms-teams-channel-configurations`, `/list-associations`,
 * `/get-custom-action`), and records each request so the test pins what the doctor sends.
 */
export type Seen = { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> };

export async function standIn(answer: (seen: Seen) => { status?: number; type?: string; body: object }) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const call = {
        path: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}'),
      };
      seen.push(call);
      const { status = 200, type, body } = answer(call);
      res.writeHead(status, {
        'content-type': 'application/json',
        ...(type ? { 'x-amzn-errortype': type } : {}),
      });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    seen,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
