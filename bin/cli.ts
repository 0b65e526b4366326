// The command line: parses flags, wires the run and prints reports (list, sweep, release, demo; doctor, test-alert).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { JanitorError, PolicyError, UsageError } from '../lambda/core/errors';
import { printable } from '../lambda/core/message/format';
import { type Policy, parsePolicy, parsePolicyJson } from '../lambda/core/policy';
import { hasErrors } from '../lambda/core/report';
import { release } from '../lambda/run/release';
import { sweep } from '../lambda/run/sweep';
import {
  dynamoClientFactory,
  hostCheckFor,
  lockfileStoreFactory,
  lockStoreFactory,
  resolveRegions,
} from './cli-context';
import { notifierFor, stateStoreFor } from './cli-state';
import { assertDynalite } from './demo/dynalite-check';
import { listLines, reportLines } from './format';
import { USAGE, VERSION } from './usage';

export { USAGE, VERSION };

const OPTIONS = {
  region: { type: 'string', multiple: true },
  endpoint: { type: 'string' },
  json: { type: 'boolean' },
  policy: { type: 'string' },
  'dry-run': { type: 'boolean' },
  'state-table': { type: 'string' },
  'topic-arn': { type: 'string' },
  table: { type: 'string' },
  'lock-id': { type: 'string' },
  bucket: { type: 'string' },
  key: { type: 'string' },
  id: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
} as const;

type Flags = ReturnType<typeof parseFlags>['values'];
type Io = { out: (text: string) => void; err: (text: string) => void };
const stdio: Io = { out: (t) => process.stdout.write(`${t}\n`), err: (t) => process.stderr.write(`${t}\n`) };

function parseFlags(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${(e as Error).message}\n\n${USAGE}`);
  }
}

/** Runs the CLI; resolves to the exit code. */
export async function main(argv: string[], io: Io = stdio): Promise<number> {
  try {
    // doctor and test-alert have their own flags and SDK clients, loaded only for them.
    if (argv[0] === 'doctor' || argv[0] === 'test-alert')
      return await (require('./doctor/command') as typeof import('./doctor/command')).runDoctorCommand(
        argv[0],
        argv.slice(1),
        io,
      );
    const { values: flags, positionals } = parseFlags(argv);
    const [command, ...extra] = positionals;
    if (flags.version) {
      io.out(VERSION);
      return 0;
    }
    if (flags.help || command === 'help') {
      io.out(USAGE);
      return 0;
    }
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"\n\n${USAGE}`);
    switch (command) {
      case 'list':
        return await interruptible(io, (signals) => list(flags, io, signals));
      case 'sweep':
        return await interruptible(io, (signals) => runSweep(flags, io, signals));
      case 'release':
        return await interruptible(io, (signals) => runRelease(flags, io, signals));
      case 'demo':
        // Loaded only for the demo: it brings an embedded DynamoDB (dynalite) that other commands never need, and
        // that the installed package leaves out.
        assertDynalite();
        return await (require('./demo/demo') as typeof import('./demo/demo')).runDemo(io.out);
      default:
        throw new UsageError(`${command ? `unknown command "${command}"` : 'no command given'}\n\n${USAGE}`);
    }
  } catch (e) {
    const known = e instanceof JanitorError;
    io.err(`tf-lock-janitor: ${known ? e.message : ((e as Error).stack ?? String(e))}`);
    return e instanceof UsageError || e instanceof PolicyError ? 2 : 1;
  }
}

function loadPolicy(file: string | undefined, dryRun: boolean | undefined): Policy {
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

/** Exit codes of a run stopped by a signal (128 + the signal's number), after its partial report. */
const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;

/** What a command run under {@link interruptible} is told: stop reading, and abandon the calls in flight. */
type Signals = { readonly signal: AbortSignal; readonly callSignal: AbortSignal };

/** Time the calls in flight get after the first signal to finish (a delete and its audit record) before they are abandoned. */
export const ABANDON_AFTER_MS = 1_000;

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
  try {
    const code = await run({ signal: stop.signal, callSignal: abandon.signal });
    return received ? SIGNAL_EXIT[received] : code;
  } finally {
    clearTimeout(timer);
    for (const off of handlers) off();
  }
}

