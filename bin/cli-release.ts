// CLI: `release ID`: finds the lock holding the ID (or takes the place named), shows it, asks, and releases it safely.
import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { UsageError } from '../lambda/core/errors';
import { printable } from '../lambda/core/message/format';
import { commandOrWhy, shellCommand, shellFlag } from '../lambda/core/message/shell';
import { type Policy, parsePolicy } from '../lambda/core/policy';
import { type ReleaseResult, type ReleaseTarget, release } from '../lambda/run/release';
import { usageError } from './args';
import { AuditFileStateStore, defaultAuditFile } from './cli-audit';
import {
  type AwsFlags,
  cliWiring,
  dynamoClientFactory,
  lockfileStoreFactory,
  resolveRegions,
} from './cli-context';
import { checkStateTable } from './cli-preflight';
import { awsFlags, type Io, loadPolicy, type Signals } from './cli-run';
import { notifierFor, stateStoreFor } from './cli-state';
import type { Flags } from './commands';
import { fitLine } from './format';
import { lockfilePartner, type Partner } from './release-partner';
import { bucketOf, search } from './release-search';

/** A lock ID as Terraform makes it (a UUID): what `--state-path` (formerly `--lock-id`) is mistaken for. */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Runs `release`: exit 0 when released, 1 when not (with the reason), 2 on bad usage or a refusal to ask. */
export async function runRelease(
  flags: Flags,
  args: readonly string[],
  io: Io,
  signals: Signals,
): Promise<number> {
  const id = lockIdOf(flags, args);
  if (flags.output === 'tsv')
    throw usageError('release prints one result, not a table: --output takes table or json here', 'release');
  const aws = awsFlags(flags, 'release');
  const { table, key } = flags;
  const bucket = bucketOf(flags);
  const statePath = flags['state-path'];
  if (statePath !== undefined && table === undefined)
    throw usageError('--state-path needs --table (the lock table holding it)', 'release');
  if (key !== undefined && bucket === undefined)
    throw usageError('--key needs --bucket (the state bucket holding it)', 'release');
  let policy = releasePolicy(flags);
  const regions = await resolveRegions(aws, policy.regions);
  // Refused before any place is read: a state table that is missing or is not one.
  const stateTable = flags['state-table'];
  if (stateTable !== undefined)
    for (const region of regions) await checkStateTable(dynamoClientFactory(aws)(region), region, stateTable);
  const named =
    (table !== undefined && statePath !== undefined) || (bucket !== undefined && key !== undefined);
  let target: ReleaseTarget;
  if (named) {
    if (regions.length > 1)
      throw usageError(
        `the lock is in one region: pass --region once (got ${regions.join(', ')})`,
        'release',
      );
    target = { region: regions[0], id, table, lockId: statePath, bucket, key };
    if (!flags.yes)
      for (const line of fitLine(`Lock ID ${printable(id)} at ${placeOf(target)}.`, io.columns)) io.err(line);
  } else {
    const found = await search(id, policy, regions, aws, flags, io, signals);
    if (typeof found === 'number') return found;
    target = found;
  }
  if (signals.signal.aborted) return 1;
  // A lock item whose lockfile half was not read (a double lock): released together, or the gap said plainly.
  if (target.table !== undefined && target.lockId !== undefined && target.bucket === undefined) {
    const partner = await lockfilePartner(target.lockId, id, () => lockfileStoreFactory(aws)(target.region));
    const withPartner = pairedTarget(target, partner, policy, flags, io);
    target = withPartner.target;
    policy = withPartner.policy;
  }
  if (!flags.yes) {
    if (!io.ask)
      throw usageError(
        'not released: release asks before it deletes, and stdin is not a terminal; pass --yes to release without asking',
        'release',
      );
    const answer = await io.ask("Release it? Only 'yes' is accepted: ");
    if (answer.trim() !== 'yes') {
      io.err('Not released.');
      return 1;
    }
  }
  return releaseTarget(target, policy, aws, flags, io);
}

/**
 * The target with its lockfile half added when one holds the same ID (and the policy, when none was given, widened
 * to that bucket, as it names the places given); otherwise as it was, with a line saying what stays unknown.
 */
function pairedTarget(
  target: ReleaseTarget,
  partner: Partner,
  policy: Policy,
  flags: Flags,
  io: Io,
): { target: ReleaseTarget; policy: Policy } {
  const say = (text: string) => {
    for (const line of fitLine(text, io.columns)) io.err(line);
  };
  if (partner.kind === 'none') return { target, policy };
  const where = `s3://${printable(partner.bucket)}/${printable(partner.key)}`;
  const separately = shellCommand([
    'tf-lock-janitor release',
    shellFlag('bucket', partner.bucket, 'the bucket'),
    shellFlag('key', partner.key, 'the key'),
    shellFlag('region', target.region, 'the region'),
    shellFlag('id', target.id, 'the lock ID'),
  ]);
  const then = `if Terraform still reports the lock after this release, release that lockfile too: ${commandOrWhy(separately)}`;
  if (partner.kind === 'unknown') {
    say(
      `tf-lock-janitor: its lockfile half ${where} could not be checked (${printable(partner.why)}); ${then}`,
    );
    return { target, policy };
  }
  if (flags.policy && !policy.buckets.include.some((g) => g.test(partner.bucket))) {
    say(
      `tf-lock-janitor: its lockfile half ${where} is outside the policy's buckets: only the table item is released; ${then}`,
    );
    return { target, policy };
  }
  say(`  and its lockfile half ${where} (a double lock): both are released`);
  return {
    target: { ...target, bucket: partner.bucket, key: partner.key },
    policy: flags.policy ? policy : releasePolicy(flags, partner.bucket),
  };
}

