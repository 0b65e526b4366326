// Core: the one release request — which lock to release, however it is asked for — validated once, and where it points.
import { UsageError } from './errors';
import { isLockfileKey, lockIdOfLockfile } from './lockfile';
import { bucketPlace } from './place';
import { regionSchema } from './policy';
import * as z from './zod';

/**
 * Which lock to release: its `ID` must match, as with `terraform force-unlock`. A lock item is named by its table
 * and LockID, a lockfile by its bucket and `.tflock` key; both places named release both halves of a double lock.
 * The Lambda's payload (`{"release": {...}}`), an organization's central release, the chat button and the CLI all
 * build this one request. `region` defaults to the janitor's own; `requestedBy` is the caller's claim.
 */
export type ReleaseRequest = {
  readonly table?: string;
  readonly lockId?: string;
  readonly bucket?: string;
  readonly key?: string;
  readonly id: string;
  readonly region?: string;
  readonly requestedBy?: string;
};

/** A release request whose region is settled: what the run carries out. */
export type ReleaseTarget = ReleaseRequest & { readonly region: string };

const nonEmpty = (message: string) => z.string().check(z.minLength(1, message));

const requestSchema = z
  .strictObject({
    table: z.optional(nonEmpty('the lock table name must not be empty')),
    lockId: z.optional(nonEmpty('the LockID of the lock item must not be empty')),
    bucket: z.optional(nonEmpty('the bucket name must not be empty')),
    key: z.optional(nonEmpty('the .tflock key must not be empty')),
    id: nonEmpty("the lock's ID (from the Terraform error message) is required"),
    region: z.optional(regionSchema),
    requestedBy: z.optional(z.string().check(z.maxLength(256))),
  })
  .check(
    z.superRefine((r, ctx) => {
      const table = r.table !== undefined || r.lockId !== undefined;
      const lockfile = r.bucket !== undefined || r.key !== undefined;
      if (table && (r.table === undefined || r.lockId === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [r.table === undefined ? 'table' : 'lockId'],
          message: 'a lock item needs both table and lockId',
        });
      if (lockfile && (r.bucket === undefined || r.key === undefined))
        ctx.addIssue({
          code: 'custom',
          path: [r.bucket === undefined ? 'bucket' : 'key'],
          message: 'a lockfile needs both bucket and key',
        });
      if (!table && !lockfile)
        ctx.addIssue({
          code: 'custom',
          path: ['table'],
          message: 'name the lock: table and lockId, bucket and key, or both',
        });
    }),
  );

/** Validates a release request (the value of `{"release": ...}`); a UsageError lists every problem. */
export function parseReleaseRequest(value: unknown): ReleaseRequest {
  const result = requestSchema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `release${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
  );
  throw new UsageError(
    `The release request is not valid:\n  - ${problems.join('\n  - ')}\n` +
      'Send {"release": {"table": "...", "lockId": "...", "id": "...", "region"?: "..."}}',
  );
}

/** Which lock an answer names: the table item, else the lockfile (`s3://bucket` and its LockID). */
export function whereOf(target: ReleaseTarget): {
  region: string;
  table: string;
  lockId: string;
  id: string;
} {
  if (target.table !== undefined && target.lockId !== undefined)
    return { region: target.region, table: target.table, lockId: target.lockId, id: target.id };
  const bucket = target.bucket ?? '';
  const key = target.key ?? '';
  const lockId = isLockfileKey(key) ? lockIdOfLockfile(bucket, key) : `${bucket}/${key}`;
  return { region: target.region, table: bucketPlace(bucket), lockId, id: target.id };
}
