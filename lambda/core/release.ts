// Core: what a release on request can end in, how it was asked for, and the small answer a caller reads.
import { CHAT_BUTTON_REQUESTER } from './contract';

/**
 * `no-lock-table`: the table is missing or not a lock table (bad usage); `not-allowed`: the policy keeps the
 * janitor out of that place (region, globs, opt-out tag, or a tag that cannot be read: fail closed);
 * `not-announced`: a release through the janitor's Lambda names a lock the janitor never announced as stale with
 * the Info it holds now.
 */
export type ReleaseOutcome =
  | 'released'
  | 'gone'
  | 'not-found'
  | 'id-mismatch'
  | 'changed'
  | 'not-a-lock'
  | 'no-lock-table'
  | 'not-allowed'
  | 'not-announced'
  | 'failed';

/** How the release was asked for, as far as the janitor can tell: the chat button is the payload's claim. */
export type ReleaseVia = 'lambda-invoke' | 'chat-button' | 'cli';

/** Which lock a release is about. */
export type ReleaseWhere = { readonly region: string; readonly table: string; readonly lockId: string };

/** A release request's result as a person reads it, e.g. in `aws lambda invoke`'s output. */
export type ReleaseAnswer = {
  readonly released: boolean;
  readonly outcome: ReleaseOutcome;
  readonly reason: string;
  readonly where: ReleaseWhere;
  readonly id: string;
  readonly runId: string;
};

/** How a request reached the Lambda: the chat button when its payload says so, else a plain invoke. */
export function viaOfRequester(requestedBy: string | undefined): ReleaseVia {
  return requestedBy === CHAT_BUTTON_REQUESTER ? 'chat-button' : 'lambda-invoke';
}

/**
 * The answer to a release request: whether the lock was released, the outcome, the reason in words, where and
 * which lock. Problems after a release (audit record, notification) are counted in the reason, not listed.
 */
export function releaseAnswer(
  target: ReleaseWhere & { readonly id: string },
  result: {
    readonly outcome: ReleaseOutcome;
    readonly message: string;
    readonly failures: readonly unknown[];
  },
  runId: string,
): ReleaseAnswer {
  const problems = result.failures.length;
  const after = problems
    ? `; ${problems === 1 ? '1 problem' : `${problems} problems`} after it (see the janitor's log for request ${runId})`
    : '';
  return {
    released: result.outcome === 'released',
    outcome: result.outcome,
    reason: `${result.message}${after}`,
    where: { region: target.region, table: target.table, lockId: target.lockId },
    id: target.id,
    runId,
  };
}
