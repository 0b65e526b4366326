// Tests: the Lambda bundle the stack deploys stays within its size budget (issues #12, #24), carries zod/mini, not classic
// zod, and loads no logging or middleware framework at a cold start.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUILD } from '../lib/bundling';
import { JanitorStack } from '../lib/janitor-stack';

/** The budget of issues #12 and #24 for the code the asset holds (every file but the source map), minified. */
const BUDGET_BYTES = 450 * 1024;

type Resource = { Type: string; Metadata?: Record<string, string> };

describe('the Lambda bundle', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-bundle-size-'));
  let bytes = 0;
  let inputs: string[] = [];
  /** The Node.js modules the bundle requires. */
  let builtins: string[] = [];
  let deployed = Buffer.alloc(0);
  let defined = Buffer.alloc(0);

  beforeAll(async () => {
    // The asset the stack deploys: synthesized for real (NodejsFunction, esbuild), asset metadata on as the CDK CLI sets it.
    const app = new App({ outdir, context: { 'aws:cdk:enable-asset-metadata': true } });
    new JanitorStack(app, 'Sized', {});
    app.synth();
    const template = JSON.parse(readFileSync(path.join(outdir, 'Sized.template.json'), 'utf8'));
    const fn = (Object.values(template.Resources) as Resource[]).find(
      (r) => r.Type === 'AWS::Lambda::Function',
    );
    const assetDir = path.join(outdir, String(fn?.Metadata?.['aws:asset:path']));
    // What Lambda loads: every file of the asset but the source map (read only for a stack trace).
    const code = readdirSync(assetDir).filter((f) => !f.endsWith('.map'));
    expect(code).toContain('index.js');
    bytes = code.reduce((sum, f) => sum + statSync(path.join(assetDir, f)).size, 0);
    deployed = readFileSync(path.join(assetDir, 'index.js'));
    // Its inputs, from the one definition (lib/bundling.ts) that npm run build, the organization and the bench use.
    const result = await build({ ...LAMBDA_BUILD, outfile: 'index.js', write: false, metafile: true });
    defined = Buffer.from(result.outputFiles.find((f) => f.path.endsWith('index.js'))?.contents ?? []);
    const outputs = Object.values((result.metafile as Metafile).outputs);
    inputs = outputs.flatMap((o) => Object.keys(o.inputs).map((f) => f.replaceAll('\\', '/')));
    builtins = Object.values((result.metafile as Metafile).inputs).flatMap((i) =>
      i.imports.filter((m) => m.external).map((m) => m.path.replace(/^node:/, '')),
    );
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it(`holds at most ${BUDGET_BYTES / 1024} KiB of code`, () => {
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('is byte for byte the bundle lib/bundling.ts defines, which npm run build ships and the benchmarks measure', () => {
    expect(defined.length).toBeGreaterThan(0);
    expect(defined.equals(deployed)).toBe(true);
  });

  it('validates with zod/mini: classic zod (its methods defeat tree shaking) stays out', () => {
    expect(inputs.some((f) => f.includes('/zod/v4/mini/'))).toBe(true);
    expect(inputs.filter((f) => f.includes('/zod/v4/classic/'))).toEqual([]);
  });

  it('loads no logging or middleware framework, nor the Node.js modules they need at load', () => {
    // lambda/logger.ts writes pino's lines itself and the handler is a plain function: pino, sonic-boom and
    // middy, and the assert, worker_threads and web streams modules they require, cost a cold start ~8 ms.
    expect(inputs.filter((f) => /node_modules\/(pino|sonic-boom|thread-stream|@middy)\//.test(f))).toEqual(
      [],
    );
    expect(builtins).toContain('fs');
    expect(
      builtins.filter((m) => ['assert', 'worker_threads', 'stream/web', 'stream/promises'].includes(m)),
    ).toEqual([]);
  });
});
