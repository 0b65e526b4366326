// Core messages: the SNS envelopes of a run (subject, e-mail, chat; one chat notification per lock) within SNS limits.
import { CHAT_ONLY_AUDIENCE } from '../contract';
import type { RunReport } from '../report';
import { type ChatNotification, renderChat } from './chat';
import { renderLockChats } from './chat-lock';
import { type ReleaseCommand, renderText } from './email';
import { clipEnd, printable } from './format';
import { invokeReleaseCommand, type JanitorFunction, NO_RELEASE, REQUESTERS } from './invoke';
import { collectNews, countNews, hasNews, scopeName, summarize, type TableNews } from './news';
import { releaseCommand, type ShellCommand } from './shell';

export type { ChatNotification } from './chat';
export type { ReleaseCommand } from './email';
export { hasNews } from './news';
export { forceUnlockCommand, releaseCommand, shellQuote } from './shell';

/**
 * Who a message is for, sent as the SNS message attribute AUDIENCE_ATTRIBUTE (`audience`, lambda/core/contract.ts): `all` (e-mail and chat), or `chat` only.
 * E-mail subscriptions filter out `chat` (lib/janitor-alerts.ts, EMAIL_FILTER_POLICY).
 */
export type Audience = 'all' | typeof CHAT_ONLY_AUDIENCE;

/** One SNS message, ready for `Publish`. */
export type RenderedMessage = {
  readonly audience: Audience;
  /**
   * `json`: `json` is `{"default","email","https"}` (MessageStructure json); `string`: `json` is the chat
   * notification itself, the same for every protocol (chat-only messages: their attribute must reach the filter).
   */
  readonly structure: 'json' | 'string';
  /** Printable ASCII, at most 99 characters. */
  readonly subject: string;
  /** The text for people (`default` and `email`). */
  readonly text: string;
  /** The Amazon Q Developer (Chatbot) custom notification (`https`). */
  readonly chat: ChatNotification;
  /** The SNS `Message`: `{"default": text, "email": text, "https": JSON of chat}`, or the chat JSON (`string`). */
  readonly json: string;
};

export type RenderOptions = {
  /**
   * The deployed janitor (the Lambda passes its own name and region): the messages show `aws lambda invoke` of
   * it as the safe release, and the stale-lock chat notifications carry the Release button's payload.
   */
  readonly janitor?: JanitorFunction;
  /** How the text shows the janitor's release command without `janitor`. @default `tf-lock-janitor release --table=... --state-path=...` (the CLI) */
  readonly releaseCommand?: ReleaseCommand;
};

// SNS Publish: a message is at most 262,144 bytes of UTF-8 (SNS FAQ); aim lower to leave room.
export const MESSAGE_BUDGET_BYTES = 240 * 1024;

/**
 * Renders the run's news for people and for chat. Pure, and always publishable: whatever the number of
 * locks or the length of their LockIDs, `json` stays within {@link MESSAGE_BUDGET_BYTES} (locks that do
 * not fit are counted, not shown).
 */
export function renderMessage(report: RunReport, options: RenderOptions = {}): RenderedMessage {
  return renderRun(report, collectNews(report), options);
}

/**
 * Every message of a run with news: the run message (e-mail and chat), then one chat-only notification per lock
 * that needs a person (at most MAX_LOCK_NOTIFICATIONS, then one summary). Empty when the run has no news.
 */
export function renderMessages(report: RunReport, options: RenderOptions = {}): RenderedMessage[] {
  if (!hasNews(report)) return [];
  const news = collectNews(report);
  const chats = renderLockChats(report.runId, news, {
    janitor: options.janitor,
    release: releaseFor(options, REQUESTERS.chatText),
  });
  const account = options.janitor?.account;
  return [renderRun(report, news, options), ...chats.map((chat) => chatOnly(inAccount(chat, account)))];
}

