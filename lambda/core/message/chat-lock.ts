// Core messages: one chat notification per stale lock that needs a person (the Release button's), capped per run.
import { RELEASE_PAYLOAD_KEY } from '../contract';
import { formatAge } from '../duration';
import { isWhole, type LockReport, type NewsLine } from '../report';
import { type ChatNotification, commandStep, lockLine, tableThreadId, threadId } from './chat';
import { chatCode, chatText, escapeChatEntities } from './chat-text';
import type { ReleaseCommand } from './email';
import { clipEnd, plural, printable } from './format';
import { type JanitorFunction, NO_RELEASE, REQUESTERS, releasePayloadBase64 } from './invoke';
import type { TableNews } from './news';
import { forceUnlockCommand, listCommand, workspaceOf } from './shell';
import { MAX_LOCK_NOTIFICATIONS, MAX_OVERFLOW_LINES } from './shown';

/** The eventType of a stale-lock notification (the contract with the Release button). */
export const STALE_LOCK_EVENT = 'TfLockJanitorStaleLock';
/** Stale-lock notifications per run; the locks beyond get one summary notification. */
export { MAX_LOCK_NOTIFICATIONS } from './shown';

/** How the lock notifications offer a release: through the deployed janitor, or with the command shown. */
export type LockChatOptions = {
  /** The deployed janitor (the Lambda): its notifications carry the button's payload when it can release. */
  readonly janitor?: JanitorFunction;
  /** The release command shown in chat text (requestedBy `chat message` when it is an invoke). */
  readonly release: ReleaseCommand;
};

/** A LockReport that may name an S3 lockfile (the lead's S3 support adds these fields). */
type MaybeS3 = LockReport & { readonly bucket?: string; readonly key?: string };

/** The locks that need a person (failed deletes, then newly stale ones), in the news' table order. */
export function locksNeedingPerson(news: readonly TableNews[]): NewsLine[] {
  return news.flatMap((t) => [...t.locks.failed, ...t.locks.stale]);
}

/**
 * One notification per lock that needs a person, in its table's thread, at most {@link MAX_LOCK_NOTIFICATIONS}
 * (whole lines only: the locks kept brief come after them); the rest are counted in one summary notification in
 * the run's thread.
 */
export function renderLockChats(
  runId: string,
  news: readonly TableNews[],
  options: LockChatOptions,
): ChatNotification[] {
  const locks = locksNeedingPerson(news);
  const shown: LockReport[] = [];
  for (const lock of locks.slice(0, MAX_LOCK_NOTIFICATIONS)) {
    if (!isWhole(lock)) break;
    shown.push(lock);
  }
  const chats = shown.map((lock, i) => renderLockChat(`${runId}/${i + 1}`, lock, options));
  const rest = locks.slice(shown.length);
  if (rest.length) chats.push(renderOverflow(runId, news, rest));
  return chats;
}

/** The notification of one lock: where, who, how old, why, and what to do (the button, or the commands). */
export function renderLockChat(id: string, lock: LockReport, options: LockChatOptions): ChatNotification {
  const { janitor } = options;
  const payload = janitor?.canRelease
    ? releasePayloadBase64(
        lock,
        REQUESTERS.chatButton,
        janitor.account && { id: janitor.account.id, janitorRegion: janitor.region },
      )
    : undefined;
  const failed = lock.outcome === 'failed';
  return {
    version: '1.0',
    source: 'custom',
    id: clipEnd(escapeChatEntities(printable(id)), 200),
    content: {
      textType: 'client-markdown',
      title: clipEnd(`${failed ? '🚨 Delete failed' : '⚠️ Stale lock'}: ${chatText(lock.lockId, 80)}`, 99),
      description: describeLock(lock),
      nextSteps: lockNextSteps(lock, options, payload !== undefined),
      keywords: ['Terraform', 'state lock', chatText(lock.region, 50)],
    },
    metadata: {
      threadId: tableThreadId(lock.region, lock.table),
      summary: clipEnd(
        `tf-lock-janitor: ${failed ? 'delete failed' : 'stale lock'} ${printable(lock.lockId)}`,
        200,
      ),
      eventType: STALE_LOCK_EVENT,
      ...(payload ? { enableCustomActions: true } : {}),
      additionalContext: lockContext(lock, payload),
    },
  };
}

