// Adapter: the LockfileStore port over S3 (buckets, region, tags, lockfile listing, bounded reads, If-Match deletes).

import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketTaggingCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  ListBucketsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandInput,
  type ListObjectsV2CommandOutput,
  type S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import type { DeserializeMiddleware } from '@smithy/types';
import { JanitorError } from '../core/errors';
import { isLockfileKey, MAX_LOCKFILE_BYTES } from '../core/lockfile';
import type {
  BucketSummary,
  LockfileDeleteResult,
  LockfilePage,
  LockfileRead,
  LockfileStore,
} from '../core/lockfile-port';
import { awsClientConfig } from './aws-client-config';
import { callOptions } from './call-signal';
import { PageKeys } from './pagination';
import { LockfileFilter } from './s3-listing';
import { type ListedPage, parseListObjectsV2 } from './s3-listing-parse';

/** S3 errors that mean "this body may not be read by the janitor": reported as unparseable, never deleted. */
const UNREADABLE = new Set(['AccessDenied', 'InvalidRequest', 'InvalidObjectState']);
/** Failed conditions of DeleteObject If-Match: 412 mismatch, 409 concurrent write, 404 already gone. */
const CONDITION_FAILED = new Set(['PreconditionFailed', 'ConditionalRequestConflict', 'NoSuchKey']);

type AwsError = Error & { $metadata?: { httpStatusCode?: number; attempts?: number } };

/**
 * A client configuration for S3: the janitor's timeouts and attempts (awsClientConfig), and path-style
 * addressing when `endpoint` names an S3-compatible server.
 */
export function s3ClientConfig(options: Parameters<typeof awsClientConfig>[0]): S3ClientConfig {
  return { ...awsClientConfig(options), ...(options.endpoint ? { forcePathStyle: true } : {}) };
}

/** S3 buckets and lockfiles through one S3 client. */
export class S3LockfileStore implements LockfileStore {
  /** @param pageSize keys per ListObjectsV2 page; @default the server's 1000 */
  constructor(
    private readonly client: S3Client,
    private readonly pageSize?: number,
  ) {}

  async *listBuckets(): AsyncIterable<BucketSummary> {
    const keys = new PageKeys<string>('ListBuckets');
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListBucketsCommand({ ContinuationToken: token }),
        callOptions(),
      );
      for (const b of page.Buckets ?? [])
        if (b.Name)
          yield b.BucketRegion ? { name: b.Name, region: regionOf(b.BucketRegion) } : { name: b.Name };
      token = keys.next(page.ContinuationToken);
    } while (token);
  }

  async bucketRegion(bucket: string): Promise<string> {
    const { LocationConstraint: where } = await this.client.send(
      new GetBucketLocationCommand({ Bucket: bucket }),
      callOptions(),
    );
    return regionOf(where);
  }

  async bucketTags(bucket: string): Promise<Record<string, string>> {
    try {
      const { TagSet } = await this.client.send(
        new GetBucketTaggingCommand({ Bucket: bucket }),
        callOptions(),
      );
      return Object.fromEntries((TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
    } catch (e) {
      if ((e as Error).name === 'NoSuchTagSet') return {};
      throw e;
    }
  }

  async *listLockfiles(bucket: string): AsyncIterable<LockfilePage> {
    const filter = new LockfileFilter();
    // The next page is requested before this one is handed over, so listing overlaps reading bodies.
    const keys = new PageKeys<string>(`ListObjectsV2 of ${bucket}`);
    let next = this.listPage(bucket, undefined);
    while (true) {
      const page = await next;
      if (page.IsTruncated && !page.NextContinuationToken)
        throw new JanitorError(
          `ListObjectsV2 of ${bucket} said there is more but gave no continuation token`,
        );
      const token = page.IsTruncated ? keys.next(page.NextContinuationToken) : undefined;
      if (token) next = this.listPage(bucket, token);
      yield filter.page(page.Contents ?? [], page.EncodingType === 'url');
      if (!token) return;
    }
  }

  private listPage(bucket: string, token: string | undefined): Promise<ListObjectsV2CommandOutput> {
    const command = new ListObjectsV2Command({
      Bucket: bucket,
      ContinuationToken: token,
      MaxKeys: this.pageSize,
      EncodingType: 'url',
    });
    const parsed = readListingsLightly(command);
    const page = this.client.send(command, callOptions()).then((out) => {
      const light = parsed();
      return light
        ? {
            ...out,
            Contents: light.contents,
            IsTruncated: light.isTruncated,
            NextContinuationToken: light.nextContinuationToken,
            EncodingType: light.encodingType as ListObjectsV2CommandOutput['EncodingType'],
          }
        : out;
    });
    page.catch(() => undefined); // a consumer that stops early never awaits the prefetched page
    return page;
  }

  async readLockfile(bucket: string, key: string): Promise<LockfileRead> {
    let out: GetObjectCommandOutput;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }), callOptions());
    } catch (e) {
      const name = (e as Error).name;
      if (name === 'NoSuchKey') return { kind: 'missing' };
      if (UNREADABLE.has(name) || name.startsWith('KMS.'))
        return { kind: 'unreadable', errorName: name, message: (e as Error).message };
      throw e;
    }
    const meta = { etag: out.ETag, lastModifiedMs: out.LastModified?.getTime() };
    const body = await readBounded(out, MAX_LOCKFILE_BYTES);
    return typeof body === 'number'
      ? { kind: 'too-big', size: body, ...meta }
      : { kind: 'body', body, ...meta };
  }

  async deleteLockfileIfUnchanged(bucket: string, key: string, etag: string): Promise<LockfileDeleteResult> {
    if (!isLockfileKey(key))
      throw new JanitorError(
        `refusing to delete s3://${bucket}/${key}: the janitor only deletes lockfiles (keys ending in .tflock)`,
      );
    // The SDK drops an empty header, and `*` matches any object: either would make the delete unconditional.
    if (!etag || etag.trim() === '*')
      throw new JanitorError(`refusing to delete s3://${bucket}/${key} without the ETag that was read`);
    try {
      await this.client.send(
        new DeleteObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }),
        callOptions(),
      );
      return 'deleted';
    } catch (e) {
      const err = e as AwsError;
      if (!CONDITION_FAILED.has(err.name) && err.$metadata?.httpStatusCode !== 412) throw e;
      // Failing only on a retry: the first attempt may have deleted it and lost its response.
      return (err.$metadata?.attempts ?? 1) > 1 ? 'gone' : 'changed';
    }
  }
}

