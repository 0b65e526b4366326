// Test support: drives the real terraform (or tofu) binary's S3 backend against a local server (moto).
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The binary found on PATH and the core version it writes into `Version` of its locks. */
export type TerraformBinary = { readonly bin: 'terraform' | 'tofu'; readonly version: string };

let found: TerraformBinary | null | undefined;

/** `terraform`, else `tofu`, if either answers `version -json` (checked once); undefined when neither does. */
export function terraformBinary(): TerraformBinary | undefined {
  if (found === undefined) {
    found = null;
    for (const bin of ['terraform', 'tofu'] as const) {
      const out = spawnSync(bin, ['version', '-json'], {
        encoding: 'utf8',
        env: terraformEnv(),
        timeout: 60_000,
      });
      if (out.status !== 0) continue;
      const json = JSON.parse(out.stdout) as { terraform_version?: string; opentofu_version?: string };
      const version = json.terraform_version ?? json.opentofu_version;
      if (version) {
        found = { bin, version };
        break;
      }
    }
  }
  return found ?? undefined;
}

/** The reason printed when the suite is skipped for want of a binary. */
export const TERRAFORM_MISSING =
  'neither terraform nor tofu is on PATH (`terraform version -json` and `tofu version -json` failed): skipping the real-Terraform end-to-end suite; install Terraform >= 1.10 or OpenTofu >= 1.10 to run it';

/**
 * The environment every run gets: dummy credentials, no CLI config file, no update check or IMDS (nothing leaves
 * loopback), no prompts.
 */
function terraformEnv(workspace?: string): NodeJS.ProcessEnv {
  const { AWS_PROFILE: _p, AWS_SESSION_TOKEN: _t, TF_WORKSPACE: _w, ...env } = process.env;
  return {
    ...env,
    // The workspace of one command, so commands in different workspaces can run side by side in one directory.
    ...(workspace ? { TF_WORKSPACE: workspace } : {}),
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'y',
    AWS_REGION: 'us-east-1',
    AWS_EC2_METADATA_DISABLED: 'true',
    TF_CLI_CONFIG_FILE: '/dev/null',
    CHECKPOINT_DISABLE: '1',
    TF_IN_AUTOMATION: '1',
    TF_INPUT: '0',
  };
}

/** Where a working directory keeps its state: `table` set makes double locks (with `use_lockfile`). */
export type Backend = {
  readonly endpoint: string;
  readonly bucket: string;
  readonly key: string;
  readonly table?: string;
};

/** What a finished command printed and how it ended. */
export type Finished = {
  readonly code: number | null;
  readonly signal: string | null;
  readonly output: string;
};

/** A command still running: its output so far, and ways to wait for it or kill its whole process group. */
export type Running = {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves once the output contains `text`; rejects if the command ends first. */
  printed(text: string): Promise<void>;
  finished: Promise<Finished>;
  /** SIGKILL to the process group (terraform and its provisioner's shell), as a cancelled CI job gets. */
  kill(): Promise<Finished>;
};

/**
 * A configuration holding a lock for as long as the test wants: one built-in `terraform_data` (no provider to
 * download) replaced on every apply, whose `local-exec` provisioner waits until the file `var.gate` exists.
 */
function configuration(backend: Backend): string {
  const q = JSON.stringify;
  const lines = [
    'terraform {',
    '  backend "s3" {',
    `    bucket = ${q(backend.bucket)}`,
    `    key = ${q(backend.key)}`,
    '    region = "us-east-1"',
    '    use_lockfile = true',
    ...(backend.table ? [`    dynamodb_table = ${q(backend.table)}`] : []),
    `    endpoints = { s3 = ${q(backend.endpoint)}, dynamodb = ${q(backend.endpoint)} }`,
    '    use_path_style = true',
    '    skip_credentials_validation = true',
    '    skip_requesting_account_id = true',
    '    skip_metadata_api_check = true',
    '    skip_region_validation = true',
    '  }',
    '}',
    'variable "gate" { type = string }',
    'resource "terraform_data" "hold" {',
    '  triggers_replace = timestamp()',
    '  provisioner "local-exec" {',
    // HCL interpolation, not JavaScript's: \u0024 is the `$` of `${var.gate}`.
    '    command = "while [ ! -e \'\u0024{var.gate}\' ]; do sleep 0.1; done"',
    '  }',
    '}',
  ];
  return `${lines.join('\n')}\n`;
}

