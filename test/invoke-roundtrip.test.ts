// Tests: the e-mailed `aws lambda invoke` command survives a real shell and the handler's parser, for any lock.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { invokeReleaseCommand, releasePayloadBase64 } from '../lambda/core/message/invoke';
import { parseEvent } from '../lambda/events';

// A stand-in `aws` on PATH that prints its argv NUL-separated: what the real CLI would receive.
const bin = mkdtempSync(path.join(tmpdir(), 'fake-aws-'));
writeFileSync(path.join(bin, 'aws'), '#!/bin/sh\nprintf \'%s\\0\' "$@"\n');
chmodSync(path.join(bin, 'aws'), 0o755);
afterAll(() => rmSync(bin, { recursive: true, force: true }));

/** Runs the command in a real shell (no rc files, stdin closed) and returns the argv `aws` received. */
function argvThrough(shell: 'bash' | 'dash', command: string): string[] {
  const args = shell === 'bash' ? ['--norc', '--noprofile', '-c', command] : ['-c', command];
  const run = spawnSync(shell, args, {
    env: { PATH: `${bin}:${process.env.PATH}`, LC_ALL: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`${shell} failed (${run.status}): ${run.stderr}`);
  return run.stdout.split('\0').slice(0, -1);
}

// Values a LockID, ID or table name may hold: quotes, `$`, backticks, newlines, controls, unicode, lone
// surrogates, a leading `-`.
const nasty = fc.constantFrom(
  "'",
  '"',
  '$',
  '$(id)',
  '`',
  '\\',
  '\n',
  '\r',
  '\0',
  '\u001b',
  '\u202e',
  '\u2028',
  '-',
  '--',
  '!',
  '*',
  '~',
  '=',
  'ü',
  '🔒',
  '\ud800',
  '\udc00',
  ' ',
);
const value = fc.oneof(
  fc.string({
    unit: fc.oneof(nasty, fc.string({ unit: 'binary', minLength: 1, maxLength: 1 })),
    minLength: 1,
    maxLength: 40,
  }),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }),
);
const lock = fc.record({
  table: value,
  lockId: value,
  id: value,
  region: fc.constantFrom('eu-west-1', 'us-east-1', 'ap-southeast-1', 'us-gov-west-1'),
});
const janitor = { functionName: 'tf-lock-janitor', region: 'eu-central-1', canRelease: true };

describe.each(['bash', 'dash'] as const)('the invoke command through %s', (shell) => {
  it('reaches aws as the expected argv, and its payload parses back to the exact lock', () => {
    fc.assert(
      fc.property(lock, fc.constantFrom('e-mail', 'chat message'), (target, requestedBy) => {
        const command = invokeReleaseCommand(janitor, target, requestedBy);
        if (!command.ok) throw new Error(`no command: ${command.why}`);
        // Printable ASCII only: nothing hidden in what a person pastes.
        expect(command.command).toMatch(/^[\x20-\x7e]+$/);
        const argv = argvThrough(shell, command.command);
        expect(argv.slice(0, 8)).toEqual([
          'lambda',
          'invoke',
          '--function-name',
          'tf-lock-janitor',
          '--region',
          'eu-central-1',
          '--cli-binary-format',
          'raw-in-base64-out',
        ]);
        expect(argv.slice(8, 9)).toEqual(['--payload']);
        expect(argv.slice(10)).toEqual(['/dev/stdout']);
        expect(parseEvent(JSON.parse(argv[9]))).toEqual({
          kind: 'release',
          payload: { ...target, requestedBy },
        });
      }),
      { numRuns: 150 },
    );
  });
});

describe("the chat button's payload", () => {
  it('is standard base64 of the same release, requestedBy "chat"', () => {
    fc.assert(
      fc.property(lock, (target) => {
        const payload = releasePayloadBase64(target, 'chat');
        expect(payload).toMatch(/^[A-Za-z0-9+/]+={0,2}$/);
        const decoded = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
        expect(parseEvent(decoded)).toEqual({ kind: 'release', payload: { ...target, requestedBy: 'chat' } });
      }),
    );
  });
});
