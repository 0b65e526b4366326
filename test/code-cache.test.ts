// Tests: the CLI bundle's code cache: a bundle loads as node would load it, its cache is used only for the same bytes and only from a private place.
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { cacheDir, loadBundle } from '../bin/code-cache';
import { CLI_BUILD } from '../scripts/lambda-build';

type Exports = {
  readonly answer: string;
  readonly dir: string;
  readonly file: string;
  readonly sibling: string;
};

/**
 * A CommonJS "bundle" that requires a file beside it and names its own place. `run` loads it as a new CLI process
 * would: from a copy at a path of its own, since V8 answers a source it compiled before in this process from its
 * memory and never reads the cache given (a test would then pass whatever the cache held).
 */
function fixture(answer = 'AAAA') {
  const dir = mkdtempSync(join(tmpdir(), 'tflj-code-cache-'));
  const file = join(dir, 'bundle.js');
  writeBundle(file, answer);
  const cache = join(dir, 'cache');
  /** The side bundle beside it (as `sdk-s3.js` is beside the CLI's), its text a function of `sideWord`. */
  const side = { word: 'side' };
  const run = (key = 'sweep', from: string | undefined = cache) => {
    const copy = mkdtempSync(join(dir, 'run-'));
    writeFileSync(
      join(copy, 'side.js'),
      `function word() { return ${JSON.stringify(side.word)}; }\nmodule.exports = word();\n`,
    );
    copyFileSync(file, join(copy, 'bundle.js'));
    return { loaded: loadBundle<Exports>(join(copy, 'bundle.js'), key, from), copy };
  };
  return { dir, file, cache, run, side };
}

function writeBundle(file: string, answer: string): void {
  writeFileSync(
    file,
    `"use strict";
function answer() { return ${JSON.stringify(answer)}; }
module.exports = { answer: answer(), dir: __dirname, file: __filename, sibling: require('./side.js') };
`,
  );
}

/** The caches in `dir`, the bundle's first (its name is the shorter: a side bundle's adds its own). */
const caches = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.v8cache'))
    .sort((a, b) => a.length - b.length);

