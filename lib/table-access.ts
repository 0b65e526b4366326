// CDK: which lock tables the role may read and delete in, as IAM name patterns built from the policy's globs.
import { mayDelete } from '../lambda/core/contract';
import { compileGlob } from '../lambda/core/glob';
import type { Policy } from '../lambda/core/policy';

/** Describe and tag reads on every lock table the policy can reach: no item data. */
export const LOCK_TABLE_DESCRIBE_ACTIONS = ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'] as const;
/** Item reads, granted only for the attributes in LOCK_ATTRIBUTES (lambda/core/contract.ts). */
export const LOCK_TABLE_ITEM_ACTIONS = [
  'dynamodb:Scan',
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
] as const;
/** The one write action: only in mode `delete` or with `allowRelease`, and only where a glob is exact in IAM. */
export const LOCK_TABLE_DELETE_ACTION = 'dynamodb:DeleteItem';
/** A glob whose sets expand to more IAM patterns than this is granted reads only, on a wider pattern. */
export const MAX_EXPANSION = 32;

/** DynamoDB table names hold only these characters (3-255 of them), so a set need only cover these. */
const TABLE_NAME_CHARS = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789', '_', '.', '-'];

/**
 * A glob as IAM resource-name patterns. IAM knows `*` and `?` with the glob's meaning; a set matches one of
 * a few characters, so `[a-c]ore` is exactly `aore`, `bore`, `core` (sets are cut to the characters a table
 * name may hold). When the expansion would exceed MAX_EXPANSION, the sets become `?`: a wider pattern.
 */
export type IamNames =
  | { readonly exact: true; readonly patterns: readonly string[] }
  | { readonly exact: false; readonly pattern: string; readonly reason: string };

/** The glob's IAM name patterns: exactly the same table names, or one wider pattern with the reason. */
export function iamNames(glob: string): IamNames {
  const parts = globParts(glob);
  const expansion = parts.reduce((n, part) => n * (typeof part === 'string' ? 1 : part.length), 1);
  if (expansion <= MAX_EXPANSION) {
    const patterns = parts.reduce<string[]>(
      (prefixes, part) =>
        typeof part === 'string'
          ? prefixes.map((p) => p + part)
          : prefixes.flatMap((p) => part.map((c) => p + c)),
      [''],
    );
    return { exact: true, patterns };
  }
  const pattern = parts.map((part) => (typeof part === 'string' ? part : '?')).join('');
  return {
    exact: false,
    pattern,
    reason: `its sets expand to ${expansion} names, more than the ${MAX_EXPANSION} the janitor writes out`,
  };
}

/** The glob as literal runs (with IAM's `*` and `?`) and sets, each set as its table-name characters. */
function globParts(glob: string): (string | string[])[] {
  const parts: (string | string[])[] = [];
  for (let i = 0; i < glob.length; i++) {
    // Same set syntax as lambda/core/glob.ts: the first character after `[` (or `[!`) may be `]`.
    const end = glob[i] === '[' ? glob.indexOf(']', i + 2) : -1;
    if (end < 0) {
      parts.push(glob[i]);
      continue;
    }
    // The members are found with the engine's own matcher, so the expansion means what the sweep means.
    const set = compileGlob(glob.slice(i, end + 1));
    const members = TABLE_NAME_CHARS.filter((c) => set.test(c));
    parts.push(members.length === 1 ? members[0] : members);
    i = end;
  }
  return parts;
}

/** The lock-table access the role gets, as table-name patterns (one region's worth). */
export type LockTableAccess = {
  /** Describe, tag reads and item reads (Scan, GetItem): every include glob, exact or wider. */
  readonly read: readonly string[];
  /** DeleteItem: only the include globs IAM expresses exactly; empty when the policy allows no deletes. */
  readonly delete: readonly string[];
  /** DeleteItem denied: the exclude globs IAM expresses exactly (only when DeleteItem is granted). */
  readonly denyDelete: readonly string[];
  /** The include globs granted reads on a wider pattern, and why. */
  readonly widened: readonly { readonly glob: string; readonly pattern: string; readonly reason: string }[];
};

/**
 * The role's access to lock tables: reads on every include glob (a glob IAM cannot express gets a wider
 * pattern and the sweep filters by the glob in code); DeleteItem only in mode `delete` or with
 * `allowRelease`, and never on a wider pattern; an explicit deny of DeleteItem on exact exclude globs.
 */
export function lockTableAccess(policy: Policy, allowRelease = false): LockTableAccess {
  return globAccess(policy.tables, mayDelete(policy.mode, allowRelease));
}

/**
 * The same for any place named by include/exclude globs (lock tables, state buckets): reads on every include
 * glob (exact, or wider), deletes only where exact and only when `canDelete`, denies on exact excludes.
 */
export function globAccess(
  places: Pick<Policy['tables'], 'include' | 'exclude'>,
  canDelete: boolean,
): LockTableAccess {
  const includes = places.include.map(({ pattern }) => ({ glob: pattern, names: iamNames(pattern) }));
  const exact = includes.flatMap(({ names }) => (names.exact ? names.patterns : []));
  const widened = includes.flatMap(({ glob, names }) =>
    names.exact ? [] : [{ glob, pattern: names.pattern, reason: names.reason }],
  );
  const deletes = canDelete ? collapse(exact) : [];
  const excluded = places.exclude.flatMap(({ pattern }) => {
    const names = iamNames(pattern);
    return names.exact ? names.patterns : [];
  });
  return {
    read: collapse([...exact, ...widened.map((w) => w.pattern)]),
    delete: deletes,
    denyDelete: deletes.length > 0 ? collapse(excluded) : [],
    widened,
  };
}

/** Sorted and without duplicates; one `*` covers all. */
function collapse(patterns: readonly string[]): string[] {
  if (patterns.includes('*')) return ['*'];
  return [...new Set(patterns)].sort();
}
