// Core messages: values made inert for chat markdown (Slack/Teams through Amazon Q Developer).
import { printable } from './format';

/**
 * Escapes `&`, `<` and `>` as `&amp;`, `&lt;`, `&gt;`: Slack's rule for all message text, so that no value
 * can write a mention (`<!channel>`, `<!here>`, `<@U123>`) or a link (`<https://x|text>`), and a `>` at a line
 * start is no quote (Slack API, "Formatting text for app surfaces": escaping text).
 */
export function escapeChatEntities(text: string): string {
  return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

const MARKDOWN = /[\\`*_~[\]()#|]/g;

/**
 * A value as plain chat text: printable (hidden characters escaped), at most `max` characters, markdown
 * punctuation (`*`, `_`, `~`, backticks, `[`…`](…)`, `#`, `|`) backslash-escaped, and `&`, `<`, `>` as entities.
 */
export function chatText(value: string, max = Number.POSITIVE_INFINITY): string {
  return escapeChatEntities(printable(value, max).replace(MARKDOWN, '\\$&'));
}

/**
 * A value in an inline code span, where markdown is inert: printable, at most `max` characters, a backtick
 * shown as `'` so the span cannot end early, and `&`, `<`, `>` as entities (Slack applies its rule inside
 * code too).
 */
export function chatCode(value: string, max = Number.POSITIVE_INFINITY): string {
  return `\`${escapeChatEntities(printable(value, max).replaceAll('`', "'"))}\``;
}
