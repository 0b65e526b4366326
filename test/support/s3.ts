// Test support: S3 engines (in-process S3, moto), clients that count their requests, and lockfile fixtures.
import {
  CreateBucketCommand,
  type CreateBucketCommandInput,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { type LocalS3, type LocalS3Options, startLocalS3 } from '../../bin/demo/local-s3';
import { goTimestamp, marshalLockInfo, newLockId } from '../../bin/demo/terraform-lock';
import { s3ClientConfig } from '../../lambda/adapters/s3-lockfile-store';
import { MOTO_MISSING, motoAvailable, startMoto } from './moto';

/** A running S3-compatible server the tests can reset between cases. */
export type S3Engine = {
  readonly endpoint: string;
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** The in-process S3 itself (its call log), when this engine is it. */
  readonly local?: LocalS3;
};

export type S3EngineKind = { readonly name: string; readonly available: boolean; start(): Promise<S3Engine> };

export async function startLocalEngine(options?: LocalS3Options): Promise<S3Engine> {
  const local = await startLocalS3(options);
  return { endpoint: local.endpoint, reset: async () => local.reset(), stop: () => local.close(), local };
}

/** The engines a contract suite runs against: always the in-process S3; moto when it is installed. */
export function s3Engines(): S3EngineKind[] {
  const moto = motoAvailable();
  if (!moto) console.warn(MOTO_MISSING);
  return [
    { name: 'the in-process S3', available: true, start: () => startLocalEngine() },
    { name: 'moto', available: moto, start: startMoto },
  ];
}

/** A path-style client for the engine; one attempt (no retries hide bugs); `sent` counts the requests it made. */
export function s3TestClient(endpoint: string, maxAttempts = 1): { client: S3Client; sent: string[] } {
  const client = new S3Client(
    s3ClientConfig({
      region: 'us-east-1',
      endpoint,
      maxAttempts,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    }),
  );
  const sent: string[] = [];
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(context.commandName ?? '?');
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return { client, sent };
}

/** Creates a bucket, optionally in a region, versioned, and tagged. */
export async function createBucket(
  client: S3Client,
  name: string,
  opts: { region?: string; versioned?: boolean; tags?: Record<string, string> } = {},
): Promise<void> {
  const input: CreateBucketCommandInput = { Bucket: name };
  if (opts.region && opts.region !== 'us-east-1')
    input.CreateBucketConfiguration = { LocationConstraint: opts.region as never };
  await client.send(new CreateBucketCommand(input));
  if (opts.versioned)
    await client.send(
      new PutBucketVersioningCommand({ Bucket: name, VersioningConfiguration: { Status: 'Enabled' } }),
    );
  if (opts.tags)
    await client.send(
      new PutBucketTaggingCommand({
        Bucket: name,
        Tagging: { TagSet: Object.entries(opts.tags).map(([Key, Value]) => ({ Key, Value })) },
      }),
    );
}

/** A LockInfo body exactly as Terraform writes it for `bucket/path`, and its ID. */
export function lockfileBody(
  bucket: string,
  path: string,
  opts: { createdMs?: number; who?: string; operation?: string } = {},
): { id: string; body: string } {
  const id = newLockId();
  const body = marshalLockInfo({
    ID: id,
    Operation: opts.operation ?? 'OperationTypeApply',
    Info: '',
    Who: opts.who ?? 'runner@ip-10-0-1-2',
    Version: '1.11.2',
    Created: goTimestamp(opts.createdMs ?? Date.now(), '123456'),
    Path: `${bucket}/${path}`,
  });
  return { id, body };
}

/** A plain PutObject (a state object, or anything else that is not written as a lock). */
export async function putObject(client: S3Client, bucket: string, key: string, body: string | Uint8Array) {
  const out = await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentLength: Buffer.byteLength(body),
    }),
  );
  return out.ETag ?? '';
}

/** The object's bytes and ETag, or undefined when there is no current version. */
export async function getObject(
  client: S3Client,
  bucket: string,
  key: string,
): Promise<{ body: Buffer; etag: string } | undefined> {
  try {
    const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return { body: Buffer.from(await out.Body!.transformToByteArray()), etag: out.ETag ?? '' };
  } catch (e) {
    if ((e as Error).name === 'NoSuchKey') return undefined;
    throw e;
  }
}

/** The key's versions and delete markers, newest first (ListObjectVersions). */
export async function versionsOf(client: S3Client, bucket: string, key: string) {
  const out = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: key }));
  return {
    versions: (out.Versions ?? []).filter((v) => v.Key === key),
    deleteMarkers: (out.DeleteMarkers ?? []).filter((m) => m.Key === key),
  };
}