async function runSweep(flags: Flags, io: Io, signals: Signals): Promise<number> {
  const policy = loadPolicy(flags.policy, flags['dry-run']);
  const regions = resolveRegions(flags, policy.regions);
  const clients = dynamoClientFactory(flags);
  const report = await sweep({
    policy,
    regions,
    lockStores: lockStoreFactory(clients),
    lockfileStores: lockfileStoreFactory(flags),
    holders: hostCheckFor(flags, policy),
    state: flags['state-table']
      ? stateStoreFor(clients(regions[0]), flags['state-table'])
      : new MemoryStateStore({ singleRun: true }),
    notifier: flags['topic-arn'] ? notifierFor(flags['topic-arn']) : undefined,
    now: new Date(),
    runId: randomUUID(),
    ...signals,
  });
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of reportLines(report)) io.out(line);
  return hasErrors(report) ? 1 : 0;
}

async function list(flags: Flags, io: Io, signals: Signals): Promise<number> {
  // Read-only whatever the file says; the policy only tells which tables and buckets to look in.
  const policy: Policy = { ...loadPolicy(flags.policy, true), mode: 'report' };
  const report = await sweep({
    policy,
    regions: resolveRegions(flags, policy.regions),
    lockStores: lockStoreFactory(dynamoClientFactory(flags)),
    lockfileStores: lockfileStoreFactory(flags),
    holders: hostCheckFor(flags, policy),
    state: new MemoryStateStore({ singleRun: true }),
    now: new Date(),
    runId: randomUUID(),
    ...signals,
  });
  if (flags.json) {
    const { tables, buckets, locks, unparseable, warnings, couldNotRead, counts } = report;
    io.out(
      JSON.stringify(
        {
          tables,
          buckets,
          locks: locks.map(({ rule, decision, outcome, reason, notify, sightings, ...l }) => l),
          unparseable,
          warnings,
          couldNotRead,
          errors: counts.errors,
        },
        null,
        2,
      ),
    );
  } else {
    for (const line of listLines(report)) io.out(line);
  }
  return hasErrors(report) ? 1 : 0;
}

async function runRelease(flags: Flags, io: Io, { callSignal }: Signals): Promise<number> {
  const { table, id, bucket, key } = flags;
  const lockId = flags['lock-id'];
  const item = table !== undefined || lockId !== undefined;
  const lockfile = bucket !== undefined || key !== undefined;
  if (!id || (!item && !lockfile) || (item && (!table || !lockId)) || (lockfile && (!bucket || !key)))
    throw new UsageError(
      `release needs --id and the lock: --table and --lock-id, --bucket and --key (a .tflock key), or both\n\n${USAGE}`,
    );
  const policy = loadPolicy(flags.policy, false);
  const [region, ...more] = resolveRegions(flags);
  if (more.length) throw new UsageError('release works on one region: pass --region once');
  const clients = dynamoClientFactory(flags);
  const result = await release(
    { region, id, table, lockId, bucket, key },
    {
      policy,
      regions: policy.regions ?? [region],
      store: lockStoreFactory(clients)(region),
      lockfiles: lockfile ? lockfileStoreFactory(flags)(region) : undefined,
      state: flags['state-table'] ? stateStoreFor(clients(region), flags['state-table']) : undefined,
      notifier: flags['topic-arn'] ? notifierFor(flags['topic-arn']) : undefined,
      now: new Date(),
      runId: randomUUID(),
      requestedBy: `OS user ${JSON.stringify(userInfo().username)} with the CLI`,
      callSignal,
    },
  );
  // A table that is missing or not a lock table is a usage mistake (exit 2), told plainly, not a stack trace.
  if (result.outcome === 'no-lock-table') throw new UsageError(result.message);
  io.out(flags.json ? JSON.stringify(result, null, 2) : printable(result.message));
  for (const failure of result.failures) io.err(`tf-lock-janitor: ${printable(failure.message)}`);
  return result.outcome === 'released' && result.failures.length === 0 ? 0 : 1;
}
