// Core: the facts the construct (lib/) and the Lambda (lambda/) must agree on, each written once; pure, no SDK.
import type { Mode } from './policy-input';

export {
  CENTRAL_RELEASE_VARIABLES,
  type CentralReleaseEnvironment,
  JANITOR_VARIABLES,
  type JanitorEnvironment,
  type JanitorVariable,
  LAMBDA_VARIABLES,
  NODE_OPTIONS,
  SET_BY_HAND,
} from './environment';

/**
 * Whether a janitor may delete locks: in mode `delete`, or with `allowRelease` (`RELEASE_ALLOWED`) in any mode.
 * The construct grants DeleteItem/DeleteObject and the Release button by it; the Lambda offers releases by it.
 */
export const mayDelete = (mode: Mode, allowRelease: boolean): boolean => mode === 'delete' || allowRelease;

/**
 * The attributes of a Terraform/OpenTofu lock table item the janitor reads (lock items and digest items): the
 * role's IAM condition on `dynamodb:Attributes` allows these and the Scan/GetItem projection asks for exactly these.
 */
export const LOCK_ATTRIBUTES = ['LockID', 'Info', 'Digest'] as const;

/** The partition-key prefix of the janitor's audit records in its state table; IAM denies changing those items. */
export const AUDIT_KEY_PREFIX = 'AUDIT#';

/** The key of a stale-lock notification's `additionalContext` that holds the base64 release payload. */
export const RELEASE_PAYLOAD_KEY = 'releasePayload';

/** The SNS message attribute that says who a message is for; e-mail subscriptions filter on it. */
export const AUDIENCE_ATTRIBUTE = 'audience';

/** The audience of chat-only messages (the stale-lock notifications with the button), which e-mail never gets. */
export const CHAT_ONLY_AUDIENCE = 'chat';

/** The `requestedBy` the chat Release button's payload carries, by which the Lambda tells a button press. */
export const CHAT_BUTTON_REQUESTER = 'chat';
