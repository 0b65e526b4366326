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
