// CLI: plain-text tables fitted to a width: columns dropped, cells shortened, what people copy never cut.
import { printable } from '../lambda/core/message/format';

const MAX_CELL = 56;

/** How a table may be narrowed to fit a width: columns to drop first, and columns never shortened. */
export type Fit = {
  /** Columns (by header) dropped, in this order, while the table is too wide. */
  readonly drop?: readonly string[];
  /** Columns (by header) whose values are always shown whole: what people copy (lock ID, state path). */
  readonly whole?: readonly string[];
};

/** Narrowest a shortened cell gets (`ab…yz`). */
const MIN_CELL = 8;

/**
 * A plain-text table, line by line: a header row and aligned columns. Every cell goes through `printable`
 * (escape sequences, bidi overrides and line breaks shown as `\u{…}`), so no value can move the cursor, hide a
 * row or start a new line. Within `width` (a terminal's columns): the `drop` columns go first, then the other
 * cells are shortened in the middle, never the `whole` ones; when even that does not fit, each row's `whole`
 * values move to lines of their own below it. Widths are found with a loop (no spread over all rows), and the
 * lines are yielded one at a time so the CLI can write them as they come.
 */
export function* tableLines(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  width?: number,
  fit: Fit = {},
): Generator<string> {
  const whole = new Set(fit.whole ?? []);
  let columns = header.map((_h, i) => i);
  const cells = (limit: (i: number) => number) => {
    const all: string[][] = [header.map((h, i) => printable(h, limit(i)))];
    for (const row of rows) all.push(header.map((_h, i) => printable(row[i] ?? '', limit(i))));
    return all;
  };
  const natural = (i: number) => (whole.has(header[i]) ? Number.POSITIVE_INFINITY : MAX_CELL);
  let table = cells(natural);
  let widths = widthsOf(table, header.length);
  const total = () => columns.reduce((n, i) => n + widths[i], 0) + 2 * (columns.length - 1);
  if (width !== undefined) {
    for (const name of fit.drop ?? []) {
      if (total() <= width) break;
      columns = columns.filter((i) => header[i] !== name);
    }
    const shrinkable = columns.filter((i) => !whole.has(header[i]));
    while (total() > width) {
      const widest = shrinkable.reduce((a, b) => (widths[b] > widths[a] ? b : a), shrinkable[0]);
      if (widest === undefined || widths[widest] <= MIN_CELL) break;
      const limits = new Map(shrinkable.map((i) => [i, widths[i]]));
      limits.set(widest, Math.max(MIN_CELL, widths[widest] - (total() - width)));
      table = cells((i) => limits.get(i) ?? natural(i));
      widths = widthsOf(table, header.length);
    }
  }
  const line = (row: readonly string[], shown: readonly number[]) =>
    shown
      .map((i) => row[i].padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  if (width === undefined || total() <= width) {
    for (const row of table) yield line(row, columns);
    return;
  }
  // Too narrow even so: the whole values on lines of their own under each row, labelled.
  const inline = columns.filter((i) => !whole.has(header[i]));
  const apart = columns.filter((i) => whole.has(header[i]));
  const label = Math.max(...apart.map((i) => header[i].length)) + 1;
  yield line(table[0], inline);
  for (const row of table.slice(1)) {
    yield line(row, inline);
    for (const i of apart) yield `  ${`${header[i]}:`.padEnd(label)} ${row[i]}`;
  }
}

function widthsOf(table: readonly (readonly string[])[], n: number): number[] {
  const widths = new Array<number>(n).fill(0);
  for (const row of table) for (let i = 0; i < n; i++) widths[i] = Math.max(widths[i], row[i].length);
  return widths;
}

/** The whole table as one string (see {@link tableLines}). */
export function renderTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  return [...tableLines(header, rows)].join('\n');
}
