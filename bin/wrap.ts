// CLI: word wrapping for help and reports: lines broken between words, never inside one (a lock ID, a path).

/** `text` wrapped to `width` columns, every line after the first starting with `indent` spaces. */
export function wrap(text: string, width: number, indent = 0, first = indent): string[] {
  const lines: string[] = [];
  let line = ' '.repeat(first);
  let empty = true;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = ' '.repeat(indent);
      empty = true;
    }
    line += empty ? word : ` ${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}
