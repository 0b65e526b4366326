// Tests: the one shell quoting of every command shown to people, checked against real bash and dash.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import fc from 'fast-check';
import { lockItem } from '../bin/demo/terraform-lock';
import { hasHidden } from '../lambda/core/message/format';
import {
  forceUnlockCommand,
  releaseCommand,
  type ShellWord,
  shellArgument,
  shellFlag,
  shellQuote,
  shellWord,
  workspaceHint,
} from '../lambda/core/message/shell';
import { createLockTable, endpoint, lockIds, putItems, testClient, uniqueName } from './support/dynamo';

const SHELLS = ['bash', 'dash'] as const;
const LOCALES = ['C', 'C.UTF-8'] as const;

/** Runs `printf '%s\0' WORDS...` in a real shell; returns the arguments it received, as bytes. */
function argvThrough(shell: string, lang: string, words: readonly string[]): Buffer[] {
  const script = `printf '%s\\0' ${words.join(' ')}`;
  // stdin not a socket: bash would then read ~/.bashrc as if started by sshd.
  const result = spawnSync(shell, ['-c', script], {
    env: { PATH: process.env.PATH, HOME: '/nonexistent', LANG: lang, LC_ALL: lang },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  if (result.status !== 0) throw new Error(`${shell} failed: ${result.stderr.toString()}`);
  const parts: Buffer[] = [];
  let start = 0;
  for (let i = 0; i < result.stdout.length; i++) {
    if (result.stdout[i] === 0) {
      parts.push(result.stdout.subarray(start, i));
      start = i + 1;
    }
  }
  return parts;
}

function wordOf(quoted: ShellWord): string {
  if (!quoted.ok) throw new Error(quoted.why);
  return quoted.word;
}

/** Strings a lock writer might plant: any unicode, single bytes, leading dashes and shell punctuation. */
const hostile = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.uint8Array({ maxLength: 12 }).map((bytes) => String.fromCharCode(...bytes)),
  fc
    .array(
      fc.constantFrom(
        '-',
        '--',
        "'",
        '"',
        '\\',
        '$',
        '`',
        ' ',
        '$(id)',
        '*',
        '~',
        '=',
        '!',
        'a',
        'é',
        '🚀',
        '\n',
        '\0',
      ),
    )
    .map((parts) => parts.join('')),
);

describe('shell quoting through real shells', () => {
  it.each(SHELLS.flatMap((shell) => LOCALES.map((lang) => [shell, lang] as const)))(
    'every accepted value reaches %s (LANG=%s) byte for byte; every refused value holds a hidden character',
    (shell, lang) => {
      fc.assert(
        fc.property(fc.array(hostile, { minLength: 1, maxLength: 40 }), (values) => {
          // Prepare
          const accepted: { expected: string; word: string }[] = [];
          for (const value of values) {
            for (const [expected, quoted] of [
              [value, shellQuote(value)],
              [value, shellWord(value)],
              [`--lock-id=${value}`, shellFlag('lock-id', value)],
            ] as const) {
              if (quoted.ok) accepted.push({ expected, word: quoted.word });
              else expect(hasHidden(value)).toBe(true);
            }
          }
          if (accepted.length === 0) return;

          // Act
          const argv = argvThrough(
            shell,
            lang,
            accepted.map((a) => a.word),
          );

          // Assess
          expect(argv.map((b) => b.toString('hex'))).toEqual(
            accepted.map((a) => Buffer.from(a.expected, 'utf8').toString('hex')),
          );
        }),
        { numRuns: 50 },
      );
    },
  );

  it.each(SHELLS)('gives a positional that starts with a dash after "--" in %s', (shell) => {
    const word = wordOf(shellArgument("-rf 'x'"));
    expect(argvThrough(shell, 'C', [word]).map(String)).toEqual(['--', "-rf 'x'"]);
  });
});

describe('shell words', () => {
  it.each<[string, string, string]>([
    ['a plain ID', '3d5f0c2a-9b71', '3d5f0c2a-9b71'],
    ['an empty value', '', "''"],
    ['a leading dash', '-x', "'-x'"],
    ['a leading equals sign (zsh expands =cmd)', '=ls', "'=ls'"],
    ['a tilde', '~root', "'~root'"],
    ['a single quote', "it's", "'it'\\''s'"],
    ['a glob', 'a*b', "'a*b'"],
  ])('%s', (_name, value, word) => {
    expect(shellWord(value)).toEqual({ ok: true, word });
  });

  it.each<[string, string, string]>([
    ['NUL', 'a\0b', 'the LockID holds a control character (U+0000)'],
    ['ESC', '\u001b[2K', 'the LockID holds a control character (U+001B)'],
    ['BEL', 'a\u0007', 'the LockID holds a control character (U+0007)'],
    ['a newline', 'a\nb', 'the LockID holds a control character (U+000A)'],
    [
      'a bidi override',
      'a\u202Eb',
      'the LockID holds an invisible formatting character (bidi override, zero-width) (U+202E)',
    ],
    ['a paragraph separator', 'a\u2029b', 'the LockID holds a line or paragraph separator (U+2029)'],
    ['a lone surrogate', 'a\uD800b', 'the LockID holds half of a surrogate pair (U+D800)'],
  ])('refuses %s and says why', (_name, value, why) => {
    expect(shellQuote(value, 'the LockID')).toEqual({ ok: false, why });
    expect(shellFlag('lock-id', value, 'the LockID')).toEqual({ ok: false, why });
  });
});

describe('the commands people are shown', () => {
  const lock = {
    table: 'acme-tf-locks',
    lockId: 'acme/env:/prod/app.tfstate',
    id: 'abc-123',
    region: 'eu-west-1',
  };

  it.each<[string, Partial<typeof lock>, string]>([
    [
      'a plain lock',
      {},
      'tf-lock-janitor release --table=acme-tf-locks --state-path=acme/env:/prod/app.tfstate --id=abc-123 --region=eu-west-1',
    ],
    [
      'values that start with a dash',
      { lockId: '-acme/x', id: '--help' },
      "tf-lock-janitor release --table=acme-tf-locks --state-path='-acme/x' --id='--help' --region=eu-west-1",
    ],
  ])('release for %s', (_name, overrides, command) => {
    expect(releaseCommand({ ...lock, ...overrides })).toEqual({ ok: true, command });
  });

  it.each<[string, string, string]>([
    ['a plain ID', 'abc-123', 'terraform force-unlock abc-123'],
    ['an ID that starts with a dash', '-abc', "terraform force-unlock -- '-abc'"],
    ['an ID with a quote', "a'b", "terraform force-unlock 'a'\\''b'"],
  ])('force-unlock for %s', (_name, id, command) => {
    expect(forceUnlockCommand({ id })).toEqual({ ok: true, command });
  });

  it('shows no force-unlock for an ID with a NUL', () => {
    expect(forceUnlockCommand({ id: 'a\0b' })).toEqual({
      ok: false,
      why: 'the lock ID holds a control character (U+0000)',
    });
  });

  it.each<[string, string]>([
    ['acme/env:/staging/app.tfstate', 'after `terraform workspace select staging`'],
    ['acme/env:/-w/app.tfstate', "after `terraform workspace select -- '-w'`"],
    [
      'acme/env:/a\u001bb/app.tfstate',
      'no shell command is shown: the workspace name holds a control character (U+001B)',
    ],
  ])('workspace hint for %j', (lockId, expected) => {
    expect(workspaceHint(lockId)).toContain(expected);
  });
});

describe('a shown release command, pasted into bash', () => {
  const client = testClient();
  const table = uniqueName('shell-locks');
  afterAll(() => client.destroy());

  it('releases exactly the lock it names when the LockID and ID start with a dash and hold quotes', async () => {
    // Prepare
    await createLockTable(client, table);
    const id = "-x' $(touch pwned)";
    const held = lockItem({
      bucket: '-acme',
      path: "it's/app.tfstate",
      operation: 'OperationTypeApply',
      who: 'a@b',
      id,
      createdMs: 0,
    });
    const neighbour = lockItem({
      bucket: '-acme',
      path: 'its/app.tfstate',
      operation: 'OperationTypeApply',
      who: 'a@b',
      id,
      createdMs: 0,
    });
    await putItems(client, table, [held, neighbour]);
    const shown = releaseCommand({ table, lockId: held.LockID.S, id, region: 'us-east-1' });
    if (!shown.ok) throw new Error(shown.why);

    // Act
    const cli = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');
    const script = `tf-lock-janitor() { "$NODE" "$CLI" "$@"; }\n${shown.command} --yes --endpoint="$ENDPOINT" --json`;
    const stdout = await runBash(script, { NODE: process.execPath, CLI: cli, ENDPOINT: endpoint() });

    // Assess
    expect(JSON.parse(stdout)).toMatchObject({ outcome: 'released' });
    expect(await lockIds(client, table)).toEqual([neighbour.LockID.S]);
  });
});

/** Runs a script in bash (stdin closed, no startup files) without blocking the event loop; resolves with stdout. */
function runBash(script: string, env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--norc', '--noprofile', '-c', script], {
      env: { PATH: process.env.PATH, HOME: '/nonexistent', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 60_000,
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`exit ${code}: ${err}${out}`)),
    );
  });
}
