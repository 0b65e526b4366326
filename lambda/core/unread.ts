// Core: what a run could not read (regions, tables, buckets, evidence), each with its reason and a fix.
import type { RunFailure } from './failure';

/**
 * What could not be read: a region whose tables (or buckets) could not be listed, a table, a state bucket, or a
 * piece of evidence (the EC2 holder check, state digests, a bucket in a region the run does not cover).
 */
export type UnreadKind = 'region' | 'table' | 'bucket' | 'evidence';

/** One place or evidence source the run could not read: never an all-clear. */
export type Unread = {
  readonly kind: UnreadKind;
  readonly region: string;
  /** The table, bucket, or evidence source (`ec2-hosts`, `digests of <table>`); `*` for a whole region. */
  readonly name: string;
  readonly reason: string;
  /** What to do about it, in a sentence. */
  readonly fix: string;
};

/** The places a report's results hold as read failures, as far as this module needs them. */
type Place = { readonly region: string; readonly name: string; readonly error?: string };

/** Everything the run could not read: failed tables and region listings, failed buckets, unread evidence. */
export function unreadOf(
  tables: readonly Place[],
  buckets: readonly Place[],
  failures: readonly RunFailure[],
): Unread[] {
  const place = (kind: 'table' | 'bucket', p: Place): Unread => {
    const reason = p.error ?? '';
    const region = p.name === '*';
    return {
      kind: region ? 'region' : kind,
      region: p.region,
      name: region ? (kind === 'table' ? 'lock tables' : 'state buckets') : p.name,
      reason,
      fix: fixFor(reason),
    };
  };
  return [
    ...tables.filter((t) => t.error !== undefined).map((t) => place('table', t)),
    ...buckets.filter((b) => b.error !== undefined).map((b) => place('bucket', b)),
    ...failures
      .filter((f) => f.kind === 'evidence')
      .map((f) => ({
        kind: 'evidence' as const,
        region: f.region ?? '',
        name: f.table ?? 'evidence',
        reason: f.message,
        fix: f.fix ?? fixFor(f.message),
      })),
  ];
}

/** What to do about a read failure, told by the error it carries (the SDK's error name and message). */
const FIXES: readonly (readonly [RegExp, string])[] = [
  [
    /Could not load credentials|CredentialsProviderError|credential/i,
    'no AWS credentials were found: set AWS_PROFILE (or run aws sso login), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for a local server pass --endpoint',
  ],
  [
    /UnrecognizedClientException|InvalidClientTokenId|ExpiredToken|InvalidAccessKeyId|security token/i,
    'the credentials were refused (wrong, expired or for another partition): refresh them and run again',
  ],
  [
    /AccessDenied|UnauthorizedOperation|not authorized/i,
    'the caller lacks a permission named in the reason: grant it (see the IAM section of the README)',
  ],
  [
    /UnknownOperationException/,
    'the server does not implement this API (DynamoDB Local has no tagging): set tables.optOutTag to false and use tables.exclude',
  ],
  [
    /a region this run does not cover/,
    "add its region: --region with the region named, or the policy's regions",
  ],
  [/ECONNREFUSED/, 'nothing answers at the endpoint: start the server, or check --endpoint'],
  [/ENOTFOUND|EAI_AGAIN/, 'the endpoint host name does not resolve: check --endpoint and the network'],
  [
    /not reached|time limit|timed? ?out|Timeout|ETIMEDOUT|socket hang up|stopped/i,
    'it did not answer in time: check the network or endpoint; the next run reads it again',
  ],
  [
    /ResourceNotFound|NoSuchBucket|does not exist/i,
    'it is gone, or in another region: check the name and --region',
  ],
  [/Throttl|SlowDown|ProvisionedThroughputExceeded/, 'AWS throttled the reads: the next run reads it again'],
];

/** A fix for a read failure's reason; a generic one when the reason is not recognised. */
export function fixFor(reason: string): string {
  return (
    FIXES.find(([pattern]) => pattern.test(reason))?.[1] ?? 'see the reason; the next run reads it again'
  );
}
