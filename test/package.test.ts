// Tests: the npm package as a consumer gets it: packed, installed in a fresh CDK app, synthesized, CLI run.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DYNALITE_MISSING } from '../bin/demo/dynalite-check';
import { lockItem } from '../bin/demo/terraform-lock';
import { createLockTable, endpoint, putItems, testClient, uniqueName } from './support/dynamo';
import {
  createBucket,
  getObject,
  lockfileBody,
  putObject,
  s3TestClient,
  startLocalEngine,
} from './support/s3';

const run = promisify(execFile);
const ROOT = join(__dirname, '..');
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  version: string;
  license: string;
  description: string;
};
/** Packing builds (tsc + esbuild), installing extracts ~35 packages, synth loads aws-cdk-lib: about a minute. */
const SLOW = 240_000;

/**
 * A consumer's CDK app: one stack, one LockJanitor, cdk-nag's AwsSolutions checks as a fresh app adds them,
 * synthesized with plain node (no tsx, no esbuild, no Docker). A finding fails synth.
 */
const APP_JS = `
const { App, Stack, Validations } = require('aws-cdk-lib');
const { AwsSolutionsChecks } = require('cdk-nag');
const { LockJanitor } = require('tf-lock-janitor');
const app = new App({ outdir: 'cdk.out' });
new LockJanitor(new Stack(app, 'Consumer'), 'Janitor', { policy: { mode: 'alert' }, alertEmails: ['ops@example.com'] });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
app.synth();
`;
/** The same in TypeScript: the package's types (`types`/`exports`) must carry the construct and its props. */
const APP_TS = `
import { App, Stack } from 'aws-cdk-lib';
import { LockJanitor, type LockJanitorProps, type PolicyInput } from 'tf-lock-janitor';
const policy: PolicyInput = { mode: 'alert', rules: [{ name: 'default', match: {}, alertAfter: '4h' }] };
const props: LockJanitorProps = { policy, memorySize: 256 };
const janitor: LockJanitor = new LockJanitor(new Stack(new App(), 'Typed'), 'Janitor', props);
export const name: string = janitor.function.functionName;
`;
const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  },
  files: ['app.ts'],
};

