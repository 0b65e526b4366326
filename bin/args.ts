// CLI: reads the command line against the command table; every mistake becomes one line naming it and the help to read.
import { UsageError } from '../lambda/core/errors';
import {
  COMMANDS,
  type CommandName,
  FLAGS,
  type FlagName,
  type FlagSpec,
  type Flags,
  flagsOf,
  isCommand,
} from './commands';

/** What the command line asks for: a command (or none), its flags and its arguments. */
export type CommandLine = {
  readonly command?: CommandName;
  readonly flags: Flags;
  readonly args: readonly string[];
};

/** Where to read more, added to every usage error. */
export function helpPointer(command?: CommandName): string {
  return command ? `see 'tf-lock-janitor ${command} --help'` : "see 'tf-lock-janitor --help'";
}

/** A usage error on one line: the problem, then where the help is. */
export function usageError(problem: string, command?: CommandName): UsageError {
  return new UsageError(`${problem}; ${helpPointer(command)}`);
}

const SHORT = new Map<string, FlagName>(
  (Object.keys(FLAGS) as FlagName[]).flatMap((name) => {
    const short = (FLAGS[name] as FlagSpec).short;
    return short ? [[short, name] as const] : [];
  }),
);

type Token = { readonly name: FlagName; readonly value?: string; readonly as: string };

/**
 * Parses `argv`: the first word that is not a flag or a flag's value is the command; flags may come before or
 * after it, as `--name value` or `--name=value`; `--` ends the flags. Unknown flags, flags the command does not
 * take, missing or unexpected values, a flag given twice, a value outside its choices and extra arguments are
 * usage errors (exit 2), each one line. `--help` and `--version` are accepted anywhere.
 */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const tokens: Token[] = [];
  const words: string[] = [];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      words.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const written = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    const name = written.startsWith('--') ? written.slice(2) : SHORT.get(written.slice(1));
    if (name === undefined || !Object.hasOwn(FLAGS, name)) {
      problems.push(`unknown flag ${JSON.stringify(written)}`);
      continue;
    }
    const flag = name as FlagName;
    const spec: FlagSpec = FLAGS[flag];
    const inline = eq > 0 && arg.startsWith('--') ? arg.slice(eq + 1) : undefined;
    if (spec.type === 'boolean') {
      if (inline !== undefined) problems.push(`${written} takes no value`);
      tokens.push({ name: flag, as: written });
      continue;
    }
    if (inline !== undefined) {
      tokens.push({ name: flag, value: inline, as: written });
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined || next.startsWith('--')) {
      problems.push(
        `${written} needs a value (${spec.value ?? 'VALUE'})` +
          (next === undefined ? '' : `; for one starting with "-", write ${written}=VALUE`),
      );
      continue;
    }
    tokens.push({ name: flag, value: next, as: written });
    i++;
  }
  const [first, ...args] = words;
  if (first !== undefined && !isCommand(first) && first !== 'help')
    throw usageError(`unknown command ${JSON.stringify(first)}`);
  if (first === 'help') {
    const [topic] = args;
    if (topic !== undefined && !isCommand(topic))
      throw usageError(`unknown command ${JSON.stringify(topic)}`);
    return { command: topic as CommandName | undefined, flags: { help: true }, args: [] };
  }
  const command = first as CommandName | undefined;
  if (problems.length) throw usageError(problems[0], command);
  return { command, flags: collect(tokens, command), args };
}

/** The flags by name, aliases folded into the flag they stand for; checked against what `command` takes. */
function collect(tokens: readonly Token[], command: CommandName | undefined): Flags {
  const takes = new Set<FlagName>(command ? flagsOf(command).map((f) => f.name) : []);
  const flags: Record<string, string | boolean | string[]> = {};
  const givenAs = new Map<string, string>();
  for (const token of tokens) {
    const spec: FlagSpec = FLAGS[token.name];
    if (command !== undefined && !takes.has(token.name))
      throw usageError(`${command} does not take ${token.as}${whereItApplies(token.name)}`, command);
    const name = (spec.means?.flag ?? token.name) as FlagName;
    const target: FlagSpec = FLAGS[name];
    const value = spec.type === 'boolean' ? (spec.means?.value ?? true) : (token.value as string);
    if (target.choices && typeof value === 'string' && !target.choices.includes(value))
      throw usageError(
        `${token.as} ${JSON.stringify(value)} is not one of ${target.choices.join(', ')}`,
        command,
      );
    if (target.whole && typeof value === 'string' && !isWhole(value, target.whole))
      throw usageError(
        `${token.as} ${JSON.stringify(value)} must be a whole number from ${target.whole.min} to ${target.whole.max}`,
        command,
      );
    if (target.multiple) {
      flags[name] = [...((flags[name] as string[] | undefined) ?? []), value as string];
      continue;
    }
    const before = givenAs.get(name);
    if (before !== undefined && flags[name] !== value)
      throw usageError(`${before} and ${token.as} say different things: give one`, command);
    givenAs.set(name, token.as);
    flags[name] = value;
  }
  return flags as Flags;
}

/** True when `value` is a whole number in digits, within the bounds. */
function isWhole(value: string, { min, max }: { readonly min: number; readonly max: number }): boolean {
  return /^\d{1,6}$/.test(value) && Number(value) >= min && Number(value) <= max;
}

/** `, which is a flag of release` when other commands take the flag. */
function whereItApplies(flag: FlagName): string {
  const owners = (Object.keys(COMMANDS) as CommandName[]).filter((c) =>
    flagsOf(c).some((f) => f.name === flag),
  );
  return owners.length ? ` (a flag of ${owners.join(', ')})` : '';
}
