// CLI: the `--json` report written in pieces, byte for byte what JSON.stringify(value, null, 2) writes at once.

/** Pieces are cut at a line's end once they hold about this many characters. */
const PIECE = 64 * 1024;

/**
 * `JSON.stringify(value, null, 2)` as pieces of whole lines (each without its last newline: joined with `\n`
 * they are that text). A top-level array, such as the report's `locks`, is written one element at a time, so
 * a run's report is never held as one string beside the report itself (60,000 locks: about 40 MB).
 */
export function* jsonPieces(value: Record<string, unknown>): Generator<string> {
  const entries = members(value);
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  yield* inPieces(objectLines(entries));
}

function* objectLines(entries: readonly (readonly [string, unknown])[]): Generator<string> {
  yield '{';
  yield* memberLines(entries);
  yield '}';
}

/** The members JSON.stringify writes of an object, in order (it leaves out undefined, functions and symbols). */
export function members(value: Record<string, unknown>): [string, unknown][] {
  return Object.entries(value).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
}

/**
 * The lines of an object's members as JSON.stringify(value, null, 2) writes them inside it, a comma after each
 * but the last; a non-empty array is written one element at a time.
 */
export function* memberLines(entries: readonly (readonly [string, unknown])[]): Generator<string> {
  for (const [i, [key, v]] of entries.entries()) {
    const comma = i < entries.length - 1 ? ',' : '';
    if (!Array.isArray(v) || v.length === 0) {
      yield `  ${JSON.stringify(key)}: ${indented(v, '  ')}${comma}`;
      continue;
    }
    yield `  ${JSON.stringify(key)}: [`;
    for (const [j, element] of v.entries()) yield `${elementText(element)}${j < v.length - 1 ? ',' : ''}`;
    yield `  ]${comma}`;
  }
}

/** An element of a top-level array as JSON.stringify(value, null, 2) writes it (its lines, without a comma). */
export function elementText(element: unknown): string {
  return `    ${indented(element, '    ')}`;
}

/** What JSON.stringify({ e: [...] }, null, 2) writes around a non-empty array's elements. */
const WRAPPED = { head: '{\n  "e": [\n', tail: '\n  ]\n}' };

/**
 * Elements of a top-level array as JSON.stringify(value, null, 2) writes them, a comma after each but the last:
 * `elementText` of each joined by `,\n`, made by one JSON.stringify call (the elements already indented as deep
 * as they sit, no second copy of each to indent it): a streamed report writes a page of locks at a time.
 */
export function elementsText(elements: readonly unknown[]): string {
  if (elements.length === 0) return '';
  const text = JSON.stringify({ e: elements }, null, 2);
  return text.slice(WRAPPED.head.length, text.length - WRAPPED.tail.length);
}

/** Lines joined into pieces of about PIECE characters (joined with `\n` they are the lines' text). */
export function* inPieces(lines: Iterable<string>): Generator<string> {
  let piece: string | undefined;
  for (const text of lines) {
    if (piece === undefined) piece = text;
    else if (piece.length >= PIECE) {
      yield piece;
      piece = text;
    } else piece += `\n${text}`;
  }
  if (piece !== undefined) yield piece;
}

/** A value as JSON.stringify writes it `pad` deep (`null` where it writes nothing, as inside an array). */
function indented(value: unknown, pad: string): string {
  // Newlines inside strings are escaped, so every newline of the text is one of its own line breaks.
  return (JSON.stringify(value, null, 2) ?? 'null').replace(/\n/g, `\n${pad}`);
}
