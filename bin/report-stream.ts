// CLI: a sweep's or list's `--json` or `--output tsv` report written as its locks are decided, the rest once the run ends.
import type { LockReport, RunReport } from '../lambda/core/report';
import type { LineSink, SweepOptions } from '../lambda/run/options';
import { couldNotReadLines, tsvHeader, tsvRow } from './format';
import { elementsText, elementText, inPieces, jsonPieces, memberLines, members } from './json-out';

/** Where the report goes (the CLI's Io): stdout and stderr by line, and stdout's drain. */
export type ReportOut = {
  out(text: string): void;
  err(text: string): void;
  readonly drain?: () => Promise<void>;
};

/** The sweep report as the CLI prints it: the run's report, and where its deletions were recorded. */
export type PrintedReport = RunReport & { readonly auditFile?: { path: string; appended: number } };

/**
 * A report written as the run goes: `locks` takes each page of decided locks (the run's `lines: { stream }`),
 * `end` the run's report once it is done (with the lines it kept: those that waited on its message).
 */
export type ReportStream = {
  readonly locks: LineSink;
  end(report: PrintedReport): Promise<void>;
};

/** What a command's `--json` document is made of: its members before `locks`, each lock's element, the rest. */
type Shape = {
  /** Members known before any place is read: the document starts with them (none for list). */
  readonly head: Record<string, unknown>;
  readonly element: (line: LockReport) => unknown;
  /** The members after `locks`, once the run is done. */
  readonly rest: (report: PrintedReport) => [string, unknown][];
};

/**
 * sweep's: the run report, its head (`runId`, `startedAt`, `mode`, `regions`: the sweep's own, from its options)
 * checked against the report's at the end; `folded` counts the streamed locks (in `counts` already), so the
 * printed report has their lines instead.
 */
function sweepShape(options: SweepOptions): Shape {
  const head = {
    runId: options.runId,
    startedAt: options.now.toISOString(),
    mode: options.policy.mode,
    regions: [...options.regions],
  };
  return {
    head,
    element: (line) => line,
    rest(report) {
      for (const [key, value] of Object.entries(head))
        if (JSON.stringify(report[key as keyof typeof head]) !== JSON.stringify(value))
          throw new Error(`the report's ${key} is not the one its --json output began with`);
      return members(report).filter(
        ([key]) => !(key in head) && key !== 'locks' && key !== 'folded' && key !== 'brief',
      );
    },
  };
}

/** list's: where each lock is and what it holds (no judgement), then what was read and what could not be. */
const LIST_SHAPE: Shape = {
  head: {},
  element: ({ rule, decision, outcome, reason, notify, sightings, ...l }) => l,
  rest: ({ tables, buckets, unparseable, warnings, couldNotRead, counts }) =>
    members({ tables, buckets, unparseable, warnings, couldNotRead, errors: counts.errors }),
};

/** The streamed report of a `command` run with `options`, as JSON or TSV. */
export function reportStream(
  format: 'json' | 'tsv',
  out: ReportOut,
  options: SweepOptions,
  command: 'list' | 'sweep' = 'sweep',
): ReportStream {
  if (format === 'tsv') return tsvStream(out, command);
  return jsonStream(out, command === 'sweep' ? sweepShape(options) : LIST_SHAPE);
}

/** Writes the lines in pieces, each once stdout has drained what came before. */
async function write(out: ReportOut, lines: Iterable<string>): Promise<void> {
  for (const piece of inPieces(lines)) {
    out.out(piece);
    await out.drain?.();
  }
}

/**
 * `--json`: the document as JSON.stringify(document, null, 2) writes it, its members in this order: the head
 * (sweep: `runId`, `startedAt`, `mode`, `regions`), then `locks` element by element as decided, then the others
 * in the document's order (sweep: `finishedAt`, `tables`, `buckets`, ..., `counts`, `auditFile`). The last
 * element written is held back until it is known whether a comma follows it.
 */
function jsonStream(out: ReportOut, shape: Shape): ReportStream {
  let started = false;
  let last: string | undefined;
  const elements = async (lines: readonly LockReport[]) => {
    if (lines.length === 0) return;
    const text: string[] = [];
    if (!started) {
      // The head's members, and a comma after its last one: `locks` follows.
      const head = [...memberLines(Object.entries(shape.head))];
      if (head.length) head[head.length - 1] += ',';
      text.push('{', ...head, '  "locks": [');
      started = true;
    }
    if (last !== undefined) text.push(`${last},`);
    if (lines.length > 1) text.push(`${elementsText(lines.slice(0, -1).map(shape.element))},`);
    last = elementText(shape.element(lines[lines.length - 1]));
    await write(out, text);
  };
  return {
    locks: (locks) => elements(locks.flat()),
    async end(report) {
      await elements(report.locks);
      const rest = shape.rest(report);
      if (!started) await write(out, jsonPieces({ ...shape.head, locks: [], ...Object.fromEntries(rest) }));
      else await write(out, [last!, rest.length ? '  ],' : '  ]', ...memberLines(rest), '}']);
    },
  };
}

/**
 * `--output tsv`: the header, then each lock's lines as decided. stdout holds only the header and the lock lines,
 * so a place that could not be read is named, with its fix, on stderr at the end: an empty TSV is never the
 * only word on a failed read.
 */
function tsvStream(out: ReportOut, command: 'list' | 'sweep'): ReportStream {
  let started = false;
  const rows = async (lines: readonly LockReport[]) => {
    if (started && lines.length === 0) return;
    const text = started ? [] : [tsvHeader(command)];
    started = true;
    await write(out, [...text, ...lines.map((l) => tsvRow(l, command))]);
  };
  return {
    locks: (locks) => rows(locks.flat()),
    async end(report) {
      await rows(report.locks);
      for (const line of couldNotReadLines(report)) out.err(line);
    },
  };
}
