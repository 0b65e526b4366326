// Tests: the doctor's SDK clients stay out of the Lambda bundle and the CLI bundle, in a side bundle beside it.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { LAMBDA_BUILD } from '../lib/bundling';
import { CLI_BUILD, DOCTOR_MODULES, sdkSideBuild } from '../scripts/lambda-build';

const ROOT = path.join(__dirname, '..');

async function inputsOf(options: BuildOptions, entry: string): Promise<string[]> {
  const result = await build({
    ...options,
    entryPoints: [path.join(ROOT, entry)],
    outfile: 'out.js',
    write: false,
    metafile: true,
  });
  return Object.values((result.metafile as Metafile).outputs).flatMap((o) =>
    Object.keys(o.inputs).map((f) => f.replaceAll('\\', '/')),
  );
}

const fromDoctorClients = (inputs: string[]) =>
  inputs.filter((f) => DOCTOR_MODULES.some((m) => f.includes(`/${m}/`)));

describe("the doctor's SDK clients", () => {
  it('are not in the Lambda bundle (the handler never loads them: its test alert publishes with SNS)', async () => {
    const inputs = await inputsOf(LAMBDA_BUILD, 'lambda/handler.ts');
    expect(inputs.some((f) => f.endsWith('lambda/core/message/test-alert.ts'))).toBe(true);
    expect(fromDoctorClients(inputs)).toEqual([]);
  });

  it('are outside the CLI bundle, which carries the doctor itself and loads them from its side bundle on first use', async () => {
    const inputs = await inputsOf(CLI_BUILD, 'bin/cli.ts');
    expect(inputs.some((f) => f.endsWith('bin/doctor/command.ts'))).toBe(true);
    expect(fromDoctorClients(inputs)).toEqual([]);
  });

  it('are in the side bundle sdk-doctor.js, not dependencies of the package (a construct app needs none of them)', async () => {
    const { outputFiles } = await build({
      ...sdkSideBuild('sdk-doctor.js'),
      write: false,
      outfile: 'out.js',
    });
    const side = new Function('module', 'require', outputFiles[0].text);
    const loaded = { exports: {} as Record<string, Record<string, unknown>> };
    side(loaded, require);
    for (const m of DOCTOR_MODULES) expect(Object.keys(loaded.exports[m] ?? {}).length).toBeGreaterThan(10);
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
      devDependencies: Record<string, string>;
    };
    for (const m of DOCTOR_MODULES) {
      expect(pkg.dependencies[m]).toBeUndefined();
      expect(pkg.devDependencies[m]).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });
});