/** The body, or its size when it is larger than `max` (the rest is never read). */
async function readBounded(out: GetObjectCommandOutput, max: number): Promise<Uint8Array | number> {
  const stream = out.Body as (AsyncIterable<Uint8Array> & { destroy?: () => void }) | undefined;
  if (out.ContentLength !== undefined && out.ContentLength > max) {
    stream?.destroy?.();
    return out.ContentLength;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of stream ?? []) {
    size += chunk.byteLength;
    if (size > max) {
      stream?.destroy?.();
      return out.ContentLength ?? size;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A bucket location as a region: no constraint is us-east-1; `EU` is the legacy name of eu-west-1. */
function regionOf(location: string | undefined): string {
  if (!location) return 'us-east-1';
  return location === 'EU' ? 'eu-west-1' : location;
}

/** The page S3 sent, handed to the SDK in place of one it has parsed already: an empty, complete listing. */
const PARSED_ALREADY =
  '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"></ListBucketResult>';

/**
 * Reads each successful response of `command` with `parseListObjectsV2` (the SDK still signs, sends, retries and
 * parses errors): the SDK then parses an empty listing instead. A page the light parser does not accept is
 * left to the SDK whole. Returns what the last attempt parsed (undefined: the SDK's output holds the page).
 */
function readListingsLightly(command: ListObjectsV2Command): () => ListedPage | undefined {
  let parsed: ListedPage | undefined;
  command.middlewareStack.addRelativeTo(
    ((next) => async (args) => {
      const out = await next(args);
      parsed = undefined;
      const response = out.response as { statusCode?: number; body?: unknown };
      if (response.statusCode !== 200 || !(response.body instanceof Readable)) return out;
      const chunks: Buffer[] = [];
      for await (const chunk of response.body) chunks.push(Buffer.from(chunk as Uint8Array));
      const xml = Buffer.concat(chunks).toString('utf8');
      parsed = parseListObjectsV2(xml);
      response.body = Readable.from([Buffer.from(parsed ? PARSED_ALREADY : xml)]);
      return out;
    }) satisfies DeserializeMiddleware<ListObjectsV2CommandInput, ListObjectsV2CommandOutput>,
    { relation: 'after', toMiddleware: 'deserializerMiddleware', name: 'lightListingParse' },
  );
  return () => parsed;
}
