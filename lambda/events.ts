// Lambda shell: the events the handler accepts (the schedule, and the release payload).
import * as z from 'zod';
import { UsageError } from './core/errors';
import { policySchema } from './core/policy';

/** What the schedule sends (see lib/janitor-schedule.ts); any other non-release event also runs a sweep. */
export type ScheduledEvent = {
  readonly source?: string;
  readonly scheduledTime?: string;
  readonly executionId?: string;
  readonly attempt?: string;
};

/** The payload that releases one lock the safe way: the lock's `ID` must equal `id`. */
export type ReleasePayload = {
  readonly table: string;
  readonly lockId: string;
  readonly id: string;
  readonly region?: string;
  readonly requestedBy?: string;
};

const releaseSchema = z.strictObject({
  table: z.string().min(1, 'the lock table name is required'),
  lockId: z.string().min(1, 'the LockID of the lock item is required'),
  id: z.string().min(1, "the lock's ID (from the Terraform error message) is required"),
  region: policySchema.shape.regions.unwrap().element.optional(),
  requestedBy: z.string().max(256).optional(),
});

/** The release request of an event `{"release": {...}}`, or undefined for every other event (a sweep). */
export function releasePayload(event: unknown): ReleasePayload | undefined {
  if (typeof event !== 'object' || event === null || !('release' in event)) return undefined;
  const result = releaseSchema.safeParse(event.release);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `release${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
  );
  throw new UsageError(
    `The release request is not valid:\n  - ${problems.join('\n  - ')}\n` +
      'Send {"release": {"table": "...", "lockId": "...", "id": "...", "region"?: "..."}}',
  );
}
