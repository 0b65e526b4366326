import { type ChatNotification, renderChat } from './message-chat';
import { collectNews, countNews, scopeName, summarize } from './message-news';
import { releaseCommand } from './message-shell';
import { sanitizeSubject } from './message-subject';
import { renderText } from './message-text';
import type { ReleaseCommand } from './message-text-lock';
import type { RunReport } from './report';

export type { ChatNotification } from './message-chat';
export { hasNews } from './message-news';
export { forceUnlockCommand, releaseCommand, shellQuote } from './message-shell';
export { sanitizeSubject } from './message-subject';
export type { ReleaseCommand } from './message-text-lock';

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
  /** How the text shows the janitor's release command. @default `npx tf-lock-janitor release ...` */
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
