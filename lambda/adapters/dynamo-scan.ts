// Adapter: the lock-table Scan: three attributes only, digests filtered out server-side, parallel segments.
import {
  type AttributeValue,
  type DynamoDBClient,
  ScanCommand,
  type ScanCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { LOCK_ATTRIBUTES } from '../core/contract';
import type { RawItem } from '../core/lock-item';
import type { ScanPage } from '../core/ports';
import { callOptions } from './call-signal';
import { PageKeys } from './pagination';

const [LOCK_ID, INFO, DIGEST] = LOCK_ATTRIBUTES;

/**
 * The only attributes the janitor reads (Terraform's `LockID`, `Info`, `Digest`: LOCK_ATTRIBUTES). Every Scan and
 * GetItem asks for exactly these, so the role's IAM condition on `dynamodb:Attributes` (the same list) keeps it
 * from reading anything else.
 */
export const PROJECTION = {
  ProjectionExpression: '#k, #i, #d',
  ExpressionAttributeNames: { '#k': LOCK_ID, '#i': INFO, '#d': DIGEST },
} as const;

/**
 * Items with `Info` or without `Digest` come back: locks, anything unparseable, Terragrunt's bare `LockID`
 * items. Digests (`Digest`, no `Info`) stay on the server and are counted from `ScannedCount - Count`: a
 * filter costs the same read units but spares the transfer and the unmarshalling of 99 % of a lock table.
 */
export const NOT_A_DIGEST = 'attribute_exists(#i) OR attribute_not_exists(#d)';

const GiB = 1024 ** 3;
/** Parallel segments at most: two 1 MB pages in flight per segment keeps a run's memory flat. */
export const MAX_SEGMENTS = 8;

/**
 * Segments for a table of `sizeBytes` (DescribeTable's TableSizeBytes): one per started GiB, at most
 * MAX_SEGMENTS. A sequential Scan reads 1 MB per round trip; below 1 GiB (about 10 million lock-table items)
 * that is under a minute, well inside the function's timeout, and parallel requests would only add calls.
 */
export function scanSegments(sizeBytes: number | undefined): number {
  if (!sizeBytes || !Number.isFinite(sizeBytes) || sizeBytes <= GiB) return 1;
  return Math.min(MAX_SEGMENTS, Math.ceil(sizeBytes / GiB));
}

/** Options of one table's Scan. */
export type ScanOptions = { readonly pageSize?: number; readonly segments: number };

/** Streams a table's pages; with several segments, pages come in whichever order the segments deliver them. */
export function scanTable(client: DynamoDBClient, table: string, opts: ScanOptions): AsyncIterable<ScanPage> {
  if (opts.segments <= 1) return scanSegment(client, table, opts.pageSize, undefined);
  const segments = Array.from({ length: opts.segments }, (_, segment) =>
    scanSegment(client, table, opts.pageSize, { segment, total: opts.segments }),
  );
  return merge(segments);
}

type Segment = { readonly segment: number; readonly total: number };

async function* scanSegment(
  client: DynamoDBClient,
  table: string,
  pageSize: number | undefined,
  segment: Segment | undefined,
): AsyncIterable<ScanPage> {
  // The next page is requested before this one is handed over, so reading overlaps judging.
  const keys = new PageKeys<Record<string, AttributeValue>>(`Scan of ${table}`);
  let next = scanPage(client, table, pageSize, segment, undefined);
  while (true) {
    const page = await next;
    const start = keys.next(page.LastEvaluatedKey);
    if (start) next = scanPage(client, table, pageSize, segment, start);
    const items = (page.Items ?? []) as RawItem[];
    yield { items, skippedDigests: Math.max(0, (page.ScannedCount ?? items.length) - items.length) };
    if (!start) return;
  }
}

function scanPage(
  client: DynamoDBClient,
  table: string,
  pageSize: number | undefined,
  segment: Segment | undefined,
  start: Record<string, AttributeValue> | undefined,
): Promise<ScanCommandOutput> {
  const page = client.send(
    new ScanCommand({
      TableName: table,
      ConsistentRead: true,
      ExclusiveStartKey: start,
      Limit: pageSize,
      Select: 'SPECIFIC_ATTRIBUTES',
      ...PROJECTION,
      FilterExpression: NOT_A_DIGEST,
      ...(segment ? { Segment: segment.segment, TotalSegments: segment.total } : {}),
    }),
    callOptions(),
  );
  // A consumer that stops early (time limit, failure) never awaits the prefetched page: keep its
  // rejection from becoming an unhandled one. Awaiting it still throws.
  page.catch(() => undefined);
  return page;
}

/** Pages of several iterables as each arrives; one pending `next()` per source, so memory stays bounded. */
async function* merge<T>(sources: readonly AsyncIterable<T>[]): AsyncIterable<T> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const pull = (i: number) => {
    const p = iterators[i].next().then((result) => ({ i, result }));
    p.catch(() => undefined);
    return p;
  };
  const pending = new Map(iterators.map((_, i) => [i, pull(i)]));
  try {
    while (pending.size) {
      const { i, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(i);
        continue;
      }
      pending.set(i, pull(i));
      yield result.value;
    }
  } finally {
    // Stopped early or failed: let the other segments end; their pending pages are dropped.
    for (const i of pending.keys()) void iterators[i].return?.()?.catch(() => undefined);
  }
}