/** One working directory of the binary, initialized against `backend`. */
export class TerraformDir {
  private constructor(
    readonly binary: TerraformBinary,
    readonly dir: string,
    readonly backend: Backend,
  ) {}

  /** Writes the configuration into `dir` and runs `init`. */
  static async init(binary: TerraformBinary, dir: string, backend: Backend): Promise<TerraformDir> {
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'main.tf'), configuration(backend));
    const tf = new TerraformDir(binary, dir, backend);
    await tf.succeed(['init', '-input=false', '-no-color']);
    return tf;
  }

  /** Runs a command to its end (never throws on a non-zero exit: the test asserts on it). */
  async command(args: readonly string[], workspace?: string): Promise<Finished> {
    try {
      const { stdout, stderr } = await run(this.binary.bin, args, {
        cwd: this.dir,
        env: terraformEnv(workspace),
        maxBuffer: 16 * 1024 * 1024,
      });
      return { code: 0, signal: null, output: stdout + stderr };
    } catch (e) {
      const err = e as { code?: number; signal?: string; stdout?: string; stderr?: string };
      return {
        code: typeof err.code === 'number' ? err.code : null,
        signal: err.signal ?? null,
        output: `${err.stdout ?? ''}${err.stderr ?? ''}`,
      };
    }
  }

  /** Runs a command that must succeed, and returns its output. */
  async succeed(args: readonly string[], workspace?: string): Promise<string> {
    const done = await this.command(args, workspace);
    if (done.code !== 0)
      throw new Error(`${this.binary.bin} ${args.join(' ')} failed (${done.code}):\n${done.output}`);
    return done.output;
  }

  /** `workspace new NAME` (it takes no -input flag). Commands name their workspace (TF_WORKSPACE). */
  async newWorkspace(name: string): Promise<void> {
    await this.succeed(['workspace', 'new', '-no-color', name]);
  }

  /** `plan -lock-timeout=0s` in `workspace`: one attempt at the lock. */
  plan(gate: string, workspace: string): Promise<Finished> {
    return this.command(
      ['plan', '-input=false', '-no-color', '-lock-timeout=0s', `-var=gate=${gate}`],
      workspace,
    );
  }

  /** Starts `apply -auto-approve` in `workspace`; its provisioner waits for the file `gate`. */
  startApply(gate: string, workspace: string): Running {
    const child = spawn(
      this.binary.bin,
      ['apply', '-auto-approve', '-input=false', '-no-color', '-lock-timeout=0s', `-var=gate=${gate}`],
      { cwd: this.dir, env: terraformEnv(workspace), detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let output = '';
    const waiters: { text: string; resolve: () => void; reject: (e: Error) => void }[] = [];
    const settle = () => {
      for (const w of [...waiters]) {
        if (output.includes(w.text)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve();
        }
      }
    };
    const onData = (d: Buffer) => {
      output += d.toString('utf8');
      settle();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    };
    process.once('exit', killGroup);
    const finished = new Promise<Finished>((resolve) => {
      child.once('close', (code, signal) => {
        process.removeListener('exit', killGroup);
        for (const w of waiters.splice(0))
          w.reject(
            new Error(
              `${this.binary.bin} apply ended (${code ?? signal}) before printing "${w.text}":\n${output}`,
            ),
          );
        resolve({ code, signal, output });
      });
    });
    return {
      child,
      output: () => output,
      printed: (text) =>
        output.includes(text)
          ? Promise.resolve()
          : child.exitCode !== null || child.signalCode !== null
            ? Promise.reject(new Error(`apply already ended before printing "${text}":\n${output}`))
            : new Promise<void>((resolve, reject) => waiters.push({ text, resolve, reject })),
      finished,
      kill: () => {
        killGroup();
        return finished;
      },
    };
  }
}

/** The state path of a workspace (terraform-lock-facts.md §0, default `workspace_key_prefix`). */
export function statePath(key: string, workspace: string): string {
  return workspace === 'default' ? key : `env:/${workspace}/${key}`;
}
