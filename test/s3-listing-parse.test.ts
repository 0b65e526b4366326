// Tests: the light ListObjectsV2 parse reads every page exactly as the SDK's own parser does, hostile keys included.
import { Readable } from 'node:stream';
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, S3Client } from '@aws-sdk/client-s3';
import fc from 'fast-check';
import type { StoredObject } from '../bin/demo/local-s3-model';
import { listObjectsV2Xml } from '../bin/demo/local-s3-xml';
import { parseListObjectsV2 } from '../lambda/adapters/s3-listing-parse';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';

/** An S3 client whose every response is `xml` (status 200): the SDK's real deserializer, no network. */
function answering(xml: () => string): S3Client {
  return new S3Client({
    region: 'us-east-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    requestHandler: {
      handle: async () => ({
        response: {
          statusCode: 200,
          reason: 'OK',
          headers: { 'content-type': 'application/xml' },
          body: Readable.from([Buffer.from(xml())]),
        },
      }),
    },
  });
}

async function sdkParse(xml: string): Promise<ListObjectsV2CommandOutput> {
  return answering(() => xml).send(new ListObjectsV2Command({ Bucket: 'b' }));
}

/** Pieces that break naive XML handling: entities, markup, quotes, whitespace, astral and combining characters. */
const hostile = fc.oneof(
  fc.constantFrom('&', '&amp;', '&lt;', '<', '>', '"', "'", '&#x41;', '&#65;', ']]>', '<![CDATA[', ' ', '  '),
  fc.constantFrom(
    '\t',
    '\n',
    '/',
    '%',
    '+',
    '%2B',
    '?',
    '#',
    '\u00e9',
    'e\u0301',
    '\u{1f512}',
    '\u2028',
    '.tflock',
  ),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);
const hostileKey = fc
  .array(hostile, { minLength: 1, maxLength: 12 })
  .map((parts) => parts.join(''))
  .filter((k) => k.length > 0);

/** A key of exactly 1,024 UTF-8 bytes (S3's limit), made of `unit` repeated and padded with ASCII. */
function longKey(unit: string): string {
  let key = '';
  while (Buffer.byteLength(key + unit) <= 1024) key += unit;
  return key + 'x'.repeat(1024 - Buffer.byteLength(key));
}

const stored = (key: string, i: number): StoredObject => ({
  key,
  body: Buffer.alloc(i * 7),
  etag: `"${i.toString(16).padStart(32, '0')}"`,
  lastModifiedMs: 1_760_000_000_000 + i * 1000,
  contentType: 'binary/octet-stream',
  versionId: 'null',
});

function page(keys: readonly string[], encoded: boolean, truncated: boolean): string {
  return listObjectsV2Xml({
    bucket: 'b',
    prefix: '',
    maxKeys: 1000,
    objects: keys.map(stored),
    truncated,
    ...(truncated ? { nextToken: `tok&en<${keys.length}>"` } : {}),
    encoded,
  });
}

/** The fields the janitor reads, from either parser. */
function fields(out: {
  Contents?: ListObjectsV2CommandOutput['Contents'];
  IsTruncated?: boolean;
  NextContinuationToken?: string;
  EncodingType?: string;
}) {
  return {
    contents: (out.Contents ?? []).map((o) => [o.Key, o.ETag, o.LastModified?.getTime(), o.Size]),
    truncated: out.IsTruncated ?? false,
    token: out.NextContinuationToken,
    encoding: out.EncodingType,
  };
}

describe('parseListObjectsV2 against the SDK parser', () => {
  it('reads hostile keys (entities, markup, unicode, whitespace) exactly as the SDK does, encoded or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(hostileKey, { minLength: 0, maxLength: 6 }),
        fc.boolean(),
        fc.boolean(),
        async (keys, encoded, truncated) => {
          const xml = page(keys, encoded, truncated);
          const light = parseListObjectsV2(xml);
          const sdk = fields(await sdkParse(xml));
          // The light parse may decline a page (then the SDK parses it), never read it differently.
          if (light === undefined) return;
          expect(
            fields({
              Contents: light.contents,
              IsTruncated: light.isTruncated,
              NextContinuationToken: light.nextContinuationToken,
              EncodingType: light.encodingType,
            }),
          ).toEqual(sdk);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads 1,024-byte keys of ASCII, accented, astral and escaped characters', async () => {
    const keys = ['a', 'é', '\u{1f512}', '&', '<', '"', 'ü/'].map(longKey);
    for (const encoded of [false, true]) {
      const xml = page(keys, encoded, true);
      const light = parseListObjectsV2(xml);
      expect(light).toBeDefined();
      expect(light?.contents.map((o) => o.Key)).toEqual((await sdkParse(xml)).Contents?.map((o) => o.Key));
    }
    expect(keys.every((k) => Buffer.byteLength(k) === 1024)).toBe(true);
  });

  it('declines pages it cannot read with certainty: CDATA, comments, carriage returns, unknown entities', () => {
    const ok = page(['a/terraform.tfstate'], false, false);
    expect(parseListObjectsV2(ok)).toBeDefined();
    for (const bad of [
      ok.replace('<Key>a/', '<Key><![CDATA[a/]]>'),
      ok.replace('<Key>', '<!-- c --><Key>'),
      ok.replace('<Key>a/', '<Key>a\r/'),
      ok.replace('<Key>a/', '<Key>&nbsp;a/'),
      ok.replace('<Key>a/', '<Key>&#0;a/'),
      ok.replace('<IsTruncated>false', '<IsTruncated>maybe'),
      ok.replace('<Size>', '<Size>-'),
      ok.replace(/<Key>[^<]*<\/Key>/, ''),
      '<Error><Code>AccessDenied</Code></Error>',
    ])
      expect(parseListObjectsV2(bad)).toBeUndefined();
  });
});

describe('S3LockfileStore listing through the light parse', () => {
  it('lists what the SDK would, and lets the SDK parse a page the light parse declines', async () => {
    const keys = [
      'a/terraform.tfstate',
      'a/terraform.tfstate.tflock',
      'b & c/<x>.tfstate.tflock',
      'd\u{1f512}.tflock',
    ];
    const pages = [page(keys.slice(0, 2), true, true), page(keys.slice(2), false, false)];
    // The second page carries a comment: the light parse declines it and the SDK reads it whole.
    pages[1] = pages[1].replace('<Contents>', '<!-- hi --><Contents>');
    let n = 0;
    const store = new S3LockfileStore(answering(() => pages[n++]));
    const listed = [];
    for await (const p of store.listLockfiles('b'))
      listed.push(...p.lockfiles.map((l) => [l.key, l.etag, l.size]));
    expect(n).toBe(2);
    expect(listed).toEqual([
      ['a/terraform.tfstate.tflock', `"${(1).toString(16).padStart(32, '0')}"`, 7],
      ['b & c/<x>.tfstate.tflock', `"${(0).toString(16).padStart(32, '0')}"`, 0],
      ['d\u{1f512}.tflock', `"${(1).toString(16).padStart(32, '0')}"`, 7],
    ]);
  });
});
