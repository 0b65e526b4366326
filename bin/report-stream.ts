// CLI: a sweep's `--json` or `--output tsv` report written as its locks are decided, the rest once the run ends.
import type { LockReport, RunReport } from '../lambda/core/report';
import type { LineSink, SweepOptions } from '../lambda/run/options';
import { couldNotReadLines, tsvHeader, tsvRow } from './format';
import { elementText, inPieces, jsonPieces, memberLines, members } from './json-out';

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

/** The report's fields known before any place is read: the `--json` document starts with them. */
type Head = Pick<RunReport, 'runId' | 'startedAt' | 'mode' | 'regions'>;

/** The head of the report of a run with these options (the sweep's own `runId`, `startedAt`, `mode`, `regions`). */
function headOf(options: SweepOptions): Head {
  return {
    runId: options.runId,
    startedAt: options.now.toISOString(),
    mode: options.policy.mode,
    regions: [...options.regions],
  };
}

/** The streamed report of a sweep run with `options`, as JSON or TSV. */
export function reportStream(format: 'json' | 'tsv', out: ReportOut, options: SweepOptions): ReportStream {
  return format === 'json' ? jsonStream(out, headOf(options)) : tsvStream(out);
}

/** Writes the lines in pieces, each once stdout has drained what came before. */
async function write(out: ReportOut, lines: Iterable<string>): Promise<void> {
  for (const piece of inPieces(lines)) {
    out.out(piece);
    await out.drain?.();
  }
}

/**
 * `--json`: the report as JSON.stringify(report, null, 2) writes it, its members in another order: the head
 * (`runId`, `startedAt`, `mode`, `regions`), then `locks` element by element as decided, then the others in the
 * report's order (`finishedAt`, `tables`, `buckets`, ..., `counts`, `auditFile`). The last element written is
 * held back until it is known whether a comma follows it.
 */
function jsonStream(out: ReportOut, head: Head): ReportStream {
  let started = false;
  let last: string | undefined;
  const elements = async (lines: readonly LockReport[]) => {
    if (lines.length === 0) return;
    const text: string[] = [];
    if (!started) {
      const headLines = [...memberLines(Object.entries(head))];
      headLines[headLines.length - 1] += ',';
      text.push('{', ...headLines, '  "locks": [');
      started = true;
    }
    if (last !== undefined) text.push(`${last},`);
    for (const line of lines.slice(0, -1)) text.push(`${elementText(line)},`);
    last = elementText(lines[lines.length - 1]);
    await write(out, text);
  };
  return {
    locks: (locks) => elements(locks.flat()),
    async end(report) {
      for (const [key, value] of Object.entries(head))
        if (JSON.stringify(report[key as keyof Head]) !== JSON.stringify(value))
          throw new Error(`the report's ${key} is not the one its --json output began with`);
      await elements(report.locks);
      // `folded` counts the streamed locks (in `counts` already): the printed report has their lines instead.
      const rest = members(report).filter(
        ([key]) => !(key in head) && key !== 'locks' && key !== 'folded' && key !== 'brief',
      );
      if (!started) await write(out, jsonPieces({ ...head, locks: [], ...Object.fromEntries(rest) }));
      else await write(out, [last!, rest.length ? '  ],' : '  ]', ...memberLines(rest), '}']);
    },
  };
}

/**
 * `--output tsv`: the header, then each lock's lines as decided. stdout holds only the header and the lock lines,
 * so a place that could not be read is named, with its fix, on stderr at the end: an empty TSV is never the
 * only word on a failed read.
 */
function tsvStream(out: ReportOut): ReportStream {
  let started = false;
  const rows = async (lines: readonly LockReport[]) => {
    if (started && lines.length === 0) return;
    const text = started ? [] : [tsvHeader('sweep')];
    started = true;
    await write(out, [...text, ...lines.map((l) => tsvRow(l, 'sweep'))]);
  };
  return {
    locks: (locks) => rows(locks.flat()),
    async end(report) {
      await rows(report.locks);
      for (const line of couldNotReadLines(report)) out.err(line);
    },
  };
}
