// CLI: the commands and their flags as data; the parser, each command's --help and the usage text all read this table.
import { CONCURRENCY } from '../lambda/core/concurrency';
import { DEFAULT_CONCURRENCY } from '../lambda/run/region-pools';

/** One flag: its kind, its placeholder and help in `--help`, and what it stands for when it is another name. */
export type FlagSpec = {
  readonly type: 'string' | 'boolean';
  /** Repeatable (`--region a --region b`). */
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in help (`FILE`). */
  readonly value?: string;
  /** The values accepted, when they are few. */
  readonly choices?: readonly string[];
  /** A whole number within these bounds (written in digits), when the value is a count. */
  readonly whole?: { readonly min: number; readonly max: number };
  readonly help: string;
  /** Another name kept for compatibility (or a shorthand): sets this flag instead, to `value` when given. */
  readonly means?: { readonly flag: string; readonly value?: string };
};

/**
 * Every flag the CLI knows. A command takes only those it lists (others are refused, exit 2); adding a flag is one
 * entry here and its name in the commands that take it.
 */
export const FLAGS = {
  region: {
    type: 'string',
    multiple: true,
    value: 'REGION',
    help: "AWS region; repeat for several (default: the policy's regions, else the profile's region or AWS_REGION)",
  },
  profile: {
    type: 'string',
    value: 'NAME',
    help: 'named profile of ~/.aws/config for credentials and region (default: AWS_PROFILE)',
  },
  endpoint: {
    type: 'string',
    value: 'URL',
    help: 'send every DynamoDB and S3 call to this compatible server (S3 path-style); also AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_S3',
  },
  output: {
    type: 'string',
    value: 'FORMAT',
    choices: ['table', 'json', 'tsv'],
    help: 'table (default: fitted to the terminal), json, or tsv (one line per lock, full values)',
  },
  json: { type: 'boolean', help: 'same as --output json', means: { flag: 'output', value: 'json' } },
  quiet: {
    type: 'boolean',
    short: 'q',
    help: 'no progress line on stderr (there is none when stderr is not a terminal)',
  },
  policy: { type: 'string', value: 'FILE', help: 'the policy (JSON), as the deployed janitor gets it' },
  'dry-run': {
    type: 'boolean',
    help: 'mode report whatever the policy says: judge and print, tell nobody, delete nothing',
  },
  'state-table': {
    type: 'string',
    value: 'NAME',
    help: "the janitor's state table: sightings across runs and the audit trail",
  },
  'topic-arn': {
    type: 'string',
    value: 'ARN',
    help: 'publish the news to this SNS topic, as the Lambda does',
  },
  'detailed-exitcode': {
    type: 'boolean',
    help: 'exit 3 when stale locks were found, 0 when none (1 and 2 as always), like terraform plan',
  },
  table: { type: 'string', value: 'TABLE', help: 'the lock table holding it' },
  'state-path': { type: 'string', value: 'PATH', help: 'its state path, as the STATE PATH column shows it' },
  'lock-id': {
    type: 'string',
    value: 'PATH',
    help: 'old name of --state-path (the LockID attribute, not the lock ID)',
    means: { flag: 'state-path' },
  },
  bucket: {
    type: 'string',
    multiple: true,
    value: 'BUCKET',
    help: "state buckets whose .tflock lockfiles are searched (a glob; repeat for several), in place of the policy's",
  },
  concurrency: {
    type: 'string',
    value: 'N',
    whole: CONCURRENCY,
    help: `places read at once in each region (lock tables, and as many buckets), ${CONCURRENCY.min} to ${CONCURRENCY.max} (default: the policy's concurrency, else ${DEFAULT_CONCURRENCY})`,
  },
  'audit-file': {
    type: 'string',
    value: 'FILE',
    help: 'without --state-table: append each deletion (intent, then audit record, full Info) to this local file',
  },
  key: { type: 'string', value: 'KEY', help: 'its lockfile: the object key in --bucket, ending in .tflock' },
  id: {
    type: 'string',
    value: 'ID',
    help: 'the lock ID as a flag (same as the argument; --id=ID is safe for an ID starting with -)',
  },
  yes: { type: 'boolean', short: 'y', help: 'release without asking (needed when stdin is not a terminal)' },
  function: {
    type: 'string',
    value: 'NAME',
    help: "the janitor's Lambda function (the stack output FunctionName; default name tf-lock-janitor)",
  },
  stack: {
    type: 'string',
    value: 'NAME',
    help: "a CloudFormation stack holding one janitor (its function is found among the stack's)",
  },
  help: { type: 'boolean', short: 'h', help: 'print this help' },
  version: { type: 'boolean', help: 'print the version' },
} as const satisfies Record<string, FlagSpec>;

export type FlagName = keyof typeof FLAGS;

type ValueOf<S> = S extends { type: 'boolean' } ? boolean : S extends { multiple: true } ? string[] : string;

/** The parsed flags of a command, each under its own name (aliases already folded in). */
export type Flags = { -readonly [K in FlagName]?: ValueOf<(typeof FLAGS)[K]> };

/** A flag a command takes, with its own help when the shared one does not fit the command. */
type CommandFlag = FlagName | readonly [FlagName, string];