function describeLock(lock: MaybeS3): string {
  const place = lock.bucket
    ? `*${chatText(lock.region, 30)} / s3://${chatText(`${lock.bucket}/${lock.key ?? ''}`, 300)}*`
    : `*${chatText(lock.region, 30)} / ${chatText(lock.table, 100)}*`;
  return [
    place,
    `LockID ${chatCode(lock.lockId, 600)}`,
    `ID ${chatCode(lock.id, 100)}`,
    `${chatCode(lock.who, 100)} · ${chatCode(lock.operation, 60)} · version ${chatCode(lock.version, 30)}`,
    `Age ${formatAge(lock.ageSeconds)} (Created ${chatCode(lock.created, 60)}) · rule ${chatCode(lock.rule, 60)}`,
    chatText(lock.reason, 600),
    ...(lock.outcome === 'failed' ? ["🚨 The janitor's delete failed: the lock is still held"] : []),
  ].join('\n');
}

function lockNextSteps(lock: LockReport, options: LockChatOptions, button: boolean): string[] {
  const ws = workspaceOf(lock.lockId);
  const where = ws === undefined ? '' : ` (workspace ${chatCode(ws, 60)})`;
  const steps = [
    `Check that no Terraform/OpenTofu run still holds it (ask ${chatCode(lock.who, 60)})`,
    commandStep(`Then, in its root module${where}`, forceUnlockCommand(lock)),
  ];
  if (options.janitor && !options.janitor.canRelease) return [...steps, `No safe release: ${NO_RELEASE}`];
  if (button)
    steps.push(
      'Or press *Release lock*: the janitor deletes it only if it still holds this ID, and answers in this thread',
    );
  steps.push(commandStep(button ? 'Or from any shell' : 'Or release it safely', options.release(lock)));
  return steps;
}

/** The button reads RELEASE_PAYLOAD_KEY (`releasePayload`); the other values are for people (printable, clipped). */
function lockContext(lock: MaybeS3, payload: string | undefined): Record<string, string> {
  const readable = (value: string) => clipEnd(escapeChatEntities(printable(value)), 500);
  return {
    ...(payload ? { [RELEASE_PAYLOAD_KEY]: payload } : {}),
    lockId: readable(lock.lockId),
    id: readable(lock.id),
    region: readable(lock.region),
    table: readable(lock.table),
    ...(lock.bucket ? { bucket: readable(lock.bucket), key: readable(lock.key ?? '') } : {}),
  };
}

/**
 * The locks beyond the cap, in one notification: a line each while they fit (at most MAX_OVERFLOW_LINES, whole
 * lines only), then how many more and where to see them all.
 */
function renderOverflow(
  runId: string,
  news: readonly TableNews[],
  rest: readonly NewsLine[],
): ChatNotification {
  const title = `⚠️ tf-lock-janitor: ${plural(rest.length, 'more lock')} need${rest.length === 1 ? 's' : ''} a person`;
  const lines: string[] = [];
  let left = 2500;
  for (const lock of rest.slice(0, MAX_OVERFLOW_LINES)) {
    if (!isWhole(lock)) break;
    const line = `• ${lockLine(lock)}`;
    if (line.length + 1 > left) break;
    lines.push(line);
    left -= line.length + 1;
  }
  if (lines.length < rest.length) lines.push(`…and ${rest.length - lines.length} more`);
  return {
    version: '1.0',
    source: 'custom',
    id: clipEnd(escapeChatEntities(printable(`${runId}/more`)), 200),
    content: {
      textType: 'client-markdown',
      title: clipEnd(title, 99),
      description: lines.join('\n'),
      nextSteps: [
        `Only the first ${MAX_LOCK_NOTIFICATIONS} locks get their own notification (and button) per run: the e-mail has the commands for each`,
        `See every lock: \`${escapeChatEntities(listCommand([...new Set(news.map((t) => t.region))]))}\``,
      ],
      keywords: ['Terraform', 'state lock'],
    },
    metadata: {
      threadId: threadId(news),
      summary: clipEnd(title, 200),
      eventType: 'TfLockJanitorNews',
      additionalContext: {
        runId: clipEnd(escapeChatEntities(printable(runId)), 200),
        more: String(rest.length),
      },
    },
  };
}
