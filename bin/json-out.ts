// CLI: the `--json` report written in pieces, byte for byte what JSON.stringify(value, null, 2) writes at once.

/** Pieces are cut at a line's end once they hold about this many characters. */
const PIECE = 64 * 1024;

/**
 * `JSON.stringify(value, null, 2)` as pieces of whole lines (each without its last newline: joined with `\n`
 * they are that text). A top-level array, such as the report's `locks`, is written one element at a time, so
 * a run's report is never held as one string beside the report itself (60,000 locks: about 40 MB).
 */
export function* jsonPieces(value: Record<string, unknown>): Generator<string> {
  // What JSON.stringify leaves out of an object.
  const entries = Object.entries(value).filter(
    ([, v]) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol',
  );
  if (entries.length === 0) {
    yield '{}';
    return;
  }
  let piece = '{';
  const line = function* (text: string): Generator<string> {
    if (piece.length >= PIECE) {
      yield piece;
      piece = text;
    } else piece += `\n${text}`;
  };
  for (const [i, [key, v]] of entries.entries()) {
    const comma = i < entries.length - 1 ? ',' : '';
    if (!Array.isArray(v) || v.length === 0) {
      yield* line(`  ${JSON.stringify(key)}: ${indented(v, '  ')}${comma}`);
      continue;
    }
    yield* line(`  ${JSON.stringify(key)}: [`);
    for (const [j, element] of v.entries())
      yield* line(`    ${indented(element, '    ')}${j < v.length - 1 ? ',' : ''}`);
    yield* line(`  ]${comma}`);
  }
  yield* line('}');
  yield piece;
}

/** A value as JSON.stringify writes it `pad` deep (`null` where it writes nothing, as inside an array). */
function indented(value: unknown, pad: string): string {
  // Newlines inside strings are escaped, so every newline of the text is one of its own line breaks.
  return (JSON.stringify(value, null, 2) ?? 'null').replace(/\n/g, `\n${pad}`);
}
