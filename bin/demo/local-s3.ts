// Demo S3: an in-process, path-style S3 over node:http with exactly the calls the janitor and its tests make.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LocalS3Model, S3Error } from './local-s3-model';
import { routeS3, type S3Reply } from './local-s3-routes';
import { errorXml } from './local-s3-xml';

/** One request as the server saw it: the S3 operation and where. */
export type LocalS3Call = {
  readonly operation: string;
  readonly method: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
};

/** An error to answer instead of the real reply; `afterApplying` carries the request out first (a lost response). */
export type LocalS3Fault = {
  readonly status: number;
  readonly code: string;
  readonly message?: string;
  readonly afterApplying?: boolean;
};

export type LocalS3Options = {
  /** The server's clock, for LastModified. @default Date.now */
  readonly now?: () => number;
  /** @default a free port */
  readonly port?: number;
  /** Decides, per request, to answer with an error (tests). */
  readonly fault?: (call: LocalS3Call) => LocalS3Fault | undefined;
};

export type LocalS3 = {
  readonly endpoint: string;
  readonly model: LocalS3Model;
  /** Every request received, in order. */
  readonly calls: LocalS3Call[];
  /** Forgets every bucket and call. */
  reset(): void;
  close(): Promise<void>;
};

/**
 * Starts an in-process S3 on 127.0.0.1: ListBuckets, CreateBucket, Get/PutBucketTagging, GetBucketLocation,
 * Get/PutBucketVersioning, ListObjectsV2 (continuation tokens, max-keys, encoding-type=url), ListObjectVersions,
 * Get/Head/PutObject (If-None-Match: *) and DeleteObject (If-Match), with S3's status codes and XML. Requests
 * are not authenticated. The contract suite runs the same tests against it and moto so the two cannot drift.
 */
export async function startLocalS3(options: LocalS3Options = {}): Promise<LocalS3> {
  let model = new LocalS3Model(options.now ?? Date.now);
  const calls: LocalS3Call[] = [];
  const server = createServer((req, res) => {
    readBody(req).then(
      (body) => {
        let reply: S3Reply;
        try {
          reply = handle(req, body);
        } catch (e) {
          reply = errorReply(new S3Error(500, 'InternalError', String(e)));
        }
        res.writeHead(reply.status, { 'x-amz-request-id': requestId(), ...reply.headers });
        res.end(req.method === 'HEAD' ? undefined : reply.body);
      },
      () => res.destroy(),
    );
  });

  function handle(req: IncomingMessage, body: Buffer): S3Reply {
    const route = routeS3(model, req, body);
    calls.push({ ...route.call, method: req.method ?? '', headers: req.headers });
    const fault = options.fault?.({ ...route.call, method: req.method ?? '', headers: req.headers });
    if (fault && !fault.afterApplying)
      return errorReply(new S3Error(fault.status, fault.code, fault.message ?? ''));
    let reply: S3Reply;
    try {
      reply = route.run();
    } catch (e) {
      if (!(e instanceof S3Error)) throw e;
      reply = errorReply(e, route.call.key ?? route.call.bucket ?? '/');
    }
    return fault ? errorReply(new S3Error(fault.status, fault.code, fault.message ?? '')) : reply;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    get model() {
      return model;
    },
    calls,
    reset() {
      model = new LocalS3Model(options.now ?? Date.now);
      calls.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function errorReply(e: S3Error, resource = '/'): S3Reply {
  return {
    status: e.status,
    headers: { 'content-type': 'application/xml' },
    body: errorXml(e.code, e.message, resource, requestId()),
  };
}

const requestId = () => randomBytes(8).toString('hex').toUpperCase();

/** The request body; `aws-chunked` bodies (the SDK's streaming checksums) are de-chunked. */
async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const chunked =
    String(req.headers['content-encoding'] ?? '').includes('aws-chunked') ||
    String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
  return chunked ? dechunk(raw) : raw;
}

/** `<hex size>[;ext]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n` to the data. */
function dechunk(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  while (at < raw.length) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) break;
    const size = Number.parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0], 16);
    if (!(size > 0)) break;
    parts.push(raw.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