describe('loadBundle', () => {
  it('loads a CommonJS bundle as node would: its exports, its own __dirname and __filename, requires beside it', () => {
    // Prepare
    const { run } = fixture();
    // Act
    const { loaded, copy } = run();
    // Assess
    expect(loaded.exports).toEqual({
      answer: 'AAAA',
      dir: copy,
      file: join(copy, 'bundle.js'),
      sibling: 'side',
    });
    expect(loaded.cached).toBe(false);
  });

  it('keeps the cache after the run, privately, and the next run of that command uses it', () => {
    // Prepare
    const { cache, run } = fixture();
    // Act
    run().loaded.save();
    const next = run().loaded;
    const other = run('list').loaded;
    // Assess
    expect(next).toMatchObject({ cached: true, exports: { answer: 'AAAA' } });
    expect(other.cached).toBe(false);
    const [name] = caches(cache);
    expect(name).toMatch(/^cli-[0-9a-f]{64}-sweep\.v8cache$/);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(join(cache, name)).mode & 0o777).toBe(0o600);
  });

  it('keeps a cache for each side bundle the run required, and never runs one for another side bundle of its length', () => {
    // Prepare
    const { cache, run, side } = fixture();
    run().loaded.save();
    const kept = caches(cache);
    // Act: the side bundle upgraded to other code of the same length, beside the same bundle.
    side.word = 'SIDE';
    const upgraded = run().loaded;
    upgraded.save();
    // Assess
    expect(kept).toEqual([
      expect.stringMatching(/^cli-[0-9a-f]{64}-sweep\.v8cache$/),
      expect.stringMatching(/^cli-[0-9a-f]{64}-sweep-side\.js-[0-9a-f]{64}\.v8cache$/),
    ]);
    expect(upgraded).toMatchObject({ cached: true, exports: { sibling: 'SIDE' } });
    expect(caches(cache)).toHaveLength(3);
  });

  it('never runs the cache of other code of the same length, which V8 alone would accept', () => {
    // Prepare: an upgraded bundle, byte for byte as long as the one cached.
    const { file, cache, run } = fixture('AAAA');
    run().loaded.save();
    writeBundle(file, 'BBBB');
    // Act
    const upgraded = run().loaded;
    upgraded.save();
    // Assess: the new code ran, and the old bundle's caches (its own and its side bundle's) are gone.
    expect(upgraded).toMatchObject({ cached: false, exports: { answer: 'BBBB' } });
    expect(caches(cache)).toHaveLength(2);
    expect(run().loaded).toMatchObject({ cached: true, exports: { answer: 'BBBB' } });
  });

  it('removes only the caches of other bundles, never other files of the directory', () => {
    // Prepare
    const { cache, run } = fixture();
    mkdirSync(cache, { mode: 0o700 });
    writeFileSync(join(cache, 'notes.txt'), 'mine');
    writeFileSync(join(cache, `cli-${'0'.repeat(64)}-sweep.v8cache`), 'old');
    // Act
    run().loaded.save();
    // Assess
    expect(readdirSync(cache).sort()).toEqual([
      expect.stringMatching(/^cli-[0-9a-f]{64}-sweep-side\.js-[0-9a-f]{64}\.v8cache$/),
      expect.stringMatching(/^cli-[0-9a-f]{64}-sweep\.v8cache$/),
      'notes.txt',
    ]);
    expect(caches(cache)[0]).not.toContain('0'.repeat(64));
  });

  it('reads no cache that others may write, nor through a link', () => {
    for (const unsafe of ['shared directory', 'linked directory', 'shared file']) {
      // Prepare
      const { dir, cache, run } = fixture();
      run().loaded.save();
      const [name] = caches(cache);
      const linked = join(dir, 'linked');
      if (unsafe === 'shared directory') chmodSync(cache, 0o777);
      if (unsafe === 'linked directory') symlinkSync(cache, linked);
      if (unsafe === 'shared file') chmodSync(join(cache, name), 0o666);
      // Act
      const { loaded } = run('sweep', unsafe === 'linked directory' ? linked : cache);
      // Assess
      expect({ unsafe, cached: loaded.cached }).toEqual({ unsafe, cached: false });
      expect(loaded.exports.answer).toBe('AAAA');
    }
  });

  it('writes no cache into a directory others may write', () => {
    // Prepare
    const { cache, run } = fixture();
    mkdirSync(cache);
    chmodSync(cache, 0o777);
    // Act
    run().loaded.save();
    // Assess
    expect(caches(cache)).toEqual([]);
  });

  it('uses no cache V8 rejects (a damaged file), and writes a good one in its place', () => {
    // Prepare
    const { cache, run } = fixture();
    run().loaded.save();
    const [name] = caches(cache);
    writeFileSync(join(cache, name), 'not a code cache');
    // Act
    const damaged = run().loaded;
    damaged.save();
    // Assess
    expect(damaged).toMatchObject({ cached: false, exports: { answer: 'AAAA' } });
    expect(run().loaded.cached).toBe(true);
  });

  it('runs without a cache where none can be kept, and saving there does not throw', () => {
    // Prepare: the cache directory's parent is a file.
    const { dir, run } = fixture();
    writeFileSync(join(dir, 'plain-file'), '');
    // Act
    const { loaded } = run('sweep', join(dir, 'plain-file', 'cache'));
    // Assess
    expect(() => loaded.save()).not.toThrow();
    expect(loaded.exports.answer).toBe('AAAA');
    expect(run('sweep', undefined).loaded.cached).toBe(false);
  });
});

describe('cacheDir', () => {
  it("is off when node's own switch NODE_DISABLE_COMPILE_CACHE is set", () => {
    expect(cacheDir({ NODE_DISABLE_COMPILE_CACHE: '1', XDG_CACHE_HOME: '/c' }, 'linux')).toBeUndefined();
  });

  it("follows XDG_CACHE_HOME when it is absolute, else the platform's cache directory", () => {
    expect(cacheDir({ XDG_CACHE_HOME: '/c' }, 'linux')).toBe(join('/c', 'tf-lock-janitor'));
    expect(cacheDir({ XDG_CACHE_HOME: 'relative' }, 'linux')).toMatch(/\.cache[/\\]tf-lock-janitor$/);
    expect(cacheDir({}, 'darwin')).toMatch(/Library[/\\]Caches[/\\]tf-lock-janitor$/);
    expect(cacheDir({ HOME: '/home/me' }, 'linux')).toBe(join('/home/me', '.cache', 'tf-lock-janitor'));
    expect(cacheDir({ LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }, 'win32')).toContain('tf-lock-janitor');
  });
});

describe('the CLI bundle', () => {
  it('has no dynamic import, which a bundle run through its code cache (a vm script) could not load', async () => {
    const { outputFiles } = await build({
      ...CLI_BUILD,
      entryPoints: [join(__dirname, '..', 'bin', 'cli.ts')],
      outfile: 'out.js',
      write: false,
    });
    const text = outputFiles[0].text;
    expect(text.length).toBeGreaterThan(100_000);
    expect(text.match(/\bimport\s*\(/g) ?? []).toEqual([]);
  }, 60_000);
});
