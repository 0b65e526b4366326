// Tests: the Lambda bundle stays within its size budget (issue #12) and carries zod/mini, not classic zod.
import path from 'node:path';
import { build, type Metafile } from 'esbuild';
import { LAMBDA_BUILD } from '../scripts/lambda-build';

/** The budget of issue #12 for the minified handler, source map comment included. */
const BUDGET_BYTES = 450 * 1024;

describe('the Lambda bundle', () => {
  let bytes = 0;
  let inputs: string[] = [];

  beforeAll(async () => {
    const result = await build({
      ...LAMBDA_BUILD,
      entryPoints: [path.join(__dirname, '..', 'lambda', 'handler.ts')],
      outfile: 'index.js',
      write: false,
      metafile: true,
      sourcemap: true,
      sourcesContent: false,
    });
    bytes = result.outputFiles.find((f) => f.path.endsWith('index.js'))?.contents.length ?? 0;
    const outputs = Object.values((result.metafile as Metafile).outputs);
    inputs = outputs.flatMap((o) => Object.keys(o.inputs).map((f) => f.replaceAll('\\', '/')));
  });

  it(`is at most ${BUDGET_BYTES / 1024} KiB minified`, () => {
    expect(bytes).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(BUDGET_BYTES);
  });

  it('validates with zod/mini: classic zod (its methods defeat tree shaking) stays out', () => {
    expect(inputs.some((f) => f.includes('/zod/v4/mini/'))).toBe(true);
    expect(inputs.filter((f) => f.includes('/zod/v4/classic/'))).toEqual([]);
  });
});
