// The command line: reads the command and its flags, runs it, and turns what happened into output and an exit code.
import { carrySignalProcessWide } from '../lambda/adapters/call-signal';
import { JanitorError, PolicyError, UsageError } from '../lambda/core/errors';
import { printable } from '../lambda/core/message/format';
import { parseCommandLine, usageError } from './args';
import { runRelease } from './cli-release';
import { type Io, runList, runSweep, type Signals, stdio } from './cli-run';
import type { CommandName, Flags } from './commands';
import { assertDynalite } from './demo/dynalite-check';
import { commandHelp, USAGE, VERSION } from './usage';

export type { Io };
export { USAGE, VERSION };

/** Exit codes of a run stopped by a signal (128 + the signal's number), after its partial report. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** Time the calls in flight get after the first signal to finish (a delete and its audit record) before they are abandoned. */
export const ABANDON_AFTER_MS = 1_000;

/** A command's work: its flags and arguments in, its exit code out. */
type Runner = (flags: Flags, args: readonly string[], io: Io, signals: Signals) => Promise<number>;

/** What each command runs; a new command is one entry here and one in the command table (bin/commands.ts). */
const RUNNERS: Record<CommandName, Runner> = {
  list: (flags, args, io, signals) => noArgs('list', args, () => runList(flags, io, signals)),
  sweep: (flags, args, io, signals) => noArgs('sweep', args, () => runSweep(flags, io, signals)),
  release: (flags, args, io, signals) => runRelease(flags, args, io, signals),
  // Loaded only for the demo: it brings an embedded DynamoDB (dynalite) that other commands never need, and that
  // the installed package leaves out.
  demo: (_flags, args, io) =>
    noArgs('demo', args, () => {
      assertDynalite();
      return (require('./demo/demo') as typeof import('./demo/demo')).runDemo(io.out, io.columns);
    }),
  // doctor and test-alert load their own SDK clients (bin/doctor), only for them.
  doctor: (flags, args, io, signals) => checkJanitor('doctor', flags, args, io, signals),
  'test-alert': (flags, args, io, signals) => checkJanitor('test-alert', flags, args, io, signals),
};

/**
 * doctor or test-alert. Their calls do not carry the call signal, so when it aborts (1 s after the first
 * SIGINT/SIGTERM) the command is given up there, with no verdict, instead of waiting out its calls' timeouts.
 */
async function checkJanitor(
  command: 'doctor' | 'test-alert',
  flags: Flags,
  args: readonly string[],
  io: Io,
  { callSignal }: Signals,
): Promise<number> {
  const want = await (require('./doctor/flags') as typeof import('./doctor/flags')).wantOf(
    command,
    flags,
    args,
  );
  const doctor = require('./doctor/command') as typeof import('./doctor/command');
  const givenUp = new Promise<number>((resolve) =>
    callSignal.addEventListener('abort', () => {
      io.err(`tf-lock-janitor: ${command} was interrupted before it finished: no verdict`);
      resolve(1);
    }),
  );
  return Promise.race([doctor.runDoctorCommand(command, want, io), givenUp]);
}

function noArgs(command: CommandName, args: readonly string[], run: () => Promise<number>): Promise<number> {
  if (args.length)
    throw usageError(`${command} takes no argument, but got ${JSON.stringify(args[0])}`, command);
  return run();
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  try {
    const { command, flags, args } = parseCommandLine(argv);
    if (flags.version) {
      io.out(VERSION);
      return 0;
    }
    if (flags.help) {
      io.out(command ? commandHelp(command) : USAGE);
      return 0;
    }
    if (!command) throw usageError('no command given');
    return await interruptible(io, (signals) => RUNNERS[command](flags, args, io, signals));
  } catch (e) {
    const known = e instanceof JanitorError;
    const text = known ? e.message : ((e as Error).stack ?? String(e));
    // A message may quote what was given (a glob, a policy value, a name an error echoes): each line printable.
    io.err(
      `tf-lock-janitor: ${text
        .split('\n')
        .map((line) => printable(line))
        .join('\n')}`,
    );
    return e instanceof UsageError || e instanceof PolicyError ? 2 : 1;
  }
}

/**
 * Runs a command so that SIGINT/SIGTERM stop it gracefully: reading stops at once, calls in flight get
 * {@link ABANDON_AFTER_MS} to finish and are then abandoned (every AWS call carries the call signal), the partial
 * report is printed, and the exit code says which signal came. A second signal exits at once.
 */
async function interruptible(io: Io, run: (signals: Signals) => Promise<number>): Promise<number> {
  const stop = new AbortController();
  const abandon = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let received: keyof typeof SIGNAL_EXIT | undefined;
  const handlers = (Object.keys(SIGNAL_EXIT) as (keyof typeof SIGNAL_EXIT)[]).map((name) => {
    const handler = () => {
      if (received) process.exit(SIGNAL_EXIT[name]);
      received = name;
      io.err(
        `tf-lock-janitor: ${name}: stopping; the partial report follows (send it again to exit at once)`,
      );
      stop.abort();
      timer = setTimeout(() => abandon.abort(), ABANDON_AFTER_MS);
    };
    process.on(name, handler);
    return () => process.off(name, handler);
  });
  // The CLI runs one command: its calls carry the call signal process-wide (no async context to pay for).
  const carried = carrySignalProcessWide(abandon.signal);
  try {
    const code = await run({ signal: stop.signal, callSignal: abandon.signal });
    return received ? SIGNAL_EXIT[received] : code;
  } finally {
    carried();
    clearTimeout(timer);
    for (const off of handlers) off();
  }
}
