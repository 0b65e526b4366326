// Tests: the code's shape — no import cycles (type-only imports included), a pure core, roles by folder.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const SOURCES = ['bin', 'lib', 'lambda'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sourceFiles(full);
    return /\.ts$/.test(name) && !name.endsWith('.d.ts') ? [full] : [];
  });
}

const files = SOURCES.flatMap((d) => sourceFiles(path.join(ROOT, d)));
const rel = (f: string) => path.relative(ROOT, f);

/** Every module specifier a file names: static imports and re-exports (type-only too), require() and import(). */
function specifiers(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found = [
    ...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms),
    ...text.matchAll(/(?:require|import)\(\s*'([^']+)'\s*\)/g),
  ];
  return found.map((m) => m[1]);
}

function localImports(file: string): string[] {
  return specifiers(file)
    .filter((s) => s.startsWith('.'))
    .map((s) => path.resolve(path.dirname(file), s))
    .map((target) => [`${target}.ts`, path.join(target, 'index.ts')].find((f) => files.includes(f)))
    .filter((f): f is string => f !== undefined);
}

describe('the source layout', () => {
  it('has no import cycles across bin/, lib/ and lambda/ (type-only imports included)', () => {
    const graph = new Map(files.map((f) => [f, localImports(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (f: string, trail: string[]): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(f)), f].map(rel).join(' -> '));
        return;
      }
      state.set(f, 'open');
      for (const next of graph.get(f) ?? []) visit(next, [...trail, f]);
      state.set(f, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the core pure: no AWS SDK, no node: module, no run/adapter/shell import', () => {
    const core = files.filter((f) => rel(f).startsWith(`lambda${path.sep}core`));
    expect(core.length).toBeGreaterThan(10);
    const offences = core.flatMap((f) =>
      specifiers(f)
        .filter(
          (s) =>
            s.startsWith('@aws-sdk/') ||
            s.startsWith('node:') ||
            (!s.startsWith('.') && !['zod/mini', 'zod/locales'].includes(s)),
        )
        .concat(
          localImports(f)
            .filter((t) => !rel(t).startsWith(`lambda${path.sep}core`))
            .map(rel),
        )
        .map((s) => `${rel(f)} imports ${s}`),
    );
    expect(offences).toEqual([]);
  });

  it('keeps the run free of SDK clients and the adapters free of the run', () => {
    const offences = files.flatMap((f) => {
      const r = rel(f);
      const run = r.startsWith(`lambda${path.sep}run`);
      const adapter = r.startsWith(`lambda${path.sep}adapters`);
      return [
        ...(run ? specifiers(f).filter((s) => s.startsWith('@aws-sdk/')) : []),
        ...(adapter
          ? localImports(f)
              .map(rel)
              .filter((t) => t.startsWith(`lambda${path.sep}run`))
          : []),
      ].map((s) => `${r} imports ${s}`);
    });
    expect(offences).toEqual([]);
  });

  it('asks which lock store a lock is in only in the adapters and the one place model (core/place.ts, core/lock-half.ts)', () => {
    const model = ['lambda/core/place.ts', 'lambda/core/lock-half.ts'].map((f) => path.join(ROOT, f));
    const adapters = path.join(ROOT, 'lambda', 'adapters');
    // A comparison with a store's name (`store === 's3'`, `kind !== 'dynamodb'`...), or a lookup keyed by one.
    const SWITCH = /\b(?:store|kind)\s*(?:===|!==|==|!=)\s*'(?:dynamodb|s3)'|'(?:dynamodb|s3)'\s*(?:===|!==)/;
    const offences = files
      .filter((f) => !model.includes(f) && !f.startsWith(adapters))
      .flatMap((f) =>
        readFileSync(f, 'utf8')
          .split('\n')
          .flatMap((line, i) => (SWITCH.test(line) ? [`${rel(f)}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(offences).toEqual([]);
  });

  it('starts every source file with one line that says what it is', () => {
    const missing = files.filter((f) => !/^\/\/ \S.+\n/.test(readFileSync(f, 'utf8'))).map(rel);
    expect(missing).toEqual([]);
  });
});
