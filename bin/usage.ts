// CLI: the version, the usage text and each command's help, apart from the commands: help loads nothing else.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  COMMANDS,
  type CommandName,
  type CommandSpec,
  FLAGS,
  type FlagName,
  type FlagSpec,
  flagsOf,
} from './commands';
import { wrap } from './wrap';

/** This package's version, from its package.json: `../` from the sources, `../../` from `dist/bin`. */
export const VERSION: string = packageVersion();

function packageVersion(): string {
  for (const up of ['..', join('..', '..')]) {
    try {
      const pkg = JSON.parse(readFileSync(join(__dirname, up, 'package.json'), 'utf8')) as PackageJson;
      if (pkg.name === 'tf-lock-janitor' && pkg.version) return pkg.version;
    } catch {
      // Not this directory: try the next one up.
    }
  }
  return 'unknown';
}

type PackageJson = { name?: string; version?: string };

/** Help is wrapped to this width (a terminal's classic width). */
export const HELP_WIDTH = 80;
const FLAG_COLUMN = 24;

/** `--name VALUE, -s` as the help lists a flag. */
function flagLabel(name: FlagName): string {
  const spec: FlagSpec = FLAGS[name];
  const value = spec.value ? ` ${spec.value}` : '';
  return `--${name}${value}${spec.short ? `, -${spec.short}` : ''}`;
}

/** Two columns: a label, then its text wrapped beside it (below it when the label is too long). */
function columns(rows: readonly (readonly [string, string])[]): string[] {
  return rows.flatMap(([label, text]) => {
    const head = `  ${label}`;
    if (head.length + 2 > FLAG_COLUMN) return [head, ...wrap(text, HELP_WIDTH, FLAG_COLUMN)];
    const [firstLine, ...rest] = wrap(text, HELP_WIDTH, FLAG_COLUMN);
    return [head.padEnd(FLAG_COLUMN) + firstLine.trimStart(), ...rest];
  });
}

const EXIT_CODES =
  'Exit codes: 0 done; 1 finished with errors (or not released); 2 bad usage or configuration; ' +
  '3 stale locks found (with --detailed-exitcode); 130/143 interrupted by SIGINT/SIGTERM, after the partial report.';

const SIGNALS =
  'Ctrl-C (SIGINT) or SIGTERM: reading stops, calls in flight get 1 s and are then abandoned, the partial ' +
  'report is printed (a second signal exits at once).';

/** The help of one command: its usage line, what it does, its flags. */
export function commandHelp(command: CommandName): string {
  const spec: CommandSpec = COMMANDS[command];
  const args = spec.args ? ` ${spec.args}` : '';
  return [
    `Usage: tf-lock-janitor ${command} [flags]${args}`,
    '',
    ...wrap(spec.about, HELP_WIDTH),
    '',
    'Flags:',
    ...columns(flagsOf(command).map((f) => [flagLabel(f.name), f.help] as const)),
    '',
    ...wrap(spec.exits ?? EXIT_CODES, HELP_WIDTH),
  ].join('\n');
}

/** The global usage: the commands and where to find their flags. */
export const USAGE = [
  'Usage: tf-lock-janitor <command> [flags]',
  '',
  'Finds and safely releases stale Terraform/OpenTofu state locks (DynamoDB lock tables and S3 lockfiles).',
  '',
  'Commands:',
  ...columns((Object.keys(COMMANDS) as CommandName[]).map((c) => [c, COMMANDS[c].summary] as const)),
  '',
  "Run 'tf-lock-janitor <command> --help' for the flags of a command.",
  'Credentials and region come from the AWS SDK (AWS_PROFILE or --profile, AWS_REGION, ~/.aws/config).',
  '',
  ...wrap(SIGNALS, HELP_WIDTH),
  ...wrap(EXIT_CODES, HELP_WIDTH),
]
  .flatMap((line) => (line.length > HELP_WIDTH ? wrap(line, HELP_WIDTH) : [line]))
  .join('\n');