/** The lock ID: the argument, or `--id` (its old name); both must agree. */
function lockIdOf(flags: Flags, args: readonly string[]): string {
  const [arg, extra] = args;
  if (extra !== undefined)
    throw usageError(`release takes one lock ID, but got ${JSON.stringify(extra)} too`, 'release');
  if (arg !== undefined && flags.id !== undefined && arg !== flags.id)
    throw usageError(
      `the argument ${JSON.stringify(arg)} and --id ${JSON.stringify(flags.id)} differ: give the ID once`,
      'release',
    );
  const id = arg ?? flags.id;
  if (!id)
    throw usageError(
      'release needs the lock ID: tf-lock-janitor release ID (the LOCK ID column of list)',
      'release',
    );
  return id;
}

/**
 * The policy a release stays inside: the `--policy` file; without one, a policy that names exactly the places
 * given (`--table`, `--bucket`), else every table of the regions and no bucket.
 */
function releasePolicy(flags: Flags, found?: string): Policy {
  if (flags.policy) return loadPolicy(flags.policy, false);
  const bucket = bucketOf(flags) ?? found;
  return parsePolicy({
    tables: { include: [flags.table ?? '*'] },
    buckets: { include: bucket ? [bucket] : [] },
  });
}

function placeOf(t: ReleaseTarget): string {
  const item =
    t.table !== undefined ? `table ${printable(t.table)} item ${printable(t.lockId ?? '')}` : undefined;
  const file = t.bucket !== undefined ? `s3://${printable(t.bucket)}/${printable(t.key ?? '')}` : undefined;
  return `${[item, file].filter(Boolean).join(' and ')} (${printable(t.region)})`;
}

/** Releases the target the safe way (fresh read, ID match, conditional delete, audit) and prints the result. */
async function releaseTarget(
  target: ReleaseTarget,
  policy: Policy,
  aws: AwsFlags,
  flags: Flags,
  io: Io,
): Promise<number> {
  const wired = cliWiring(aws);
  const { region } = target;
  // Without a state table every release is appended to a local audit file (--audit-file, else the default one).
  const auditFile =
    flags['state-table'] === undefined
      ? new AuditFileStateStore(flags['audit-file'] ?? defaultAuditFile())
      : undefined;
  const result = await release(target, {
    policy,
    regions: policy.regions ?? [region],
    store: wired.lockStores(region),
    lockfiles: target.bucket !== undefined ? wired.lockfileStores(region) : undefined,
    state: auditFile ?? stateStoreFor(wired.dynamo(region), flags['state-table'] as string),
    notifier: flags['topic-arn'] ? notifierFor(flags['topic-arn'], aws) : undefined,
    now: new Date(),
    runId: randomUUID(),
    requestedBy: `OS user ${JSON.stringify(userInfo().username)} with the CLI`,
  });
  // A table that is missing or not a lock table is a usage mistake (exit 2), told plainly, not a stack trace.
  if (result.outcome === 'no-lock-table') throw new UsageError(withHint(result, target).message);
  const shown = withHint(result, target);
  const audit = auditFile?.appended ? { path: auditFile.file, appended: auditFile.appended } : undefined;
  if (flags.output === 'json')
    io.out(JSON.stringify(audit ? { ...shown, auditFile: audit } : shown, null, 2));
  else {
    for (const line of fitLine(printable(shown.message), io.columns)) io.out(line);
    if (audit)
      for (const line of fitLine(
        `Audit file: ${printable(audit.path)} (${audit.appended} ${audit.appended === 1 ? 'record' : 'records'} appended)`,
        io.columns,
      ))
        io.out(line);
  }
  for (const failure of result.failures)
    for (const line of fitLine(`tf-lock-janitor: ${printable(failure.message)}`, io.columns)) io.err(line);
  return result.outcome === 'released' && result.failures.length === 0 ? 0 : 1;
}

/** A refusal with the CLI's way out added where the flags were likely mixed up (a lock ID as the state path). */
function withHint(result: ReleaseResult, target: ReleaseTarget): ReleaseResult {
  if (
    (result.outcome === 'not-found' || result.outcome === 'no-lock-table') &&
    UUID.test(target.lockId ?? '')
  )
    return {
      ...result,
      message:
        `${result.message}. "${target.lockId}" looks like a lock ID, but --state-path (formerly --lock-id) takes ` +
        'the STATE PATH; give the lock ID as the argument: tf-lock-janitor release ID',
    };
  return result;
}