/** In an organization, every message says which account it is about: `123456789012 (alias)`. */
function accountName(account: NonNullable<JanitorFunction['account']>): string {
  return account.alias ? `${account.id} (${printable(account.alias, 60)})` : account.id;
}

function inAccount(chat: ChatNotification, account: JanitorFunction['account']): ChatNotification {
  if (!account) return chat;
  return {
    ...chat,
    content: { ...chat.content, title: clipEnd(`[${accountName(account)}] ${chat.content.title}`, 99) },
    metadata: {
      ...chat.metadata,
      additionalContext: { ...chat.metadata.additionalContext, account: accountName(account) },
    },
  };
}

/** The release command people are shown: an invoke of the deployed janitor, else the CLI's. */
function releaseFor(options: RenderOptions, requestedBy: string): ReleaseCommand {
  const { janitor } = options;
  if (!janitor) return options.releaseCommand ?? releaseCommand;
  if (!janitor.canRelease) return (): ShellCommand => ({ ok: false, why: NO_RELEASE });
  return (lock) => invokeReleaseCommand(janitor, lock, requestedBy);
}

/** A chat notification on its own: the same body for every protocol, sent with `audience` = `chat`. */
function chatOnly(chat: ChatNotification): RenderedMessage {
  return {
    audience: CHAT_ONLY_AUDIENCE,
    structure: 'string',
    subject: sanitizeSubject(chat.content.title),
    text: `${chat.content.title}\n${chat.content.description}`,
    chat,
    json: JSON.stringify(chat),
  };
}

function renderRun(report: RunReport, news: readonly TableNews[], options: RenderOptions): RenderedMessage {
  const counts = countNews(report, news);
  const release = releaseFor(options, REQUESTERS.email);
  const account = options.janitor?.account;
  const chat = inAccount(renderChat(report, news, counts, releaseFor(options, REQUESTERS.chatText)), account);
  const https = JSON.stringify(chat);
  // MessageStructure=json: the Message is a JSON object with a required string `default`; `email` goes to
  // e-mail subscribers, `https` to Chatbot's https subscription (SNS Publish API, MessageStructure; Amazon Q Developer "custom notifications" guide).
  const frame = Buffer.byteLength(JSON.stringify({ default: '', email: '', https }));
  const budgetBytes = Math.floor((MESSAGE_BUDGET_BYTES - frame) / 2);
  const body = renderText(report, news, counts, { budgetBytes: budgetBytes - 200, release });
  const text = account ? `Account ${accountName(account)}\n${body}` : body;
  const where = account ? `[${accountName(account)}] ` : '';
  return {
    audience: 'all',
    structure: 'json',
    subject: sanitizeSubject(`${where}tf-lock-janitor ${scopeName(news)}: ${summarize(counts)}`),
    text,
    chat,
    json: JSON.stringify({ default: text, email: text, https }),
  };
}

const FALLBACK = 'tf-lock-janitor notification';
// SNS Publish: "Subjects must be UTF-8 text with no line breaks or control characters, and less than 100
// characters long"; some integrations replace non-ASCII subjects (SNS Publish API reference).
const MAX_SUBJECT = 99;

/**
 * A subject SNS always accepts: printable ASCII only (accents folded, other characters shown as `?`, line
 * breaks and controls as spaces), at most 99 characters (cut with `...`), never empty.
 */
export function sanitizeSubject(subject: string): string {
  const ascii = subject
    .normalize('NFKD')
    .replace(/\p{Mn}/gu, '')
    .replace(/[\s\p{C}\p{Z}]+/gu, ' ')
    .replace(/[^\x20-\x7e]+/g, '?')
    .replace(/ {2,}/g, ' ')
    .trim();
  if (!/[A-Za-z0-9]/.test(ascii)) return FALLBACK;
  return ascii.length <= MAX_SUBJECT ? ascii : `${ascii.slice(0, MAX_SUBJECT - 3).trimEnd()}...`;
}
