// Core messages: making values printable, clipping, and JSON byte budgets.
/**
 * Characters a reader must never get raw: controls (newlines included), format characters (bidi overrides,
 * zero-width), lone surrogates, private use, unassigned code points (U+FFFE/U+FFFF) and line/paragraph
 * separators. SNS only accepts XML characters in a message (SNS FAQ), and a hidden RTL override in a path
 * would make a shown command lie about what it does.
 */
const HIDDEN = /[\p{C}\p{Zl}\p{Zp}]/u;
const HIDDEN_ALL = new RegExp(HIDDEN.source, 'gu');

/** True when the value holds a character that must be escaped before a person sees it. */
export function hasHidden(value: string): boolean {
  return HIDDEN.test(value);
}

const HIDDEN_KINDS: readonly [RegExp, string][] = [
  [/\p{Cc}/u, 'a control character'],
  [/\p{Cf}/u, 'an invisible formatting character (bidi override, zero-width)'],
  [/[\p{Zl}\p{Zp}]/u, 'a line or paragraph separator'],
  [/\p{Cs}/u, 'half of a surrogate pair'],
  [/\p{Co}/u, 'a private-use character'],
];

/**
 * Describes the first hidden character of the value (`a control character (U+001B)`), or undefined when
 * there is none.
 */
export function hiddenCharacter(value: string): string | undefined {
  const char = HIDDEN.exec(value)?.[0];
  if (char === undefined) return undefined;
  const code = `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
  const kind = HIDDEN_KINDS.find(([re]) => re.test(char))?.[1] ?? 'an unassigned code point';
  return `${kind} (${code})`;
}

/** `\u{1f}` style escape of one code point. */
export function codePointEscape(char: string): string {
  return `\\u{${char.codePointAt(0)?.toString(16) ?? ''}}`;
}

/**
 * A value made safe to show on one line: hidden characters become `\u{…}` escapes and a value longer than
 * `max` keeps its start and end around an ellipsis.
 */
export function printable(value: string, max = Number.POSITIVE_INFINITY): string {
  return clip(value.replace(HIDDEN_ALL, codePointEscape), max);
}

/** Shortens to at most `max` UTF-16 units (JS `length`), keeping the start and the end around `…`. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const head = takeStart([...value], Math.ceil((max - 1) / 2));
  const tail = takeStart([...value].reverse(), max - 1 - head.length);
  return `${head}…${[...tail].reverse().join('')}`;
}

/** Shortens to at most `max` UTF-16 units (JS `length`), keeping the start, ending in `…`. */
export function clipEnd(value: string, max: number): string {
  return value.length <= max ? value : `${takeStart([...value], max - 1)}…`;
}

/** The longest run of whole code points from the start that fits in `max` UTF-16 units. */
function takeStart(chars: readonly string[], max: number): string {
  let out = '';
  for (const char of chars) {
    if (out.length + char.length > max) break;
    out += char;
  }
  return out;
}

/**
 * UTF-8 bytes the value takes once embedded as a JSON string (without its quotes): escaping turns a newline,
 * a quote or a backslash into two bytes and a control character into six.
 */
export function jsonBytes(value: string): number {
  return Buffer.byteLength(JSON.stringify(value)) - 2;
}

/** Cuts the text so that it takes at most `budget` JSON bytes, marking the cut; whole code points only. */
export function fitJsonBytes(text: string, budget: number): string {
  if (jsonBytes(text) <= budget) return text;
  const mark = '\n…message cut here to stay under the SNS 256 KB limit.';
  let left = budget - jsonBytes(mark);
  let end = 0;
  for (const char of text) {
    const size = jsonBytes(char);
    if (size > left) break;
    left -= size;
    end += char.length;
  }
  return `${text.slice(0, end)}${mark}`;
}

/** `1 lock` / `3 locks`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
