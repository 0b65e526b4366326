// Core: shell-style globs for names, LockIDs, operations and Who.
/**
 * Shell-style globs for table names, LockIDs, operations and `Who`: `*` matches any run of characters
 * (slashes included, so `*\/prod/*` matches `bucket/env:/prod/app.tfstate`), `?` one character, and
 * `[abc]`, `[a-z]`, `[!abc]` one character of a set. Everything else matches itself.
 */
export type Glob = { readonly pattern: string; test(value: string): boolean };

const cache = new Map<string, RegExp>();

/** Says why a pattern is not a valid glob, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'an empty pattern matches nothing; use "*" to match everything';
  try {
    toRegExp(pattern);
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/** Compiles a glob; throws when `globProblem` reports one. */
export function compileGlob(pattern: string): Glob {
  let re = cache.get(pattern);
  if (!re) {
    re = toRegExp(pattern);
    cache.set(pattern, re);
  }
  const compiled = re;
  return { pattern, test: (value) => compiled.test(value) };
}

function toRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) throw new Error(`"[" at position ${i + 1} has no closing "]"`);
      let set = pattern.slice(i + 1, end);
      const negate = set.startsWith('!');
      if (negate) set = set.slice(1);
      out += `[${negate ? '^' : ''}${set.replace(/[\\\]^]/g, '\\$&')}]`;
      i = end;
    } else out += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}
