// CLI: loads the one-file CLI bundle (and the side bundles it requires) through a V8 code cache in the user's cache directory, so every run after the first skips compiling it.
//
// Hand-written, not node's compile cache: Node 20 has none, and Node 22's (`module.enableCompileCache`) keeps what
// V8 compiled as a module was loaded, before any of its functions ran; in a one-file bundle, where nearly every
// function is compiled on its first call, that is little. This keeps the cache V8 makes after a run
// (`vm.Script#createCachedData`), which holds every function the run compiled: about a third of a short command's
// CPU. Two safety rules, because a code cache is code:
// - V8 checks a cache against the length of the source only (and its own version and flags), so a cache is named
//   by the SHA-256 of the bundle's bytes (a side bundle's by its own too) and is never used for other code of the
//   same length;
// - it is read only from a directory and a file that this user owns and nobody else may write.
import { createHash } from 'node:crypto';
import {
  closeSync,
  fstatSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { createRequire, Module } from 'node:module';
import { homedir } from 'node:os';
import { basename, dirname, isAbsolute, join } from 'node:path';
import { Script } from 'node:vm';

/** A loaded bundle's exports, and how to keep its compiled code for the next run. */
export type LoadedBundle<T> = {
  readonly exports: T;
  /** Whether the run used a cache (false: none yet, rejected by V8, or caching is off). */
  readonly cached: boolean;
  /**
   * Writes the cache when the run found none usable: call it once the command has run to its end (its functions
   * compiled), not after a usage error or an interrupt. Never throws: a cache that cannot be kept is not kept.
   */
  save(): void;
};

/**
 * The file names of this directory's caches: `cli-<sha256 of the bundle>-<key>.v8cache`, and for a side bundle
 * `cli-<sha256 of the bundle>-<key>-<file>-<sha256 of the file>.v8cache`.
 */
const NAME = /^cli-([0-9a-f]{64})-[\w.-]+\.v8cache$/;

/**
 * Where caches are kept: `$XDG_CACHE_HOME/tf-lock-janitor`, else the platform's cache directory; undefined when
 * caching is off (`NODE_DISABLE_COMPILE_CACHE`, node's own switch for its compile cache, is set).
 */
export function cacheDir(
  env: NodeJS.ProcessEnv = process.env,
  platform = process.platform,
): string | undefined {
  if (env.NODE_DISABLE_COMPILE_CACHE) return undefined;
  const xdg = env.XDG_CACHE_HOME;
  if (xdg && isAbsolute(xdg)) return join(xdg, 'tf-lock-janitor');
  if (platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'tf-lock-janitor', 'Cache');
  const home = homeOf(env);
  if (!home) return undefined;
  return platform === 'darwin'
    ? join(home, 'Library', 'Caches', 'tf-lock-janitor')
    : join(home, '.cache', 'tf-lock-janitor');
}

/** The user's home: none (no cache) where node cannot tell it (no HOME and no passwd entry for the uid). */
function homeOf(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HOME && isAbsolute(env.HOME)) return env.HOME;
  try {
    return homedir() || undefined;
  } catch {
    return undefined;
  }
}

/** A side bundle beside the CLI bundle, as the bundle requires it (`./sdk-s3.js`): compiled through the cache too. */
const SIDE = /^\.\/[\w.-]+\.js$/;

/** One script run through the cache, and where its cache goes. */
type Compiled = { readonly script: Script; readonly cachePath?: string; readonly cached: boolean };

/**
 * Requires `file` (a CommonJS bundle) as node would, compiled with the cache kept for `key` (the command: each
 * command's run compiles its own functions) when there is a usable one in `dir`; so are the side bundles beside
 * it that it requires (`./sdk-s3.js`), each cache named by both bundles' SHA-256s.
 */
export function loadBundle<T>(
  file: string,
  key: string,
  dir: string | undefined = cacheDir(),
): LoadedBundle<T> {
  const bytes = readFileSync(file);
  const bundle = `cli-${sha256Hex(bytes)}-${key.replace(/[^\w.-]/g, '_')}`;
  const compiled: Compiled[] = [];
  const loaded = new Map<string, unknown>();
  const load = (path: string, name: string, source: Buffer): unknown => {
    const cachePath = dir && join(dir, `${name}.v8cache`);
    const cachedData = cachePath ? readPrivate(dir, cachePath) : undefined;
    // What node's CommonJS loader does, with the bundle compiled as a script whose cache V8 can make after the run.
    const script = new Script(Module.wrap(source.toString('utf8')), { filename: path, cachedData });
    const module = new Module(path);
    module.filename = path;
    loaded.set(path, module.exports);
    const base = createRequire(path);
    const require = Object.assign(
      (id: string) => (SIDE.test(id) ? side(join(dirname(path), id)) : base(id)),
      base,
    );
    const run = script.runInThisContext() as (...args: unknown[]) => void;
    run.call(module.exports, module.exports, require, module, path, dirname(path));
    module.loaded = true;
    loaded.set(path, module.exports);
    compiled.push({ script, cachePath, cached: cachedData !== undefined && !script.cachedDataRejected });
    return module.exports;
  };
  const side = (path: string): unknown => {
    if (loaded.has(path)) return loaded.get(path);
    const source = readFileSync(path);
    return load(path, `${bundle}-${basename(path).replace(/[^\w.-]/g, '_')}-${sha256Hex(source)}`, source);
  };
  const exports = load(file, bundle, bytes) as T;
  const cached = compiled[compiled.length - 1].cached;
  return {
    exports,
    cached,
    save() {
      const fresh = compiled.splice(0).filter((c) => !c.cached && c.cachePath);
      if (!dir || fresh.length === 0) return;
      try {
        for (const c of fresh) writePrivate(dir, c.cachePath!, c.script.createCachedData());
        forgetOthers(dir, bundle);
      } catch {
        // A cache is an optimisation: a directory that cannot be written (read-only home, full disk) costs only time.
      }
    },
  };
}

const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** The file's bytes when the directory and the file are this user's and nobody else may write them. */
function readPrivate(dir: string, path: string): Buffer | undefined {
  try {
    if (!ownedAndPrivate(lstatSync(dir), 'dir')) return undefined;
    const fd = openSync(path, 'r');
    try {
      // Checked on the open file, so a file swapped in between the check and the read is never the one read.
      if (!ownedAndPrivate(fstatSync(fd), 'file')) return undefined;
      return readFileSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** Writes the cache whole or not at all: a temporary file of this process, renamed over the cache. */
function writePrivate(dir: string, path: string, data: Buffer): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!ownedAndPrivate(lstatSync(dir), 'dir')) return;
  const tmp = `${path}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
  } catch (e) {
    closeSync(fd);
    unlinkSync(tmp);
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Removes the caches of other bundles (an upgraded CLI's old ones); never another program's files. */
function forgetOthers(dir: string, bundle: string): void {
  const hash = NAME.exec(`${bundle}.v8cache`)?.[1];
  for (const f of readdirSync(dir)) {
    const match = NAME.exec(f);
    if (match && match[1] !== hash) unlinkSync(join(dir, f));
  }
}

type Stat = { isDirectory(): boolean; isFile(): boolean; uid: number; mode: number };

/** A real directory or file (not a link) of this user that neither group nor others may write. */
function ownedAndPrivate(s: Stat, kind: 'dir' | 'file'): boolean {
  if (!(kind === 'dir' ? s.isDirectory() : s.isFile())) return false;
  // Windows has no uids; its per-user LOCALAPPDATA is the protection there.
  if (typeof process.getuid !== 'function') return true;
  return s.uid === process.getuid() && (s.mode & 0o022) === 0;
}
