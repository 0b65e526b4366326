// Core messages: the release payload of one lock, and the `aws lambda invoke` command that sends it to the janitor.
import { CHAT_BUTTON_REQUESTER } from '../contract';
import { isObjectStore } from '../place';
import type { LockReport } from '../report';
import { type ShellCommand, shellCommand, shellQuote, shellWord } from './shell';

export { NO_RELEASE } from './shell';

/** The deployed janitor, as the Lambda knows itself (AWS_LAMBDA_FUNCTION_NAME, AWS_REGION). */
export type JanitorFunction = {
  readonly functionName: string;
  readonly region: string;
  /** False when the function may not delete (mode alert without allowRelease): then no release is offered. */
  readonly canRelease: boolean;
  /**
   * In an organization deployment: the member account (ACCOUNT_ID) and its alias (ACCOUNT_ALIAS), shown in
   * messages; the chat button's payload names the account, for the central release function.
   */
  readonly account?: { readonly id: string; readonly alias?: string };
};

/** The report line of a lock a release payload is built from: a lock item, a lockfile, or (double) both halves. */
export type ReleasableLock = Pick<LockReport, 'table' | 'lockId' | 'id' | 'region'> &
  Partial<Pick<LockReport, 'store' | 'bucket' | 'key' | 'double'>>;

/**
 * Where the payload says the lock is: a lockfile's bucket and key; a lock item's table and LockID, and for a
 * double lock also its lockfile half (`bucket/path` is `path.tflock` in `bucket`, the way the halves pair).
 */
function placesOf(lock: ReleasableLock): Record<string, string> {
  if (isObjectStore(lock.store) && lock.bucket !== undefined && lock.key !== undefined)
    return { bucket: lock.bucket, key: lock.key };
  const item = { table: lock.table, lockId: lock.lockId };
  const slash = lock.lockId.indexOf('/');
  if (!lock.double || slash < 1) return item;
  return { ...item, bucket: lock.lockId.slice(0, slash), key: `${lock.lockId.slice(slash + 1)}.tflock` };
}

/** Who a shown command or the button says asked, by where it was shown (the caller's claim, recorded as such). */
export const REQUESTERS = {
  email: 'e-mail',
  chatText: 'chat message',
  chatButton: CHAT_BUTTON_REQUESTER,
} as const;

// Every UTF-16 unit that is not printable ASCII (no `u` flag: a surrogate pair is two units, each escaped).
const NOT_ASCII = /[^\x20-\x7e]/g;

/**
 * `{"release":{"table","lockId","id","region","requestedBy"}}` as JSON in printable ASCII: every other character
 * is a `\uXXXX` escape, so the payload can always be shown and pasted, whatever the LockID holds, and
 * `JSON.parse` gives back the exact values.
 */
export function releasePayloadJson(
  lock: ReleasableLock,
  requestedBy: string,
  account?: { readonly id: string; readonly janitorRegion: string },
): string {
  // The account and the janitor's own region go only to the central release function of an organization (the
  // chat button there), which takes them off before forwarding the rest to that member janitor
  // (lambda/central-release.ts): a lock in another region than its janitor's is still released by that janitor.
  const release = {
    ...placesOf(lock),
    id: lock.id,
    region: lock.region,
    requestedBy,
    ...(account ? { account: account.id, janitorRegion: account.janitorRegion } : {}),
  };
  return JSON.stringify({ release }).replace(NOT_ASCII, (c) => `\\u${unit(c)}`);
}

function unit(char: string): string {
  return char.charCodeAt(0).toString(16).padStart(4, '0');
}

/** The payload base64-encoded (standard alphabet, padded): what the chat button's `$payload` carries. */
export function releasePayloadBase64(
  lock: ReleasableLock,
  requestedBy: string,
  account?: { readonly id: string; readonly janitorRegion: string },
): string {
  return Buffer.from(releasePayloadJson(lock, requestedBy, account), 'utf8').toString('base64');
}

/**
 * `aws lambda invoke --function-name NAME --region REGION --cli-binary-format raw-in-base64-out --payload '<json>'
 * /dev/stdout`: the janitor's own safe release, which needs only `lambda:InvokeFunction`. Every value goes
 * through the one quoting function; the JSON is printable ASCII, so the command can always be shown.
 */
export function invokeReleaseCommand(
  janitor: JanitorFunction,
  lock: ReleasableLock,
  requestedBy: string,
): ShellCommand {
  return shellCommand([
    'aws lambda invoke --function-name',
    shellWord(janitor.functionName, 'the function name'),
    '--region',
    shellWord(janitor.region, 'the region'),
    '--cli-binary-format raw-in-base64-out --payload',
    shellQuote(releasePayloadJson(lock, requestedBy), 'the payload'),
    '/dev/stdout',
  ]);
}
