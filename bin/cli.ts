// The command line: parses flags, wires the run and prints reports (list, sweep, release, demo).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { JanitorError, PolicyError, UsageError } from '../lambda/core/errors';
import { printable } from '../lambda/core/message/format';
import { type Policy, parsePolicy, parsePolicyJson } from '../lambda/core/policy';
import { hasErrors } from '../lambda/core/report';
import { release } from '../lambda/run/release';
import { sweep } from '../lambda/run/sweep';
import { dynamoClientFactory, lockStoreFactory, resolveRegions } from './cli-context';
import { notifierFor, stateStoreFor } from './cli-state';
import { lockListLines, renderSummary, renderTableError, reportLines } from './format';
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
        return await list(flags, io);
      case 'sweep':
        return await runSweep(flags, io);
      case 'release':
        return await runRelease(flags, io);
      case 'demo':
        // Loaded only for the demo: it brings an embedded DynamoDB (dynalite) that other commands never need.
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

async function runSweep(flags: Flags, io: Io): Promise<number> {
  const policy = loadPolicy(flags.policy, flags['dry-run']);
  const regions = resolveRegions(flags, policy.regions);
  const clients = dynamoClientFactory(flags);
  const report = await sweep({
    policy,
    regions,
    lockStores: lockStoreFactory(clients),
    state: flags['state-table']
      ? stateStoreFor(clients(regions[0]), flags['state-table'])
      : new MemoryStateStore(),
    notifier: flags['topic-arn'] ? notifierFor(flags['topic-arn']) : undefined,
    now: new Date(),
    runId: randomUUID(),
  });
  if (flags.json) io.out(JSON.stringify(report, null, 2));
  else for (const line of reportLines(report)) io.out(line);
  return hasErrors(report) ? 1 : 0;
}

async function list(flags: Flags, io: Io): Promise<number> {
  const policy: Policy = { ...parsePolicy({}), mode: 'report' };
  const report = await sweep({
    policy,
    regions: resolveRegions(flags),
    lockStores: lockStoreFactory(dynamoClientFactory(flags)),
    state: new MemoryStateStore(),
    now: new Date(),
    runId: randomUUID(),
  });
  if (flags.json) {
    const { tables, locks, unparseable, warnings, counts } = report;
    io.out(
      JSON.stringify(
        {
          tables,
          locks: locks.map(({ rule, decision, outcome, reason, notify, sightings, ...l }) => l),
          unparseable,
          warnings,
          errors: counts.errors,
        },
        null,
        2,
      ),
    );
  } else {
    for (const line of lockListLines(report.locks)) io.out(line);
    for (const t of report.tables.filter((t) => t.error)) io.err(renderTableError(t));
    io.out(renderSummary(report));
  }
  return hasErrors(report) ? 1 : 0;
}

async function runRelease(flags: Flags, io: Io): Promise<number> {
  const { table, id } = flags;
  const lockId = flags['lock-id'];
  if (!table || !lockId || !id) throw new UsageError(`release needs --table, --lock-id and --id\n\n${USAGE}`);
  const [region, ...more] = resolveRegions(flags);
  if (more.length) throw new UsageError('release works on one region: pass --region once');
  const clients = dynamoClientFactory(flags);
  const result = await release(
    { region, table, lockId, id },
    {
      store: lockStoreFactory(clients)(region),
      state: flags['state-table'] ? stateStoreFor(clients(region), flags['state-table']) : undefined,
      notifier: flags['topic-arn'] ? notifierFor(flags['topic-arn']) : undefined,
      now: new Date(),
      runId: randomUUID(),
      requestedBy: process.env.USER,
    },
  );
  io.out(flags.json ? JSON.stringify(result, null, 2) : printable(result.message));
  for (const failure of result.failures) io.err(`tf-lock-janitor: ${printable(failure.message)}`);
  return result.outcome === 'released' && result.failures.length === 0 ? 0 : 1;
}
