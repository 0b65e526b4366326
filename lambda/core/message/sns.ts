// Core messages: the SNS envelope of a run (subject, e-mail, chat) within SNS limits.
import type { RunReport } from '../report';
import { type ChatNotification, renderChat } from './chat';
import { type ReleaseCommand, renderText } from './email';
import { collectNews, countNews, scopeName, summarize } from './news';
import { releaseCommand } from './shell';

export type { ChatNotification } from './chat';
export type { ReleaseCommand } from './email';
export { hasNews } from './news';
export { forceUnlockCommand, releaseCommand, shellQuote } from './shell';

/** One run's notification, ready for SNS `Publish` with `MessageStructure: 'json'`. */
export type RenderedMessage = {
  /** Printable ASCII, at most 99 characters. */
  readonly subject: string;
  /** The text for people (`default` and `email`). */
  readonly text: string;
  /** The Amazon Q Developer (Chatbot) custom notification (`https`). */
  readonly chat: ChatNotification;
  /** The whole SNS message: `{"default": text, "email": text, "https": JSON of chat}`. */
  readonly json: string;
};

export type RenderOptions = {
  /** How the text shows the janitor's release command. @default `tf-lock-janitor release --table=... --lock-id=...` */
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
  const news = collectNews(report);
  const counts = countNews(report, news);
  const release = options.releaseCommand ?? releaseCommand;
  const chat = renderChat(report, news, counts, release);
  const https = JSON.stringify(chat);
  // MessageStructure=json: the Message is a JSON object with a required string `default`; `email` goes to
  // e-mail subscribers, `https` to Chatbot's https subscription (SNS Publish API, MessageStructure; Amazon Q Developer "custom notifications" guide).
  const frame = Buffer.byteLength(JSON.stringify({ default: '', email: '', https }));
  const budgetBytes = Math.floor((MESSAGE_BUDGET_BYTES - frame) / 2);
  const text = renderText(report, news, counts, { budgetBytes, release });
  return {
    subject: sanitizeSubject(`tf-lock-janitor ${scopeName(news)}: ${summarize(counts)}`),
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
