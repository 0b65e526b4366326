// Core messages: shell quoting and the commands people are shown.
import type { LockReport } from '../report';
import { hiddenCharacter } from './format';

/** A value as one POSIX shell word, or why no shell can carry it faithfully. */
export type ShellWord =
  | { readonly ok: true; readonly word: string }
  | { readonly ok: false; readonly why: string };

/** A command safe to paste into any POSIX shell, or why none is shown. */
export type ShellCommand =
  | { readonly ok: true; readonly command: string }
  | { readonly ok: false; readonly why: string };

// No `-` first (a flag), no `=` first (zsh's `=cmd` expansion), no `~` (tilde expansion), no glob or quote character.
const PLAIN_WORD = /^[A-Za-z0-9_.,:@%+/][A-Za-z0-9_.,:@%+=/-]*$/;

/**
 * Quotes a value for any POSIX shell (bash, dash, zsh; any locale) so that it reaches the command byte for
 * byte: single quotes, each `'` written `'\''`. A value holding a hidden character (control, NUL, newline,
 * bidi override, line separator, ...) gets no word at all: a NUL cuts an argument in every shell, and the
 * others would make the pasted command differ from what a person reads. `name` says what the value is
 * ("the LockID") in the reason.
 */
export function shellQuote(value: string, name = 'the value'): ShellWord {
  const hidden = hiddenCharacter(value);
  if (hidden) return { ok: false, why: `${name} holds ${hidden}` };
  return { ok: true, word: `'${value.replaceAll("'", `'\\''`)}'` };
}

/** A value as a shell word: bare when it is plainly safe (IDs, regions, table names), quoted otherwise. */
export function shellWord(value: string, name = 'the value'): ShellWord {
  return PLAIN_WORD.test(value) ? { ok: true, word: value } : shellQuote(value, name);
}

/** `--flag=VALUE`: the value is glued to its flag, so a value starting with `-` is never taken as a flag. */
export function shellFlag(flag: string, value: string, name = `the ${flag} value`): ShellWord {
  const quoted = shellWord(value, name);
  return quoted.ok ? { ok: true, word: `--${flag}=${quoted.word}` } : quoted;
}

/**
 * A positional argument: after `--` when it starts with `-`, which Go's flag package (Terraform, OpenTofu)
 * and every getopt take as the end of the flags.
 */
export function shellArgument(value: string, name = 'the value'): ShellWord {
  const quoted = shellWord(value, name);
  if (!quoted.ok || !value.startsWith('-')) return quoted;
  return { ok: true, word: `-- ${quoted.word}` };
}

/** Joins literal words and quoted values into one command; the first value that cannot be shown says why. */
export function shellCommand(parts: readonly (string | ShellWord)[]): ShellCommand {
  const words: string[] = [];
  for (const part of parts) {
    if (typeof part === 'string') words.push(part);
    else if (part.ok) words.push(part.word);
    else return part;
  }
  return { ok: true, command: words.join(' ') };
}

/** Why no release through the janitor is offered: the deployed janitor may not delete. */
export const NO_RELEASE =
  'this janitor may not delete locks (mode alert without allowRelease); deploy it with -c allowRelease=true to release through it';

/** What people read instead of a command that cannot be shown. */
export function noCommandText(why: string): string {
  if (why === NO_RELEASE) return `no release through the janitor: ${why}`;
  return `no shell command is shown: ${why}; run \`tf-lock-janitor list --json\` to see it escaped`;
}

/** The command itself, or the explanation of why none is shown (for plain text). */
export function commandOrWhy(command: ShellCommand): string {
  return command.ok ? command.command : `(${noCommandText(command.why)})`;
}

/** The janitor's own safe release: deletes only if the lock still holds this ID and the same `Info`. */
export function releaseCommand(lock: Pick<LockReport, 'table' | 'lockId' | 'id' | 'region'>): ShellCommand {
  return shellCommand([
    'tf-lock-janitor release',
    shellFlag('table', lock.table, 'the table name'),
    shellFlag('state-path', lock.lockId, 'the LockID'),
    shellFlag('id', lock.id, 'the lock ID'),
    shellFlag('region', lock.region, 'the region'),
  ]);
}

/** Terraform's own unlock (`tofu force-unlock` is the same); it asks for confirmation before deleting. */
export function forceUnlockCommand(lock: Pick<LockReport, 'id'>): ShellCommand {
  return shellCommand(['terraform force-unlock', shellArgument(lock.id, 'the lock ID')]);
}

/** `tf-lock-janitor list`, narrowed to the regions when they can be shown and there are at most 3. */
export function listCommand(regions: readonly string[]): string {
  const flags = shellCommand(regions.map((r) => shellFlag('region', r, 'the region')));
  return flags.ok && regions.length && regions.length <= 3
    ? `tf-lock-janitor list ${flags.command}`
    : 'tf-lock-janitor list';
}

/** The workspace of a LockID `<bucket>/env:/<ws>/<key>` (the default `workspace_key_prefix`), if it is one. */
export function workspaceOf(lockId: string): string | undefined {
  return /^[^/]+\/env:\/([^/]+)\/./.exec(lockId)?.[1];
}

/** Where `force-unlock` must run: Terraform unlocks the state of the root module's current workspace. */
export function workspaceHint(lockId: string): string {
  const ws = workspaceOf(lockId);
  if (ws === undefined)
    return 'in the root module that uses this state (default workspace, unless a custom workspace_key_prefix puts the workspace in the path)';
  const select = shellCommand(['terraform workspace select', shellArgument(ws, 'the workspace name')]);
  return select.ok
    ? `in the root module that uses this state, after \`${select.command}\``
    : `in the root module that uses this state, in its workspace (${noCommandText(select.why)})`;
}
