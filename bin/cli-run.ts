// CLI: list and sweep: the policy and places from the flags, the run, and its report as a table, JSON or TSV.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { UsageError } from '../lambda/core/errors';
import { printable } from '../lambda/core/message/format';
import { type Policy, parsePolicy, parsePolicyJson } from '../lambda/core/policy';
import { hasErrors, type RunReport } from '../lambda/core/report';
import { type SweepOptions, sweep } from '../lambda/run/sweep';
import { usageError } from './args';
import { type AwsFlags, cliWiring, resolveRegions } from './cli-context';
import { prepareSweep, type SweepSetup, withBuckets } from './cli-preflight';
import type { CommandName, Flags } from './commands';
import { listLines, reportLines } from './format';
import { withProgress } from './progress';
import { reportStream } from './report-stream';

/** Where the CLI writes, and what it knows of the terminal. */
export type Io = {
  out(text: string): void;
  err(text: string): void;
  /** The width tables must fit: the terminal's columns (or COLUMNS); undefined = no limit (piped). */
  readonly columns?: number;
  /** Writes the progress line in place (stderr is a terminal); undefined = no progress line. */
  readonly progress?: (line: string) => void;
  /**
   * Resolves once what `out` queued has been written (stdout is a pipe the reader drains, or closed): long output
   * waits for it rather than piling up in memory. Undefined: nothing is queued.
   */
  readonly drain?: () => Promise<void>;
  /** Asks on the terminal and resolves to the answer ('' on Ctrl-D or Ctrl-C); undefined when stdin or stderr is not a terminal. */
  readonly ask?: (question: string) => Promise<string>;
};

/** Narrowest width tables and lines are fitted to: a terminal reporting less (a pty without a size says 0) is ignored. */
const MIN_COLUMNS = 40;

/** The width to fit: the terminal's columns when stdout is one, else COLUMNS; undefined when unknown or too small. */
function terminalColumns(): number | undefined {
  const columns = process.stdout.isTTY ? process.stdout.columns : Number(process.env.COLUMNS);
  return columns >= MIN_COLUMNS ? columns : undefined;
}

export const stdio: Io = {
  out: (t) => process.stdout.write(`${t}\n`),
  // On a terminal a message first clears the progress line it would otherwise be appended to.
  err: (t) => process.stderr.write(`${process.stderr.isTTY ? '\r\x1b[2K' : ''}${t}\n`),
  columns: terminalColumns(),
  drain: () =>
    new Promise<void>((resolve) => {
      if (!process.stdout.writableNeedDrain) return resolve();
      // A reader that went away (EPIPE) ends the wait too: nothing more will be drained.
      const done = () => {
        for (const event of ['drain', 'close', 'error']) process.stdout.off(event, done);
        resolve();
      };
      for (const event of ['drain', 'close', 'error']) process.stdout.on(event, done);
    }),
  progress: process.stderr.isTTY ? (line) => process.stderr.write(`\r\x1b[2K${line}`) : undefined,
  ask:
    process.stdin.isTTY && process.stderr.isTTY
      ? async (question) => {
          const { createInterface } = await import('node:readline/promises');
          const rl = createInterface({ input: process.stdin, output: process.stderr });
          try {
            return await rl.question(question);
          } catch {
            // Ctrl-D or Ctrl-C at the prompt (readline aborts the question): no answer, so nothing is released.
            process.stderr.write('\n');
            return '';
          } finally {
            rl.close();
          }
        }
      : undefined,
};

/** What a command is told by the CLI's signal handling: stop reading, and abandon the calls in flight. */
export type Signals = { readonly signal: AbortSignal; readonly callSignal: AbortSignal };

/** Exit code of `--detailed-exitcode` when stale locks were found and nothing failed (terraform plan's idea). */
export const STALE_FOUND = 3;

/** The policy from `--policy` (JSON), else the default one; `--dry-run` turns it to mode report. */
export function loadPolicy(file: string | undefined, dryRun: boolean | undefined): Policy {
  let policy = parsePolicy({});
  if (file) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read the policy file "${file}": ${(e as Error).message}`);
    }
    policy = parsePolicyJson(text, `the policy file "${file}"`);
  }
  return dryRun ? { ...policy, mode: 'report' } : policy;
}

/** The AWS flags, checked: a malformed `--endpoint` is bad usage (exit 2), not a failed table. */
export function awsFlags(flags: Flags, command: CommandName): AwsFlags {
  const { endpoint } = flags;
  if (endpoint !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(endpoint);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol))
      throw usageError(
        `--endpoint ${JSON.stringify(endpoint)} is not an http(s) URL such as http://localhost:8000`,
        command,
      );
  }
  return { region: flags.region, endpoint, profile: flags.profile };
}