describe(`the ${PKG.name} package, packed and installed in a fresh CDK app`, () => {
  const app = mkdtempSync(join(tmpdir(), 'tflj-consumer-'));
  const bin = join(app, 'node_modules', '.bin', 'tf-lock-janitor');
  let tarball = '';
  // Without the SDK's Node-version warning switch: the CLI must silence it itself.
  const {
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: _,
    NODE_DISABLE_COMPILE_CACHE: __,
    ...user
  } = process.env;
  // The CLI keeps its code cache under XDG_CACHE_HOME (bin/code-cache.ts): the app's own, not the user's.
  const env = { ...user, XDG_CACHE_HOME: join(app, 'cache') };

  /** The app's node_modules before and after installing the package: top-level packages and size. */
  const before = { packages: [] as string[], kb: 0 };
  const after = { packages: [] as string[], kb: 0 };

  beforeAll(async () => {
    // `npm pack` runs `prepare` (the build) first, so the tarball holds what this checkout compiles to.
    const { stdout } = await run('npm', ['pack', '--pack-destination', app, '--silent'], { cwd: ROOT, env });
    tarball = join(app, stdout.trim().split('\n').pop() ?? '');
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    writeFileSync(join(app, 'app.js'), APP_JS);
    writeFileSync(join(app, 'app.ts'), APP_TS);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify(TSCONFIG));
    // A fresh CDK app as `cdk init` makes it, plus cdk-nag: the newest aws-cdk-lib and constructs the package's
    // peer ranges admit, from the npm cache or the registry.
    const install = ['install', '--prefer-offline', '--no-audit', '--no-fund'];
    await run(
      'npm',
      [
        ...install,
        `aws-cdk-lib@${PKG.peerDependencies['aws-cdk-lib']}`,
        `constructs@${PKG.peerDependencies.constructs}`,
        `cdk-nag@${PKG.devDependencies['cdk-nag']}`,
      ],
      { cwd: app, env },
    );
    Object.assign(before, await modules(app));
    // Act: what a construct consumer runs.
    await run('npm', [...install, tarball], { cwd: app, env });
    Object.assign(after, await modules(app));
    const mb = (kb: number) => `${(kb / 1024).toFixed(1)} MB`;
    console.info(
      `installing ${PKG.name} into a fresh CDK app: node_modules ${mb(before.kb)} -> ${mb(after.kb)} ` +
        `(+${mb(after.kb - before.kb)}; new packages: ${added().join(', ')})`,
    );
  }, SLOW);
  /** Packages the install added to the app. */
  const added = () => after.packages.filter((p) => !before.packages.includes(p));
  afterAll(() => rmSync(app, { recursive: true, force: true }));

  it('packs the Apache-2.0 LICENSE and an executable CLI entry (the bin a shell runs through its shebang)', async () => {
    // `tar -tv` lists each member's mode as npm packed it: `-rwxr-xr-x ... package/dist/bin/main.js`.
    const { stdout } = await run('tar', ['-tvzf', tarball], { env });
    const mode = (member: string) =>
      stdout
        .split('\n')
        .find((line) => line.endsWith(` package/${member}`))
        ?.split(/\s+/)[0];
    expect(mode('dist/bin/main.js')).toBe('-rwxr-xr-x');
    expect(mode('LICENSE')).toMatch(/^-rw/);
    const license = readFileSync(join(app, 'node_modules', PKG.name, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License\n                           Version 2.0, January 2004');
    expect(license).toContain('END OF TERMS AND CONDITIONS');
    expect(license).toBe(readFileSync(join(ROOT, 'LICENSE'), 'utf8'));
    expect(PKG.license).toBe('Apache-2.0');
    expect(PKG.description).toMatch(/lockfiles/);
    expect(PKG.description).toMatch(/double locks/);
  });

  it('adds only what a CDK app needs: the package and zod (the policy check at synth), no SDK, CLI or demo engine', () => {
    // The CLI's SDK clients are bundled into the package; the demo's dynalite is an optional peer, not installed.
    expect(added().sort()).toEqual(['tf-lock-janitor', 'zod']);
    for (const left of ['dynalite', 'classic-level', 'memory-level', '@aws-sdk', '@smithy']) {
      expect(after.packages.filter((p) => p === left || p.startsWith(`${left}/`))).toEqual([]);
    }
  });

  it('ships the compiled construct, CLI and Lambda bundle, and no sources, tests or benchmarks', () => {
    const installed = join(app, 'node_modules', PKG.name);
    const files = readdirSync(installed, { recursive: true }).map(String);
    expect(files).toEqual(
      expect.arrayContaining([
        join('dist', 'lib', 'index.js'),
        join('dist', 'lib', 'index.d.ts'),
        join('dist', 'bin', 'main.js'),
        join('dist', 'lambda-bundle', 'index.js'),
      ]),
    );
    const unwanted = files.filter(
      (f) => /(^|\/)(test|bench|scripts)\/|\.ts$/.test(f) && !f.endsWith('.d.ts'),
    );
    expect(unwanted).toEqual([]);
    // Neither a TypeScript runtime nor a bundler comes with it.
    for (const tool of ['tsx', 'esbuild', 'typescript']) {
      expect(existsSync(join(app, 'node_modules', tool))).toBe(false);
    }
  });

  it(
    'synthesizes a stack with LockJanitor from the shipped bundle, without bundling',
    async () => {
      // Act
      await run(process.execPath, ['app.js'], { cwd: app, env });
      // Assess
      const out = join(app, 'cdk.out');
      const template = JSON.parse(readFileSync(join(out, 'Consumer.template.json'), 'utf8')) as {
        Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
      };
      const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      const janitor = functions.find((f) => (f.Properties.Environment as { Variables: object }).Variables);
      // The newest Node.js runtime the app's aws-cdk-lib knows: what cdk-nag's AwsSolutions-L1 asks for.
      const probe =
        "const { Runtime } = require('aws-cdk-lib/aws-lambda'); console.log(JSON.stringify(Runtime.ALL.map((r) => r.name)))";
      const names = JSON.parse(
        (await run(process.execPath, ['-e', probe], { cwd: app, env })).stdout,
      ) as string[];
      const newest = Math.max(...names.map((name) => Number(/^nodejs(\d+)\.x$/.exec(name)?.[1] ?? 0)));
      expect(janitor?.Properties).toMatchObject({ Handler: 'index.handler', Runtime: `nodejs${newest}.x` });
      // cdk-nag ran and found nothing (a finding would have failed synth above).
      const report = JSON.parse(readFileSync(join(out, 'validation-report.json'), 'utf8')) as {
        pluginReports: { violations: unknown[] }[];
      };
      expect(report.pluginReports.map((p) => p.violations)).toEqual(report.pluginReports.map(() => []));
      expect(JSON.stringify(report.pluginReports)).toContain('AwsSolutions');
      const assets = readdirSync(out).filter((d) => d.startsWith('asset.'));
      const shipped = readFileSync(join(app, 'node_modules', PKG.name, 'dist', 'lambda-bundle', 'index.js'));
      const deployed = assets.map((d) => join(out, d, 'index.js')).filter(existsSync);
      expect(deployed).toHaveLength(1);
      expect(readFileSync(deployed[0]).equals(shipped)).toBe(true);
    },
    SLOW,
  );

  it(
    'type-checks a TypeScript consumer against the shipped declarations',
    async () => {
      await expect(
        run(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: app, env }),
      ).resolves.toBeDefined();
    },
    SLOW,
  );

  it(
    'runs the installed CLI: --version, --help and the demo',
    async () => {
      const version = await run(bin, ['--version'], { cwd: app, env });
      expect(version.stdout.trim()).toBe(PKG.version);
      const help = await run(bin, ['--help'], { cwd: app, env });
      expect(help.stdout).toMatch(/^Usage: tf-lock-janitor <command>/);
      // The demo's engine is not installed with the package: the demo says how to get it.
      const missing = await run(bin, ['demo'], { cwd: app, env }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => ({ code: e.code, stderr: e.stderr }),
      );
      expect(missing).toEqual({ code: 1, stderr: `tf-lock-janitor: ${DYNALITE_MISSING}\n` });
      await run(
        'npm',
        ['install', '--prefer-offline', '--no-audit', '--no-fund', '--no-save', 'dynalite@4.0.0'],
        {
          cwd: app,
          env,
        },
      );
      const demo = await run(bin, ['demo'], { cwd: app, env });
      expect(demo.stdout).toContain('Audit trail (5 records of 4 deleted locks');
      expect(demo.stderr).toBe('');
    },
    SLOW,
  );

  it(
    'sweeps a DynamoDB-compatible server with the installed (bundled) CLI, and again through the code cache its first sweep kept',
    async () => {
      // Prepare
      const client = testClient();
      const table = `${uniqueName('pkg')}-locks`;
      await createLockTable(client, table);
      const createdMs = Date.now() - 5 * 3_600_000;
      const lock = lockItem({
        bucket: 'acme',
        path: 'pkg.tfstate',
        operation: 'OperationTypeApply',
        who: 'ci',
        createdMs,
      });
      await putItems(client, table, [lock]);
      client.destroy();
      const policy = join(app, 'policy.json');
      writeFileSync(policy, JSON.stringify({ tables: { include: [table] } }));
      // Act
      const args = [
        'sweep',
        '--endpoint',
        endpoint(),
        '--region',
        'us-east-1',
        '--policy',
        policy,
        '--dry-run',
      ];
      const cacheDir = join(app, 'cache', 'tf-lock-janitor');
      const sweepCache = () => readdirSync(cacheDir).filter((f) => f.endsWith('-sweep.v8cache'));
      const sweeps = [(await run(bin, [...args, '--json'], { cwd: app, env })).stdout];
      const kept = statSync(join(cacheDir, sweepCache()[0] ?? 'none'), { throwIfNoEntry: false });
      sweeps.push((await run(bin, [...args, '--json'], { cwd: app, env })).stdout);
      // Assess: the first sweep kept its compiled code; the second ran it (its SDK's requests included: a cache V8
      // rejected would have been written again, a new file) and said the same.
      expect(sweepCache()).toEqual([expect.stringMatching(/^cli-[0-9a-f]{64}-sweep\.v8cache$/)]);
      expect(statSync(join(cacheDir, sweepCache()[0])).ino).toBe(kept?.ino);
      for (const stdout of sweeps) {
        const report = JSON.parse(stdout) as { locks: { lockId: string; decision: string }[] };
        expect(report.locks).toEqual([
          expect.objectContaining({ lockId: 'acme/pkg.tfstate', decision: 'alert' }),
        ]);
      }
      const list = await run(
        bin,
        ['list', '--endpoint', endpoint(), '--region', 'us-east-1', '--policy', policy],
        {
          cwd: app,
          env,
        },
      );
      expect(list.stdout).toContain('acme/pkg.tfstate');
    },
    SLOW,
  );

  it('carries the EC2 client for the host check in a side bundle, exported under its module name', async () => {
    const installed = join(app, 'node_modules', PKG.name, 'dist', 'bin', 'sdk-ec2.js');
    const probe = `const { EC2Client, DescribeInstancesCommand } = require(${JSON.stringify(installed)})['@aws-sdk/client-ec2']; console.log(typeof EC2Client, typeof DescribeInstancesCommand)`;
    const { stdout } = await run(process.execPath, ['-e', probe], { cwd: app, env });
    expect(stdout.trim()).toBe('function function');
  });

  it(
    'releases a lockfile with the installed CLI, which loads the S3 client from its own side bundle',
    async () => {
      // Prepare: the S3 client is outside the CLI bundle (dist/bin/sdk-s3.js), required on first use.
      const engine = await startLocalEngine();
      const s3 = s3TestClient(engine.endpoint).client;
      try {
        const bucket = 'pkg-state';
        await createBucket(s3, bucket);
        const held = lockfileBody(bucket, 'pkg/app.tfstate');
        await putObject(s3, bucket, 'pkg/app.tfstate.tflock', held.body);
        const policy = join(app, 'buckets.json');
        writeFileSync(policy, JSON.stringify({ buckets: { include: [bucket] } }));
        // Act
        const { stdout } = await run(
          bin,
          [
            'release',
            '--yes',
            '--endpoint',
            engine.endpoint,
            '--region',
            'us-east-1',
            '--policy',
            policy,
          ].concat([`--bucket=${bucket}`, '--key=pkg/app.tfstate.tflock', `--id=${held.id}`]),
          { cwd: app, env },
        );
        // Assess
        expect(stdout).toContain(`released s3://${bucket}/pkg/app.tfstate.tflock`);
        expect(await getObject(s3, bucket, 'pkg/app.tfstate.tflock')).toBeUndefined();
      } finally {
        s3.destroy();
        await engine.stop();
      }
    },
    SLOW,
  );
});

/** The top-level packages (`@scope/name` for scoped ones) in `dir`'s node_modules, and its size in KiB. */
async function modules(dir: string): Promise<{ packages: string[]; kb: number }> {
  const root = join(dir, 'node_modules');
  const packages = readdirSync(root)
    .filter((name) => !name.startsWith('.'))
    .flatMap((name) =>
      name.startsWith('@') ? readdirSync(join(root, name)).map((n) => `${name}/${n}`) : [name],
    );
  const { stdout } = await run('du', ['-sk', root]);
  return { packages, kb: Number(stdout.split(/\s/)[0]) };
}
