// Core messages: a release on request announced as a release (who asked, how, the lock, the result).
import { formatAge } from '../duration';
import type { ReleaseAnswer, ReleaseOutcome, ReleaseVia } from '../release';
import type { LockReport } from '../report';
import type { ChatNotification } from './chat';
import { tableThreadId } from './chat';
import { chatCode, chatText, escapeChatEntities } from './chat-text';
import { clipEnd, printable } from './format';
import { type RenderedMessage, sanitizeSubject } from './sns';

/** The eventType of a release result (the contract with the Release button). */
export const RELEASE_EVENT = 'TfLockJanitorRelease';

/** A release request and its result, as the janitor announces it. */
export type ReleaseNews = {
  readonly answer: ReleaseAnswer;
  /** Who asked: the caller's claim marked as such, next to what the janitor knows (the Lambda request). */
  readonly requestedBy: string;
  readonly via: ReleaseVia;
  readonly at: string;
  /** The lock as it was when released (set when the lock was read). */
  readonly lock?: LockReport;
};

const HEADINGS: Record<ReleaseOutcome, string> = {
  released: 'Released on request',
  gone: 'Release requested: the lock is gone (the delete may have done it; its answer was lost)',
  'not-found': 'Not released: the lock was already gone',
  'id-mismatch': 'Not released: the lock ID changed',
  changed: 'Not released: the lock changed before the delete',
  'not-a-lock': 'Not released: the item is not a lock',
  'no-lock-table': 'Not released: no such lock table',
  'not-allowed': 'Not released: refused by the policy',
  'not-announced': 'Not released: the janitor never announced this lock as stale',
  failed: 'Not released: the delete failed',
};

const VIA: Record<ReleaseVia, string> = {
  'chat-button':
    'the chat Release button (a Lambda invoke whose payload says requestedBy "chat"; CloudTrail has the principal)',
  'lambda-invoke': 'an invoke of the janitor Lambda (aws lambda invoke; CloudTrail has the principal)',
  cli: "the tf-lock-janitor CLI, with the caller's own AWS credentials",
};

/** The release's heading, as subject and title start with it. */
export function releaseHeading(outcome: ReleaseOutcome): string {
  return HEADINGS[outcome];
}

/**
 * The announcement of a release request, for e-mail and chat (audience `all`): in the chat thread of the lock's
 * table, the one its stale-lock notification went to.
 */
export function renderRelease(news: ReleaseNews): RenderedMessage {
  const { answer } = news;
  const text = releaseText(news);
  const chat = releaseChat(news);
  const https = JSON.stringify(chat);
  return {
    audience: 'all',
    structure: 'json',
    subject: sanitizeSubject(
      `tf-lock-janitor: ${shortHeading(answer.outcome)}: ${answer.where.table} ${answer.where.lockId}`,
    ),
    text,
    chat,
    json: JSON.stringify({ default: text, email: text, https }),
  };
}

function shortHeading(outcome: ReleaseOutcome): string {
  return outcome === 'released' ? 'Released on request' : `Not released (${outcome})`;
}

function releaseText(news: ReleaseNews): string {
  const { answer, lock } = news;
  const lines = [
    `tf-lock-janitor: ${releaseHeading(answer.outcome)}`,
    '',
    `  Requested by: ${printable(news.requestedBy, 600)}`,
    `  How:          ${VIA[news.via]}`,
    `  Table:        ${printable(answer.where.region, 100)} / ${printable(answer.where.table, 300)}`,
    `  LockID:       ${printable(answer.where.lockId, 2100)}`,
    `  ID:           ${printable(answer.id, 200)}`,
  ];
  if (lock)
    lines.push(
      `  Held by:      ${printable(lock.who, 300)} (${printable(lock.operation, 200)}, version ${printable(lock.version, 50)})`,
      `  Age:          ${formatAge(lock.ageSeconds)} (Created ${printable(lock.created, 100)})`,
    );
  lines.push(
    `  Result:       ${answer.released ? 'released' : 'not released'}: ${printable(answer.reason, 2000)}`,
    '',
    `Request ${printable(answer.runId, 200)} at ${news.at}.${answer.released ? " The audit record keeps the lock's full Info." : ''}`,
  );
  return lines.join('\n');
}

function releaseChat(news: ReleaseNews): ChatNotification {
  const { answer } = news;
  const { where } = answer;
  const title = `${answer.released ? '✅' : '❌'} ${releaseHeading(answer.outcome)}: ${chatText(where.lockId, 60)}`;
  const readable = (value: string) => clipEnd(escapeChatEntities(printable(value)), 500);
  return {
    version: '1.0',
    source: 'custom',
    id: clipEnd(escapeChatEntities(printable(`${answer.runId}/release`)), 200),
    content: {
      textType: 'client-markdown',
      title: clipEnd(title, 99),
      description: [
        `LockID ${chatCode(where.lockId, 600)} · ID ${chatCode(answer.id, 100)}`,
        `*${chatText(where.region, 30)} / ${chatText(where.table, 100)}*`,
        `Requested by ${chatText(news.requestedBy, 600)}`,
        `How: ${chatText(VIA[news.via])}`,
        `${answer.released ? 'Released' : 'Not released'}: ${chatText(answer.reason, 1000)}`,
      ].join('\n'),
      nextSteps: answer.released
        ? []
        : ['If the lock still blocks Terraform, check it with its holder first'],
      keywords: ['Terraform', 'state lock', 'release'],
    },
    metadata: {
      threadId: tableThreadId(where.region, where.table),
      summary: clipEnd(`tf-lock-janitor: ${shortHeading(answer.outcome)} ${printable(where.lockId)}`, 200),
      eventType: RELEASE_EVENT,
      additionalContext: {
        outcome: answer.outcome,
        released: String(answer.released),
        lockId: readable(where.lockId),
        id: readable(answer.id),
        region: readable(where.region),
        table: readable(where.table),
        requestedBy: readable(news.requestedBy),
        runId: readable(answer.runId),
      },
    },
  };
}