/** What list and sweep share: the stores of the regions, with the progress line when there is one. */
export async function runOptions(
  flags: Flags,
  command: CommandName,
  policy: Policy,
  io: Io,
  signals: Signals,
): Promise<{ options: SweepOptions; done: () => void; setup: Partial<SweepSetup> & { warnings: string[] } }> {
  const aws = awsFlags(flags, command);
  const regions = await resolveRegions(aws, policy.regions);
  const wired = cliWiring(aws);
  // Refusals come before any place is read: the state table, the topic, and where deletions are recorded.
  const setup =
    command === 'sweep'
      ? await prepareSweep(flags, policy, regions[0], wired.dynamo(regions[0]), aws)
      : { state: new MemoryStateStore({ singleRun: true }), warnings: [] };
  const base: SweepOptions = {
    policy,
    regions,
    // The lockfile stores always (a double lock's lockfile half, the run's own intents), built on first use.
    ...wired.sweepStores(policy, 'always'),
    state: setup.state,
    notifier: setup.notifier,
    now: new Date(),
    runId: randomUUID(),
    // Every AWS call carries the call signal already (process-wide: bin/cli.ts `interruptible`).
    signal: signals.signal,
    // Checked by the parser (a whole number in the policy's range): it overrides the policy's `concurrency`.
    ...(flags.concurrency !== undefined && { concurrency: Number(flags.concurrency) }),
  };
  return { ...withProgress(base, flags.quiet ? undefined : io.progress), setup };
}

/** The exit code of a list or sweep: 1 on any error, else 3 for stale locks under `--detailed-exitcode`, else 0. */
function exitCode(report: RunReport, flags: Flags): number {
  if (hasErrors(report)) return 1;
  return flags['detailed-exitcode'] && report.counts.stale > 0 ? STALE_FOUND : 0;
}

export async function runSweep(flags: Flags, io: Io, signals: Signals): Promise<number> {
  const searched = withBuckets(loadPolicy(flags.policy, flags['dry-run']), flags.bucket);
  const { options, done, setup } = await runOptions(flags, 'sweep', searched.policy, io, signals);
  // JSON and TSV are written as the locks are decided; the table needs every line for its columns' widths.
  const format = flags.output === 'json' || flags.output === 'tsv' ? flags.output : undefined;
  const streamed = format && reportStream(format, io, options);
  const swept = await sweep(streamed ? { ...options, lines: { stream: streamed.locks } } : options).finally(
    done,
  );
  const report = { ...swept, warnings: [...swept.warnings, ...setup.warnings, ...searched.warnings] };
  const audit = setup.auditFile && { path: setup.auditFile.file, appended: setup.auditFile.appended };
  if (streamed) await streamed.end(audit ? { ...report, auditFile: audit } : report);
  else {
    for (const line of reportLines(report, io.columns)) io.out(line);
    if (audit)
      io.out(`Audit file: ${printable(audit.path)} (${audit.appended} records appended by this run)`);
  }
  return exitCode(report, flags);
}

export async function runList(flags: Flags, io: Io, signals: Signals): Promise<number> {
  // Read-only whatever the file says; the policy only tells which tables and buckets to look in.
  const searched = withBuckets({ ...loadPolicy(flags.policy, true), mode: 'report' }, flags.bucket);
  const { options, done } = await runOptions(flags, 'list', searched.policy, io, signals);
  // JSON and TSV are written as the locks are found; the table needs every line for its columns' widths.
  const format = flags.output === 'json' || flags.output === 'tsv' ? flags.output : undefined;
  const streamed = format && reportStream(format, io, options, 'list');
  const swept = await sweep(streamed ? { ...options, lines: { stream: streamed.locks } } : options).finally(
    done,
  );
  const report = { ...swept, warnings: [...swept.warnings, ...searched.warnings] };
  if (streamed) await streamed.end(report);
  else for (const line of listLines(report, io.columns)) io.out(line);
  return exitCode(report, flags);
}
