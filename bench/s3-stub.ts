// Benchmark: a fast read-only S3 for the account-scale scenario (listings of 1k-20k objects, lockfile bodies).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compareKeys, type StoredObject } from '../bin/demo/local-s3-model';
import { errorXml, listBucketsXml, listObjectsV2Xml, locationXml } from '../bin/demo/local-s3-xml';

/** A bucket of the scenario: its region and objects (a body only for lockfiles; others share a size-only body). */
export type StubBucket = {
  readonly name: string;
  readonly region: string;
  readonly objects: readonly StoredObject[];
};

export type S3Stub = { readonly endpoint: string; close(): Promise<void> };

const PAGE = 1000;

/**
 * Serves ListBuckets (with BucketRegion, as AWS does), GetBucketLocation, GetBucketTagging (no tags:
 * NoSuchTagSet), ListObjectsV2 (1,000 keys a page, continuation tokens, encoding-type=url) and GetObject, path
 * style, from objects sorted once: answering a page costs what rendering it costs, like S3, unlike the demo's
 * model (which sorts the bucket at every page). Nothing can be written.
 */
export async function startS3Stub(buckets: readonly StubBucket[]): Promise<S3Stub> {
  const byName = new Map(
    buckets.map((b) => {
      const objects = [...b.objects].sort((x, y) => compareKeys(x.key, y.key));
      return [b.name, { ...b, objects, index: new Map(objects.map((o) => [o.key, o])) }] as const;
    }),
  );
  const server = createServer((req, res) => {
    const [path, query = ''] = (req.url ?? '/').split(/\?(.*)/s, 2);
    const q = new URLSearchParams(query);
    const slash = path.indexOf('/', 1);
    const bucketName = decodeURIComponent(path.slice(1, slash < 0 ? undefined : slash));
    const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
    const send = (status: number, body: string | Buffer, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/xml', ...headers });
      res.end(body);
    };
    const fail = (status: number, code: string) => send(status, errorXml(code, code, path, 'STUB'));
    req.resume();
    req.on('end', () => {
      if (!bucketName) {
        const list = [...byName.values()].map((b) => ({ ...b, createdMs: 0, keys: new Map() }));
        return send(200, listBucketsXml(list, undefined));
      }
      const bucket = byName.get(bucketName);
      if (!bucket) return fail(404, 'NoSuchBucket');
      if (key) {
        const o = bucket.index.get(key);
        if (!o) return fail(404, 'NoSuchKey');
        return send(200, o.body, {
          'content-type': o.contentType,
          etag: o.etag,
          'last-modified': new Date(o.lastModifiedMs).toUTCString(),
        });
      }
      if (q.has('location')) return send(200, locationXml(bucket.region));
      if (q.has('tagging')) return fail(404, 'NoSuchTagSet');
      const sent = q.get('continuation-token') ?? undefined;
      const from = sent === undefined ? 0 : Number(sent);
      const objects = bucket.objects.slice(from, from + PAGE);
      const truncated = from + PAGE < bucket.objects.length;
      const nextToken = truncated ? String(from + PAGE) : undefined;
      const encoded = q.get('encoding-type') === 'url';
      return send(
        200,
        listObjectsV2Xml({
          bucket: bucket.name,
          prefix: '',
          maxKeys: PAGE,
          objects,
          truncated,
          token: sent,
          nextToken,
          encoded,
        }),
      );
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
