// Tests: the Lambda bundle the stack deploys stays within its size budget (issue #12) and carries zod/mini, not classic zod.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUILD } from '../lib/bundling';
import { JanitorStack } from '../lib/janitor-stack';

/** The budget of issue #12 for the minified handler, source map comment included. */
const BUDGET_BYTES = 450 * 1024;

type Resource = { Type: string; Metadata?: Record<string, string> };

describe('the Lambda bundle', () => {
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-bundle-size-'));
  let bytes = 0;
  let inputs: string[] = [];
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
    const asset = path.join(outdir, String(fn?.Metadata?.['aws:asset:path']), 'index.js');
    bytes = statSync(asset).size;
    deployed = readFileSync(asset);
    // Its inputs, from the one definition (lib/bundling.ts) that npm run build, the organization and the bench use.
    const result = await build({ ...LAMBDA_BUILD, outfile: 'index.js', write: false, metafile: true });
    defined = Buffer.from(result.outputFiles.find((f) => f.path.endsWith('index.js'))?.contents ?? []);
    const outputs = Object.values((result.metafile as Metafile).outputs);
    inputs = outputs.flatMap((o) => Object.keys(o.inputs).map((f) => f.replaceAll('\\', '/')));
  }, 120_000);

  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it(`is at most ${BUDGET_BYTES / 1024} KiB minified`, () => {
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

  it("leaves pino's worker-thread transport out (the logger writes to stdout): thread-stream is a stub", () => {
    expect(inputs.filter((f) => f.includes('node_modules/thread-stream/'))).toEqual([]);
    expect(inputs).toContain('lambda/adapters/no-thread-stream.cjs');
  });
});
