// Adapter: a ListObjectsV2 page read from S3's XML for the four things the janitor uses (the SDK parses the rest).
import type { _Object } from '@aws-sdk/client-s3';

/** What the janitor reads of a ListObjectsV2 page. */
export type ListedPage = {
  readonly contents: _Object[];
  readonly isTruncated: boolean;
  readonly nextContinuationToken?: string;
  readonly encodingType?: string;
};

const ENTITY = /&(?:#x([0-9a-fA-F]+)|#([0-9]+)|(amp|lt|gt|quot|apos));/g;
const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * Parses S3's ListObjectsV2 result for each object's Key, ETag, LastModified and Size, and the page's
 * IsTruncated, NextContinuationToken and EncodingType, 4-5 times cheaper than the SDK's full XML parse (which
 * builds every element of every object). Anything it does not recognise (another root, CDATA, comments,
 * processing instructions inside the document, a carriage return, an unknown entity, a value of only
 * whitespace, a Contents without a Key, a date that is not one) gives undefined, and the caller lets the SDK parse the page instead.
 */
export function parseListObjectsV2(xml: string): ListedPage | undefined {
  const start = xml.indexOf('<ListBucketResult');
  if (start < 0 || /<!\[CDATA\[|<!--|\r/.test(xml) || xml.indexOf('<?', start) >= 0) return undefined;
  const contents: _Object[] = [];
  let rest = '';
  let at = start;
  while (true) {
    const open = xml.indexOf('<Contents>', at);
    if (open < 0) {
      rest += xml.slice(at);
      break;
    }
    const close = xml.indexOf('</Contents>', open);
    if (close < 0) return undefined;
    rest += xml.slice(at, open);
    const object = parseObject(xml.slice(open + 10, close));
    if (!object) return undefined;
    contents.push(object);
    at = close + 11;
  }
  const truncated = text(rest, 'IsTruncated');
  if (truncated === null || (truncated !== undefined && truncated !== 'true' && truncated !== 'false'))
    return undefined;
  const token = text(rest, 'NextContinuationToken');
  const encoding = text(rest, 'EncodingType');
  if (token === null || encoding === null) return undefined;
  return {
    contents,
    isTruncated: truncated === 'true',
    ...(token === undefined ? {} : { nextContinuationToken: token }),
    ...(encoding === undefined ? {} : { encodingType: encoding }),
  };
}

function parseObject(block: string): _Object | undefined {
  const key = text(block, 'Key');
  const etag = text(block, 'ETag');
  const modified = text(block, 'LastModified');
  const size = text(block, 'Size');
  if (key === undefined || key === null || etag === null || modified === null || size === null)
    return undefined;
  const object: _Object = { Key: key };
  if (etag !== undefined) object.ETag = etag;
  if (modified !== undefined) {
    const date = new Date(modified);
    if (Number.isNaN(date.getTime())) return undefined;
    object.LastModified = date;
  }
  if (size !== undefined) {
    if (!/^\d+$/.test(size)) return undefined;
    object.Size = Number(size);
  }
  return object;
}

/**
 * The decoded text of the first `<name>` element of `xml` at this level (undefined: absent; null: present but
 * not plain text, or with an entity this parser does not know).
 */
function text(xml: string, name: string): string | undefined | null {
  const open = `<${name}>`;
  const i = xml.indexOf(open);
  if (i < 0) return xml.includes(`<${name}/>`) || xml.includes(`<${name} `) ? null : undefined;
  const from = i + open.length;
  const to = xml.indexOf(`</${name}>`, from);
  if (to < 0) return null;
  const raw = xml.slice(from, to);
  // Markup inside, or only whitespace (which the SDK's parser drops): the SDK decides.
  if (raw.includes('<') || /^\s+$/.test(raw)) return null;
  return decode(raw);
}

function decode(raw: string): string | null {
  if (!raw.includes('&')) return raw;
  // An `&` that does not start an entity this parser knows: let the SDK judge the page.
  if (raw.replace(ENTITY, '').includes('&')) return null;
  let bad = false;
  const out = raw.replace(ENTITY, (_, hex: string, dec: string, named: string) => {
    if (named) return NAMED[named];
    const code = hex ? Number.parseInt(hex, 16) : Number(dec);
    if (!isXmlChar(code)) bad = true;
    return bad ? '' : String.fromCodePoint(code);
  });
  return bad ? null : out;
}

/** XML 1.0's Char production (a character reference to anything else is not well-formed). */
function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}
