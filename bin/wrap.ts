// CLI: word wrapping for help, reports and the demo: lines broken between words, never inside one (a lock ID, a path).

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

/** A line within `width`, broken between words (a lock ID or a path is never split); continuations indented. */
export function fitLine(line: string, width?: number): string[] {
  if (width === undefined || line.length <= width) return [line];
  const indent = (line.match(/^ */)?.[0].length ?? 0) + 2;
  return wrap(line, width, indent, indent - 2);
}

/** A shell command shown for pasting (`aws ...`, `terraform ...`, `tf-lock-janitor ...`), after its indent. */
const COMMAND_LINE = /^\s*(aws|terraform|tofu|tf-lock-janitor|npx tf-lock-janitor) [a-z-]+( |$)/;

/**
 * Text for a terminal `width` columns wide, line by line. Prose wraps between words; a shell command breaks
 * between its words (never inside a quoted one) with ` \` continuations, so it still pastes as one command. A
 * single word wider than the line (a base64 payload, a quoted JSON argument) is kept whole: cutting it would
 * change what is pasted.
 */
export function fitText(text: string, width?: number): string {
  if (width === undefined) return text;
  return text
    .split('\n')
    .flatMap((line) => (COMMAND_LINE.test(line) ? fitCommand(line, width) : fitLine(line, width)))
    .join('\n');
}

function fitCommand(line: string, width: number): string[] {
  if (line.length <= width) return [line];
  const indent = line.match(/^ */)?.[0] ?? '';
  const words = line.trim().match(/(?:'[^']*'|[^\s'])+/g) ?? [];
  const lines: string[] = [];
  let current = indent;
  for (const word of words) {
    const next = current.trim() ? `${current} ${word}` : `${current}${word}`;
    if (current.trim() && next.length + 2 > width) {
      lines.push(`${current} \\`);
      current = `${indent}  ${word}`;
    } else current = next;
  }
  lines.push(current);
  return lines;
}
