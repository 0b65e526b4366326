// Demo S3: the XML the in-process S3 answers with, shaped like S3's so the SDK parses it, and the XML it reads.
import type { LocalBucket, StoredObject, Version } from './local-s3-model';

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/';

export function escapeXml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] ?? c,
  );
}

function el(name: string, value: string | number | boolean): string {
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function doc(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${inner}</${root}>`;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function errorXml(code: string, message: string, resource: string, requestId: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${el('Code', code)}${el('Message', message)}${el('Resource', resource)}${el('RequestId', requestId)}</Error>`;
}

export function listBucketsXml(buckets: readonly LocalBucket[], token: string | undefined): string {
  const items = buckets
    .map(
      (b) =>
        `<Bucket>${el('Name', b.name)}${el('CreationDate', iso(b.createdMs))}${el('BucketRegion', b.region)}</Bucket>`,
    )
    .join('');
  const owner = `<Owner>${el('ID', 'local')}${el('DisplayName', 'local')}</Owner>`;
  return doc(
    'ListAllMyBucketsResult',
    `${owner}<Buckets>${items}</Buckets>${token ? el('ContinuationToken', token) : ''}`,
  );
}

export function locationXml(region: string): string {
  return doc('LocationConstraint', region === 'us-east-1' ? '' : escapeXml(region));
}

export function taggingXml(tags: Readonly<Record<string, string>>): string {
  const set = Object.entries(tags)
    .map(([k, v]) => `<Tag>${el('Key', k)}${el('Value', v)}</Tag>`)
    .join('');
  return doc('Tagging', `<TagSet>${set}</TagSet>`);
}

export function versioningXml(status: string | undefined): string {
  return doc('VersioningConfiguration', status ? el('Status', status) : '');
}

/** S3's `encoding-type=url` encoding of a key: percent-encoded, `/` kept. */
export function urlEncodeKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/');
}

export function listObjectsV2Xml(p: {
  bucket: string;
  prefix: string;
  maxKeys: number;
  objects: readonly StoredObject[];
  truncated: boolean;
  token?: string;
  nextToken?: string;
  encoded: boolean;
}): string {
  const key = (k: string) => (p.encoded ? urlEncodeKey(k) : k);
  const contents = p.objects
    .map(
      (o) =>
        `<Contents>${el('Key', key(o.key))}${el('LastModified', iso(o.lastModifiedMs))}${el('ETag', o.etag)}${el('Size', o.body.length)}${el('StorageClass', 'STANDARD')}</Contents>`,
    )
    .join('');
  const head = `${el('Name', p.bucket)}${el('Prefix', key(p.prefix))}${el('KeyCount', p.objects.length)}${el('MaxKeys', p.maxKeys)}${el('IsTruncated', p.truncated)}`;
  const tokens = `${p.token ? el('ContinuationToken', p.token) : ''}${p.nextToken ? el('NextContinuationToken', p.nextToken) : ''}`;
  return doc('ListBucketResult', `${head}${tokens}${p.encoded ? el('EncodingType', 'url') : ''}${contents}`);
}

export function listVersionsXml(
  bucket: string,
  versions: readonly (Version & { latest: boolean })[],
): string {
  const items = versions
    .map((v) => {
      const common = `${el('Key', v.key)}${el('VersionId', v.versionId)}${el('IsLatest', v.latest)}${el('LastModified', iso(v.lastModifiedMs))}`;
      return 'deleteMarker' in v
        ? `<DeleteMarker>${common}</DeleteMarker>`
        : `<Version>${common}${el('ETag', v.etag)}${el('Size', v.body.length)}${el('StorageClass', 'STANDARD')}</Version>`;
    })
    .join('');
  return doc('ListVersionsResult', `${el('Name', bucket)}${el('IsTruncated', false)}${items}`);
}

/** The raw inner XML of every `<name>` element (enough for S3's small request documents). */
function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([\\s\\S]*?)</${name}>`, 'g'))].map((m) => m[1]);
}

/** The unescaped text of the first `<name>` element, if any. */
export function xmlValue(xml: string, name: string): string | undefined {
  const raw = elements(xml, name)[0];
  return raw
    ?.replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Tags from a PutBucketTagging body. */
export function parseTagging(xml: string): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const tag of elements(xml, 'Tag')) tags[xmlValue(tag, 'Key') ?? ''] = xmlValue(tag, 'Value') ?? '';
  return tags;
}
