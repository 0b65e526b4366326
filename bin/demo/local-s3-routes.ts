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

/** A parsed path-style request: `/bucket/key?subresource`. */
type Request = {
  readonly model: LocalS3Model;
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly q: URLSearchParams;
  readonly body: Buffer;
  header(name: string): string | undefined;
};

type Operation = {
  readonly name: string;
  readonly matches: (r: Request) => boolean;
  readonly run: (r: Request) => S3Reply;
};

const onBucket = (method: string, sub?: string) => (r: Request) =>
  r.method === method && r.bucket !== '' && r.key === '' && (sub === undefined || r.q.has(sub));
const onObject = (method: string) => (r: Request) => r.method === method && r.key !== '';

/** The operations, first match wins (sub-resources before the plain bucket calls). */
const OPERATIONS: readonly Operation[] = [
  {
    name: 'ListBuckets',
    matches: (r) => r.method === 'GET' && !r.bucket,
    run: (r) => listBuckets(r.model, r.q),
  },
  { name: 'PutBucketTagging', matches: onBucket('PUT', 'tagging'), run: putTagging },
  { name: 'GetBucketTagging', matches: onBucket('GET', 'tagging'), run: getTagging },
  { name: 'PutBucketVersioning', matches: onBucket('PUT', 'versioning'), run: putVersioning },
  {
    name: 'GetBucketVersioning',
    matches: onBucket('GET', 'versioning'),
    run: (r) => xml(versioningXml(r.model.bucket(r.bucket).versioning)),
  },
  {
    name: 'GetBucketLocation',
    matches: onBucket('GET', 'location'),
    run: (r) => xml(locationXml(r.model.bucket(r.bucket).region)),
  },
  {
    name: 'ListObjectVersions',
    matches: onBucket('GET', 'versions'),
    run: (r) => xml(listVersionsXml(r.bucket, versionsOf(r.model, r.bucket, r.q.get('prefix') ?? ''))),
  },
  { name: 'ListObjectsV2', matches: onBucket('GET', 'list-type'), run: listObjectsV2 },
  { name: 'CreateBucket', matches: onBucket('PUT'), run: createBucket },
  {
    name: 'GetObject',
    matches: onObject('GET'),
    run: (r) => objectReply(r.model.get(r.bucket, r.key), true),
  },
  {
    name: 'HeadObject',
    matches: onObject('HEAD'),
    run: (r) => objectReply(r.model.get(r.bucket, r.key), false),
  },
  { name: 'PutObject', matches: onObject('PUT'), run: putObject },
  { name: 'DeleteObject', matches: onObject('DELETE'), run: deleteObject },
];

/** The operation a request names and how to carry it out. */
export function routeS3(model: LocalS3Model, req: IncomingMessage, body: Buffer): Route {
  // The raw path, not a URL's: `.` and `..` are legal key segments that URL parsing would collapse.
  const [path, query = ''] = (req.url ?? '/').split(/\?(.*)/s, 2);
  const slash = path.indexOf('/', 1);
  const r: Request = {
    model,
    method: req.method ?? 'GET',
    bucket: decodeURIComponent(path.slice(1, slash < 0 ? undefined : slash)),
    key: slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1)),
    q: new URLSearchParams(query),
    body,
    header: (name) => req.headers[name] as string | undefined,
  };
  const op = OPERATIONS.find((o) => o.matches(r));
  const call = {
    operation: op?.name ?? 'Unsupported',
    ...(r.bucket ? { bucket: r.bucket } : {}),
    ...(r.key ? { key: r.key } : {}),
  };
  if (op) return { call, run: () => op.run(r) };
  return {
    call,
    run: () => {
      throw new S3Error(501, 'NotImplemented', `${r.method} ${req.url} is not implemented here`);
    },
  };
}

function putTagging(r: Request): S3Reply {
  r.model.bucket(r.bucket).tags = parseTagging(r.body.toString('utf8'));
  return empty(204);
}

function getTagging(r: Request): S3Reply {
  const tags = r.model.bucket(r.bucket).tags;
  if (!tags) throw new S3Error(404, 'NoSuchTagSet', 'The TagSet does not exist');
  return xml(taggingXml(tags));
}

function putVersioning(r: Request): S3Reply {
  const status = xmlValue(r.body.toString('utf8'), 'Status');
  if (status !== 'Enabled' && status !== 'Suspended')
    throw new S3Error(400, 'MalformedXML', 'Status must be Enabled or Suspended');
  r.model.bucket(r.bucket).versioning = status;
  return empty();
}

function createBucket(r: Request): S3Reply {
  r.model.createBucket(r.bucket, xmlValue(r.body.toString('utf8'), 'LocationConstraint') || 'us-east-1');
  return empty(200, { location: `/${r.bucket}` });
}

function putObject(r: Request): S3Reply {
  const o = r.model.put(r.bucket, r.key, r.body, {
    contentType: r.header('content-type'),
    ifNoneMatch: r.header('if-none-match'),
    ifMatch: r.header('if-match'),
  });
  const versioned = r.model.bucket(r.bucket).versioning === 'Enabled';
  return empty(200, { etag: o.etag, ...(versioned ? { 'x-amz-version-id': o.versionId } : {}) });
}

function deleteObject(r: Request): S3Reply {
  const marker = r.model.delete(r.bucket, r.key, r.header('if-match'));
  return empty(204, marker ? { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } : {});
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

function listObjectsV2({ model, bucket, q }: Request): S3Reply {
  if (q.get('list-type') !== '2')
    throw new S3Error(400, 'InvalidArgument', 'only ListObjectsV2 (list-type=2) is implemented');
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
