// Core messages: the labelled test notification (`{"testAlert": {}}`) and the harmless release payload of its button.
import { RELEASE_PAYLOAD_KEY } from '../contract';
import { chatCode } from './chat-text';
import { clipEnd, printable } from './format';
import { type JanitorFunction, NO_RELEASE, REQUESTERS } from './invoke';
import type { RenderedMessage } from './sns';

/**
 * The lock table the test button's release payload names: `:` is not allowed in a DynamoDB table name
 * (`[a-zA-Z0-9_.-]{3,255}`, DynamoDB naming rules), so no real table, hence no real lock, can ever match it.
 */
export const TEST_ALERT_TABLE = 'tf-lock-janitor:test-alert';
/** The LockID the payload names (inside the table above: never a real lock). */
export const TEST_ALERT_LOCK_ID = 'tf-lock-janitor test alert: no real lock';
/** The eventType of the test chat notification. */
export const TEST_ALERT_EVENT = 'TfLockJanitorTestAlert';
/** The subject of the test notification: says what it is before anyone opens it. */
export const TEST_ALERT_SUBJECT = '[TEST] tf-lock-janitor test alert: no action needed';

/** What a test notification says about itself. */
export type TestAlertRequest = {
  readonly janitor: JanitorFunction;
  /** The Lambda request id: the test notification's id, and the ID its button's payload names. */
  readonly requestId: string;
  /** When it was asked for (ISO 8601). */
  readonly at: string;
  /** The caller's claim (`requestedBy` of the event), shown as such. */
  readonly requestedBy?: string;
};

/** Whether a release request is the test button's (its table cannot exist): refused before anything is read. */
export function isTestRelease(release: { readonly table?: string }): boolean {
  return release.table === TEST_ALERT_TABLE;
}

/** The reason the janitor gives when the test button's release payload reaches it. */
export const TEST_RELEASE_REFUSAL =
  "Nothing was released: this is the Release button of a tf-lock-janitor test alert, and it names no real lock. The button's request reached the janitor, so the path from chat to the janitor works.";

/**
 * The test button's release payload, base64 like a real one (`{"release": {...}}` with `requestedBy` = `chat`):
 * it names the impossible table {@link TEST_ALERT_TABLE}, so the janitor refuses it without reading anything. Its
 * `id` ends in a few characters chosen so that the base64 holds `+`, `/` and `=`: a press that reaches the janitor
 * shows that chat substitutes all three intact (docs/chat-button.md lists that as unconfirmed).
 */
export function testReleasePayloadBase64(request: TestAlertRequest): string {
  const encode = (suffix: string) => {
    const release = {
      table: TEST_ALERT_TABLE,
      lockId: TEST_ALERT_LOCK_ID,
      id: `test-alert-${request.requestId}${suffix}`,
      region: request.janitor.region,
      requestedBy: REQUESTERS.chatButton,
    };
    return Buffer.from(JSON.stringify({ release }), 'utf8').toString('base64');
  };
  // In base64 of ASCII text only a group's last character can be `+` or `/`: a `>` or `?` at a byte offset of 2
  // mod 3. At most 240 tries of a suffix of `.` with one `>` and one `?`, of a length that leaves `=` padding.
  for (let length = 2; length <= 9; length++)
    for (let plus = 0; plus < length; plus++)
      for (let slash = 0; slash < length; slash++) {
        if (plus === slash) continue;
        const suffix = [...'.'.repeat(length)]
          .map((c, i) => (i === plus ? '>' : i === slash ? '?' : c))
          .join('');
        const payload = encode(suffix);
        if (payload.includes('+') && payload.includes('/') && payload.endsWith('=')) return payload;
      }
  return encode('');
}

/**
 * One SNS message for e-mail and chat (audience `all`), labelled as a test in its subject, title and first line.
 * Its chat notification carries the Release button's payload only when the janitor can release (the button exists
 * only then): a payload that names no real lock, which the janitor refuses.
 */
export function renderTestAlert(request: TestAlertRequest): RenderedMessage {
  const { janitor } = request;
  const by = request.requestedBy
    ? `${JSON.stringify(printable(request.requestedBy, 256))} (as the caller says)`
    : 'an unnamed caller';
  const where = `${printable(janitor.functionName, 64)} in ${printable(janitor.region, 30)}`;
  const buttonText = janitor.canRelease
    ? 'In chat, this notification has a "Release lock" button. Pressing it sends the janitor a release request that names no real lock: the janitor refuses it and says so, which shows the button reaches it.'
    : `No Release button: ${NO_RELEASE}.`;
  const text = [
    'TEST: this is a tf-lock-janitor test alert. No lock is stale and nothing was changed.',
    '',
    `Asked for by ${by} through Lambda request ${printable(request.requestId, 100)} at ${request.at}, from the janitor ${where}.`,
    'If you read this, the janitor can reach you here: its real alerts about stale locks come the same way.',
    buttonText,
  ].join('\n');
  const payload = janitor.canRelease ? testReleasePayloadBase64(request) : undefined;
  const chat = {
    version: '1.0' as const,
    source: 'custom' as const,
    id: clipEnd(`test-alert-${printable(request.requestId)}`, 200),
    content: {
      textType: 'client-markdown' as const,
      title: '🧪 TEST: tf-lock-janitor test alert (no action needed)',
      description: [
        'No lock is stale and nothing was changed: this notification only shows that alerts reach this channel.',
        `Janitor ${chatCode(janitor.functionName, 64)} in ${chatCode(janitor.region, 30)}; Lambda request ${chatCode(request.requestId, 100)}.`,
      ].join('\n'),
      nextSteps: [
        janitor.canRelease
          ? 'Press *Release lock* once: the janitor answers that this test names no real lock and releases nothing'
          : `No Release button: ${NO_RELEASE}`,
      ],
      keywords: ['Terraform', 'state lock', 'test'],
    },
    metadata: {
      threadId: 'tf-lock-janitor/test-alert',
      summary: 'tf-lock-janitor test alert (no action needed)',
      eventType: TEST_ALERT_EVENT,
      ...(payload ? { enableCustomActions: true } : {}),
      additionalContext: { ...(payload ? { [RELEASE_PAYLOAD_KEY]: payload } : {}), test: 'true' },
    },
  };
  const https = JSON.stringify(chat);
  return {
    audience: 'all',
    structure: 'json',
    subject: TEST_ALERT_SUBJECT,
    text,
    chat,
    json: JSON.stringify({ default: text, email: text, https }),
  };
}
