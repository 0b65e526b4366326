// Test support: runs the CLI as a process (from its sources), with a clean AWS environment unless told otherwise.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

export const CLI = join(__dirname, '..', '..', 'bin', 'tf-lock-janitor.cjs');

/** No credentials, region or profile from the machine running the tests; `env` adds or overrides. */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(clean)) if (/^AWS_|^COLUMNS$/.test(name)) delete clean[name];
  return {
    ...clean,
    AWS_CONFIG_FILE: '/nonexistent/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...env,
  };
}

export type CliResult = { code: number; stdout: string; stderr: string };

/** Runs the CLI; resolves with its exit code and output whatever the code (stdin is not a terminal). */
export async function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], {
      env: cleanEnv(env),
      timeout: 60_000,
      // `list` without a table lists every lock table of the shared engine, which other suites may be filling
      // with thousands of locks at that moment: more than execFile's default 1 MB of output.
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
}

let policies: string | undefined;

/** Writes `policy` as JSON to a file of its own (in one temporary folder per test file); returns its path. */
export function policyFile(policy: object): string {
  policies ??= mkdtempSync(join(tmpdir(), 'tflj-policies-'));
  const file = join(policies, `policy-${randomBytes(4).toString('hex')}.json`);
  writeFileSync(file, JSON.stringify(policy));
  return file;
}
