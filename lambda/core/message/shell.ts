// Core messages: shell quoting and the commands people are shown.
import type { LockReport } from '../report';
import { hasHidden } from './format';

const PLAIN_WORD = /^[A-Za-z0-9_.,:@%+=/-]+$/;

/**
 * Quotes a value for a POSIX shell so that it reaches the command byte for byte. Values people can read go
 * in single quotes (`'it'\''s'`): spaces, `$`, backticks, backslashes and quotes stay literal. A value with
 * hidden characters (newline, control, bidi override) uses bash/zsh ANSI-C quoting (`$'a\nb'`) so the
 * command stays on one line and shows what it really contains.
 */
export function shellQuote(value: string): string {
  if (!hasHidden(value)) return `'${value.replaceAll("'", `'\\''`)}'`;
  return `$'${Array.from(value, ansiCChar).join('')}'`;
}

/** A value as a shell word: bare when it is plainly safe (IDs, regions, table names), quoted otherwise. */
export function shellWord(value: string): string {
  return PLAIN_WORD.test(value) ? value : shellQuote(value);
}

const ANSI_C_NAMED: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };

function ansiCChar(char: string): string {
  if (char === '\\' || char === "'") return `\\${char}`;
  if (ANSI_C_NAMED[char]) return ANSI_C_NAMED[char];
  if (!hasHidden(char)) return char;
  const code = char.codePointAt(0) ?? 0;
  if (code < 0x80) return `\\x${code.toString(16).padStart(2, '0')}`;
  if (code > 0xffff) return `\\U${code.toString(16).padStart(8, '0')}`;
  return `\\u${code.toString(16).padStart(4, '0')}`;
}

/** The janitor's own safe release: deletes only if the lock still holds this ID and the same `Info`. */
export function releaseCommand(lock: Pick<LockReport, 'table' | 'lockId' | 'id' | 'region'>): string {
  return [
    'npx tf-lock-janitor release',
    `--table ${shellWord(lock.table)}`,
    `--lock-id ${shellQuote(lock.lockId)}`,
    `--id ${shellWord(lock.id)}`,
    `--region ${shellWord(lock.region)}`,
  ].join(' ');
}

/** Terraform's own unlock (`tofu force-unlock` is the same); it asks for confirmation before deleting. */
export function forceUnlockCommand(lock: Pick<LockReport, 'id'>): string {
  return `terraform force-unlock ${shellWord(lock.id)}`;
}

/** The workspace of a LockID `<bucket>/env:/<ws>/<key>` (the default `workspace_key_prefix`), if it is one. */
export function workspaceOf(lockId: string): string | undefined {
  return /^[^/]+\/env:\/([^/]+)\/./.exec(lockId)?.[1];
}

/** Where `force-unlock` must run: Terraform unlocks the state of the root module's current workspace. */
export function workspaceHint(lockId: string): string {
  const ws = workspaceOf(lockId);
  return ws === undefined
    ? 'in the root module that uses this state (default workspace, unless a custom workspace_key_prefix puts the workspace in the path)'
    : `in the root module that uses this state, after \`terraform workspace select ${shellWord(ws)}\``;
}
