// Demo S3: maps a path-style S3 request to its operation on the model and the reply S3 would give.
import type { IncomingMessage } from 'node:http';
import { compareKeys, type LocalS3Model, S3Error, type StoredObject } from './local-s3-model';
import {
  listBucketsXml,
  listObjectsV2Xml,
  listVersionsXml,
  locationXml,
  parseTagging,
  taggingXml,
  versioningXml,
  xmlValue,
} from './local-s3-xml';

export type S3Reply = {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
};

type Route = {
  readonly call: { readonly operation: string; readonly bucket?: string; readonly key?: string };
  readonly run: () => S3Reply;
};

const XML = { 'content-type': 'application/xml' };
const xml = (body: string): S3Reply => ({ status: 200, headers: XML, body });
const empty = (status = 200, headers: Record<string, string> = {}): S3Reply => ({ status, headers });
const token = (key: string) => Buffer.from(key, 'utf8').toString('base64url');
const untoken = (t: string) => Buffer.from(t, 'base64url').toString('utf8');

/** The operation a request names (path-style: `/bucket/key?subresource`) and how to carry it out. */
export function routeS3(model: LocalS3Model, req: IncomingMessage, body: Buffer): Route {
  // The raw path, not a URL's: `.` and `..` are legal key segments that URL parsing would collapse.
  const [path, query = ''] = (req.url ?? '/').split(/\?(.*)/s, 2);
  const q = new URLSearchParams(query);
  const slash = path.indexOf('/', 1);
  const bucket = decodeURIComponent(path.slice(1, slash < 0 ? undefined : slash));
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  const method = req.method ?? 'GET';
  const header = (name: string) => req.headers[name] as string | undefined;
  const route = (operation: string, run: () => S3Reply): Route => ({
    call: { operation, ...(bucket ? { bucket } : {}), ...(key ? { key } : {}) },
    run,
  });

  if (!bucket && method === 'GET') return route('ListBuckets', () => listBuckets(model, q));
  if (bucket && !key) {
    if (method === 'PUT' && q.has('tagging'))
      return route('PutBucketTagging', () => {
        model.bucket(bucket).tags = parseTagging(body.toString('utf8'));
        return empty(204);
      });
    if (method === 'GET' && q.has('tagging'))
      return route('GetBucketTagging', () => {
        const tags = model.bucket(bucket).tags;
        if (!tags) throw new S3Error(404, 'NoSuchTagSet', 'The TagSet does not exist');
        return xml(taggingXml(tags));
      });
    if (method === 'PUT' && q.has('versioning'))
      return route('PutBucketVersioning', () => {
        const status = xmlValue(body.toString('utf8'), 'Status');
        if (status !== 'Enabled' && status !== 'Suspended')
          throw new S3Error(400, 'MalformedXML', 'Status must be Enabled or Suspended');
        model.bucket(bucket).versioning = status;
        return empty();
      });
    if (method === 'GET' && q.has('versioning'))
      return route('GetBucketVersioning', () => xml(versioningXml(model.bucket(bucket).versioning)));
    if (method === 'GET' && q.has('location'))
      return route('GetBucketLocation', () => xml(locationXml(model.bucket(bucket).region)));
    if (method === 'GET' && q.has('versions'))
      return route('ListObjectVersions', () =>
        xml(listVersionsXml(bucket, versionsOf(model, bucket, q.get('prefix') ?? ''))),
      );
    if (method === 'GET' && q.get('list-type') === '2')
      return route('ListObjectsV2', () => listObjectsV2(model, bucket, q));
    if (method === 'PUT')
      return route('CreateBucket', () => {
        const region = xmlValue(body.toString('utf8'), 'LocationConstraint') || 'us-east-1';
        model.createBucket(bucket, region);
        return empty(200, { location: `/${bucket}` });
      });
  }
  if (bucket && key) {
    if (method === 'GET' || method === 'HEAD')
      return route(method === 'GET' ? 'GetObject' : 'HeadObject', () =>
        objectReply(model.get(bucket, key), method === 'GET'),
      );
    if (method === 'PUT')
      return route('PutObject', () => {
        const o = model.put(bucket, key, body, {
          contentType: header('content-type'),
          ifNoneMatch: header('if-none-match'),
          ifMatch: header('if-match'),
        });
        return empty(200, { etag: o.etag, ...versionHeader(model, bucket, o.versionId) });
      });
    if (method === 'DELETE')
      return route('DeleteObject', () => {
        const marker = model.delete(bucket, key, header('if-match'));
        return empty(
          204,
          marker ? { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } : {},
        );
      });
  }
  return route('Unsupported', () => {
    throw new S3Error(501, 'NotImplemented', `${method} ${req.url} is not implemented here`);
  });
}

function listBuckets(model: LocalS3Model, q: URLSearchParams): S3Reply {
  const max = Number(q.get('max-buckets') ?? 10000);
  const after = q.get('continuation-token');
  const all = [...model.buckets.values()]
    .filter((b) => after === null || b.name > untoken(after))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  const page = all.slice(0, max);
  const next = all.length > max ? token(page[page.length - 1].name) : undefined;
  return xml(listBucketsXml(page, next));
}

function listObjectsV2(model: LocalS3Model, bucket: string, q: URLSearchParams): S3Reply {
  const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000), 1000);
  const sent = q.get('continuation-token') ?? undefined;
  const after = sent !== undefined ? untoken(sent) : (q.get('start-after') ?? undefined);
  const prefix = q.get('prefix') ?? '';
  const { objects, truncated } = model.list(bucket, prefix, after, maxKeys);
  const nextToken = truncated ? token(objects[objects.length - 1].key) : undefined;
  const encoded = q.get('encoding-type') === 'url';
  return xml(
    listObjectsV2Xml({ bucket, prefix, maxKeys, objects, truncated, token: sent, nextToken, encoded }),
  );
}

function versionsOf(model: LocalS3Model, bucket: string, prefix: string) {
  const keys = [...model.bucket(bucket).keys.entries()]
    .filter(([k]) => k.startsWith(prefix))
    .sort(([a], [b]) => compareKeys(a, b));
  return keys.flatMap(([, versions]) =>
    versions.map((v, i) => ({ ...v, latest: i === versions.length - 1 })).reverse(),
  );
}

function objectReply(o: StoredObject, withBody: boolean): S3Reply {
  const headers = {
    etag: o.etag,
    'last-modified': new Date(o.lastModifiedMs).toUTCString(),
    'content-type': o.contentType,
    'content-length': String(o.body.length),
    ...(o.versionId !== 'null' ? { 'x-amz-version-id': o.versionId } : {}),
  };
  return { status: 200, headers, ...(withBody ? { body: o.body } : {}) };
}

function versionHeader(model: LocalS3Model, bucket: string, versionId: string): Record<string, string> {
  return model.bucket(bucket).versioning === 'Enabled' ? { 'x-amz-version-id': versionId } : {};
}
