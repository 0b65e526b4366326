// Lambda shell: the events the handler accepts (the schedule, the release payload, the test alert).
import { UsageError } from './core/errors';
import { parseReleaseRequest, type ReleaseRequest } from './core/release-request';
import * as z from './core/zod';

/** What the schedule sends (see lib/janitor-schedule.ts); any other non-release event also runs a sweep. */
export type ScheduledEvent = {
  readonly source?: string;
  readonly scheduledTime?: string;
  readonly executionId?: string;
  readonly attempt?: string;
};

/** The payload that releases one lock the safe way: the one release request (core/release-request.ts). */
export type ReleasePayload = ReleaseRequest;

/** The payload that publishes one labelled test notification (`tf-lock-janitor test-alert`). */
export type TestAlertPayload = { readonly requestedBy?: string };

const testAlertSchema = z.strictObject({ requestedBy: z.optional(z.string().check(z.maxLength(256))) });

/**
 * What an invocation asks for: a sweep (the schedule, or an empty test event), the release of one lock, or one
 * test notification.
 */
export type JanitorEvent =
  | { readonly kind: 'sweep'; readonly event: ScheduledEvent }
  | { readonly kind: 'release'; readonly payload: ReleasePayload }
  | { readonly kind: 'test-alert'; readonly payload: TestAlertPayload };

const SCHEDULE_KEYS = ['source', 'scheduledTime', 'executionId', 'attempt'] as const;
const scheduleSchema = z.strictObject(
  Object.fromEntries(SCHEDULE_KEYS.map((k) => [k, z.optional(z.string())])),
);

/**
 * Reads an event strictly: `{"release": {...}}` releases one lock; `{"testAlert": {}}` publishes one test
 * notification; the schedule's input (or `{}`, or nothing) runs a sweep; anything else — an unknown key,
 * `"Release"` in the wrong case — is a UsageError, never a sweep.
 */
export function parseEvent(event: unknown): JanitorEvent {
  if (event === undefined || event === null) return { kind: 'sweep', event: {} };
  if (typeof event !== 'object' || Array.isArray(event))
    throw new UsageError(
      `The event must be a JSON object, not ${JSON.stringify(event)?.slice(0, 40)}; ${HOW}`,
    );
  const keys = Object.keys(event);
  if (keys.includes('release')) {
    if (keys.length > 1)
      throw new UsageError(`A release event holds only "release"; remove ${others(keys)}. ${HOW}`);
    return { kind: 'release', payload: releasePayload(event)! };
  }
  if (keys.includes(TEST_ALERT_KEY)) {
    if (keys.length > 1)
      throw new UsageError(
        `A test-alert event holds only "testAlert"; remove ${others(keys, TEST_ALERT_KEY)}. ${HOW}`,
      );
    return { kind: 'test-alert', payload: testAlertPayload((event as { testAlert: unknown }).testAlert) };
  }
  const misCased = keys.find((k) => ['release', 'testalert'].includes(k.toLowerCase()));
  if (misCased)
    throw new UsageError(
      `Unknown key "${misCased}": did you mean "${misCased.toLowerCase() === 'release' ? 'release' : TEST_ALERT_KEY}"? ${HOW}`,
    );
  const result = scheduleSchema.safeParse(event);
  if (result.success) return { kind: 'sweep', event: result.data as ScheduledEvent };
  throw new UsageError(
    `The event is neither the schedule's (keys ${SCHEDULE_KEYS.join(', ')}) nor a release: unknown ${others(keys.filter((k) => !(SCHEDULE_KEYS as readonly string[]).includes(k)))}. ${HOW}`,
  );
}

const TEST_ALERT_KEY = 'testAlert';

const HOW =
  'Send {"release": {"table": "...", "lockId": "...", "id": "...", "region"?: "..."}} to release a lock, {"testAlert": {}} for a test notification, or {} to run a sweep.';

function others(keys: readonly string[], key = 'release'): string {
  return keys
    .filter((k) => k !== key)
    .map((k) => JSON.stringify(k))
    .join(', ');
}

/** The release request of an event `{"release": {...}}`, or undefined for every other event (a sweep). */
export function releasePayload(event: unknown): ReleasePayload | undefined {
  if (typeof event !== 'object' || event === null || !('release' in event)) return undefined;
  return parseReleaseRequest(event.release);
}

/** The test-alert request of `{"testAlert": {...}}`: an object with at most `requestedBy`. */
function testAlertPayload(value: unknown): TestAlertPayload {
  const result = testAlertSchema.safeParse(value ?? {});
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `testAlert${i.path.map((p) => `.${String(p)}`).join('')}: ${i.message}`,
  );
  throw new UsageError(
    `The test-alert request is not valid:\n  - ${problems.join('\n  - ')}\nSend {"testAlert": {}} or {"testAlert": {"requestedBy": "..."}}`,
  );
}