/** One command: its one-line summary, its arguments, what it does, and the flags it takes. */
export type CommandSpec = {
  readonly summary: string;
  /** Positional arguments, for the usage line (`[ID]`); none when absent. */
  readonly args?: string;
  readonly about: string;
  readonly flags: readonly CommandFlag[];
  /** The exit codes of this command, when they are not the sweep-like ones of list, sweep and release. */
  readonly exits?: string;
};

const AWS: readonly FlagName[] = ['region', 'profile', 'endpoint'];
const OUTPUT: readonly FlagName[] = ['output', 'json'];
/** doctor and test-alert: one deployed janitor in one region (endpoints from AWS_ENDPOINT_URL_<SERVICE>). */
const JANITOR: readonly CommandFlag[] = [
  'function',
  'stack',
  ['region', "the janitor's region, once (default: the profile's region, else AWS_REGION)"],
  'profile',
  ['output', 'table (default: the checklist) or json'],
  'json',
];

export const COMMANDS = {
  list: {
    summary: 'list every lock in the lock tables (and state buckets); read-only',
    about:
      'Lists every lock of every lock table of the regions (with --policy: only its tables and state buckets), ' +
      'with the lock ID that release and terraform force-unlock need. Nothing is changed.',
    flags: [
      ['policy', 'read only the tables and buckets of this policy (JSON); its mode is ignored'],
      'bucket',
      'detailed-exitcode',
      'concurrency',
      ...AWS,
      ...OUTPUT,
      'quiet',
    ],
  },
  sweep: {
    summary: 'judge every lock with a policy and act on it (report, alert or delete)',
    about:
      "Judges every lock as the deployed janitor does and carries out the policy's mode: report, alert or " +
      'delete. Without --policy: alert after 4h, never delete. Use --dry-run to see what it would do.',
    flags: [
      ['policy', 'the policy (JSON; default: alert after 4h, never delete)'],
      'dry-run',
      [
        'state-table',
        "the janitor's state table: sightings across runs and the audit trail (mode delete needs it or --audit-file)",
      ],
      'audit-file',
      'topic-arn',
      'bucket',
      'detailed-exitcode',
      'concurrency',
      ...AWS,
      ...OUTPUT,
      'quiet',
    ],
  },
  release: {
    summary: 'release one lock by its lock ID, safely (like terraform force-unlock)',
    args: 'ID',
    about:
      "Finds the lock holding ID (the LOCK ID column of list) in the policy's tables and buckets, or in the " +
      'places given, shows it and asks before releasing it; the delete is conditional on the lock being ' +
      'unchanged. Name the place with --table/--state-path or --bucket/--key to skip the search.',
    flags: [
      'yes',
      'table',
      'state-path',
      ['bucket', 'the state bucket holding its lockfile'],
      'key',
      ['policy', 'stay inside this policy (its regions, tables, buckets and opt-out tag)'],
      'state-table',
      'audit-file',
      'topic-arn',
      ...AWS,
      ['output', 'table (default: the result as text) or json; release prints no tsv'],
      'json',
      'quiet',
      'lock-id',
      'id',
    ],
  },
  demo: {
    summary: 'run the janitor against an embedded DynamoDB and S3 (no AWS account needed)',
    about:
      'Creates a lock table, a state bucket and Terraform locks on embedded engines and runs the janitor ' +
      "twice, 15 minutes apart, printing each run's table, e-mail and chat messages, then the audit trail.",
    flags: [],
    exits: 'Exit codes: 0 done; 1 the demo failed; 2 bad usage.',
  },
  doctor: {
    summary: 'check a deployed janitor end to end, read-only',
    about:
      'Checks a deployed janitor, read-only: its function and policy, schedule, last runs, alert subscriptions ' +
      "(pending confirmation), chat channel, the role's access to the policy's tables and buckets (IAM " +
      'simulation) and the dead-letter queue. One line per check: ok, FAIL (with the fix) or unknown (could not ' +
      'be checked). Exit 0 only when every check is ok, 1 otherwise. Name the janitor with --function or --stack.',
    flags: JANITOR,
    exits:
      'Exit codes: 0 every check ok; 1 a check failed or could not be made; 2 bad usage or configuration; ' +
      '130/143 interrupted by SIGINT/SIGTERM.',
  },
  'test-alert': {
    summary: 'ask a deployed janitor to send one labelled test notification',
    about:
      'Asks the janitor (lambda:InvokeFunction on it) to publish one labelled test notification to its e-mail ' +
      'and chat subscribers; in chat (when the janitor may release) its Release lock button names no real lock ' +
      'and is refused. Exit 0 when SNS accepted it, 1 otherwise. Name the janitor with --function or --stack.',
    flags: JANITOR,
    exits:
      'Exit codes: 0 SNS accepted the test notification; 1 it did not; 2 bad usage or configuration; ' +
      '130/143 interrupted by SIGINT/SIGTERM.',
  },
} as const satisfies Record<string, CommandSpec>;

export type CommandName = keyof typeof COMMANDS;

/** Flags every command takes. */
export const EVERYWHERE: readonly FlagName[] = ['help', 'version'];

/** The flags `command` takes, with the help each shows there. */
export function flagsOf(command: CommandName): { name: FlagName; help: string }[] {
  const own = (COMMANDS[command] as CommandSpec).flags.map((f) =>
    typeof f === 'string' ? { name: f, help: FLAGS[f].help as string } : { name: f[0], help: f[1] },
  );
  return [...own, ...EVERYWHERE.map((name) => ({ name, help: FLAGS[name].help as string }))];
}

export function isCommand(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}
