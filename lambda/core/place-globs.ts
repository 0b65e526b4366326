// Core: globs over names the run reads (tables, buckets, LockIDs) checked against what those names can hold.

/** What a place glob is matched against. */
export type PlaceKind = 'table' | 'bucket' | 'rule-table' | 'lockId';

const TABLE_CHARS = /^[A-Za-z0-9_.-]*$/;
const BUCKET_CHARS = /^[a-z0-9.-]*$/;

/** The characters a glob must match as they are: its text without `*`, `?` and `[...]` sets. */
function literalChars(pattern: string): string {
  return pattern.replace(/\[!?\]?[^\]]*\]/g, '').replace(/[*?]/g, '');
}

/**
 * Why a glob can never match a name of its kind (so a rule or filter would silently never apply), or undefined.
 * DynamoDB table names hold only `A-Z a-z 0-9 _ . -`; bucket names only `a-z 0-9 . -`; a rule's `table` is a
 * table name or `s3://<bucket>` for a lockfile; a `lockId` is the state's `bucket/path`, never `s3://…`.
 */
export function placeGlobProblem(kind: PlaceKind, pattern: string): string | undefined {
  const s3 = pattern.startsWith('s3://');
  switch (kind) {
    case 'table':
      if (s3) return 'tables take DynamoDB table names; name state buckets in "buckets" (without s3://)';
      return TABLE_CHARS.test(literalChars(pattern))
        ? undefined
        : 'a DynamoDB table name holds only letters, digits, "_", "." and "-", so it can never match a table';
    case 'bucket':
      if (s3) return 'write the bucket name without "s3://"';
      return BUCKET_CHARS.test(literalChars(pattern))
        ? undefined
        : 'an S3 bucket name holds only lowercase letters, digits, "." and "-", so it can never match a bucket';
    case 'rule-table': {
      if (s3)
        return BUCKET_CHARS.test(literalChars(pattern.slice(5)))
          ? undefined
          : 's3://<bucket> names a state bucket (lowercase letters, digits, "." and "-"), no path: match state paths with "lockId"';
      const literal = literalChars(pattern);
      if (/^[*?[]/.test(pattern) ? /^[A-Za-z0-9_.\-:/]*$/.test(literal) : TABLE_CHARS.test(literal))
        return undefined;
      return 'a rule\'s table is a DynamoDB table name or "s3://<bucket>" for lockfiles; match state paths with "lockId"';
    }
    case 'lockId':
      return s3 ? 'a lockId is the state\'s "bucket/path" (the DynamoDB LockID), without "s3://"' : undefined;
  }
}
