// Core: shell-style globs for names, LockIDs, operations and Who, matched in O(pattern × value) at worst.
/**
 * Shell-style globs for table names, LockIDs, operations and `Who`: `*` matches any run of characters
 * (slashes included, so `*\/prod/*` matches `bucket/env:/prod/app.tfstate`), `?` one character, and
 * `[abc]`, `[a-z]`, `[!abc]` one character of a set. Everything else matches itself. Characters are UTF-16
 * units, as in a JavaScript RegExp without the `u` flag.
 *
 * Matching never backtracks more than one `*` deep, so a value costs at most
 * (pattern length + 1) × (value length + 1) steps: lock content (any table writer controls `Who`) can never
 * make a run hang.
 */
export type Glob = {
  readonly pattern: string;
  /** The one value the glob matches when it has no `*`, `?` or set (a table named outright); else undefined. */
  readonly literal: string | undefined;
  test(value: string): boolean;
};

/** One character of the pattern: a literal, `?`, a set, or `*`. */
type Token =
  | { readonly kind: 'char'; readonly code: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'star' }
  | {
      readonly kind: 'set';
      readonly negate: boolean;
      readonly ranges: readonly (readonly [number, number])[];
    };

const cache = new Map<string, readonly Token[]>();

/** Says why a pattern is not a valid glob, or undefined when it is. */
export function globProblem(pattern: string): string | undefined {
  if (pattern.length === 0) return 'an empty pattern matches nothing; use "*" to match everything';
  const tokens = tokenize(pattern);
  return typeof tokens === 'string' ? tokens : undefined;
}

/** Compiles a glob; throws when `globProblem` reports one. */
export function compileGlob(pattern: string): Glob {
  const tokens = compiled(pattern);
  const literal = tokens.every((t) => t.kind === 'char') ? pattern : undefined;
  return { pattern, literal, test: (value) => matchTokens(tokens, value).matched };
}

/**
 * Matches and counts the steps taken (one per value position tried against one pattern position): for
 * tests that prove the cost is bounded without timing it.
 */
export function globSteps(pattern: string, value: string): { matched: boolean; steps: number } {
  return matchTokens(compiled(pattern), value);
}

function compiled(pattern: string): readonly Token[] {
  let tokens = cache.get(pattern);
  if (!tokens) {
    const result = tokenize(pattern);
    if (typeof result === 'string') throw new Error(`"${pattern}" is not a valid glob: ${result}`);
    tokens = result;
    cache.set(pattern, tokens);
  }
  return tokens;
}

/** The pattern's tokens, or the problem. A set's `]` is searched from the second character of the set, so `[]a]` holds `]`. */
function tokenize(pattern: string): Token[] | string {
  const tokens: Token[] = [];
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') tokens.push({ kind: 'star' });
    else if (c === '?') tokens.push({ kind: 'any' });
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) return `"[" at position ${i + 1} has no closing "]"`;
      const set = parseSet(pattern.slice(i + 1, end), i + 2);
      if (typeof set === 'string') return set;
      tokens.push(set);
      i = end;
    } else tokens.push({ kind: 'char', code: pattern.charCodeAt(i) });
  }
  return tokens;
}

/** `!` first negates; `a-z` is a range (left to right, as in a RegExp class); everything else is literal. */
function parseSet(body: string, position: number): Token | string {
  const negate = body.startsWith('!');
  const chars = negate ? body.slice(1) : body;
  const ranges: [number, number][] = [];
  for (let j = 0; j < chars.length; j++) {
    const low = chars.charCodeAt(j);
    if (chars[j + 1] === '-' && j + 2 < chars.length) {
      const high = chars.charCodeAt(j + 2);
      if (high < low)
        return `the range "${chars.slice(j, j + 3)}" at position ${position + j + (negate ? 1 : 0)} is out of order; write the lower character first`;
      ranges.push([low, high]);
      j += 2;
    } else ranges.push([low, low]);
  }
  return { kind: 'set', negate, ranges };
}

function matchesOne(token: Token, code: number): boolean {
  switch (token.kind) {
    case 'char':
      return token.code === code;
    case 'any':
      return true;
    case 'set':
      return token.ranges.some(([low, high]) => code >= low && code <= high) !== token.negate;
    default:
      return false;
  }
}

/**
 * The greedy two-pointer wildcard match: on a mismatch, only the last `*` takes one more character. Each
 * restart moves the value position past the previous one, so the work is bounded by pattern × value.
 */
function matchTokens(tokens: readonly Token[], value: string): { matched: boolean; steps: number } {
  let p = 0;
  let v = 0;
  let star = -1;
  let resume = 0;
  let steps = 0;
  while (v < value.length) {
    steps++;
    const token = tokens[p];
    if (token?.kind === 'star') {
      star = p++;
      resume = v;
    } else if (token && matchesOne(token, value.charCodeAt(v))) {
      p++;
      v++;
    } else if (star >= 0) {
      p = star + 1;
      v = ++resume;
    } else return { matched: false, steps };
  }
  while (tokens[p]?.kind === 'star') {
    steps++;
    p++;
  }
  return { matched: p === tokens.length, steps };
}
