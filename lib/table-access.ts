// CDK: IAM actions and resource patterns for the lock tables, built from the policy.
import type { Policy } from '../lambda/core/policy';

/** DynamoDB actions the janitor needs on every lock table the policy can reach. */
export const LOCK_TABLE_READ_ACTIONS = [
  'dynamodb:DescribeTable',
  'dynamodb:ListTagsOfResource',
  'dynamodb:Scan',
  'dynamodb:GetItem',
] as const;

/** The one write action, granted only when the policy's mode is `delete`. */
export const LOCK_TABLE_DELETE_ACTION = 'dynamodb:DeleteItem';

/**
 * The IAM table-name patterns that cover every table the include globs can match. IAM resource patterns
 * know only `*` and `?`; a glob set (`[a-z]`, `[!x]`) matches exactly one character, so it becomes `?`,
 * a superset. Exclude globs cannot narrow an Allow, so they are left to the sweep. One `*` glob covers all.
 */
export function tableNamePatterns(policy: Policy): string[] {
  const patterns = policy.tables.include.map(({ pattern }) => toIamPattern(pattern));
  if (patterns.includes('*')) return ['*'];
  return [...new Set(patterns)].sort();
}

/** A glob rendered as an IAM resource-name pattern (a superset of what the glob matches). */
export function toIamPattern(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    // Same set syntax as lambda/core/glob.ts: the first character after `[` (or `[!`) may be `]`.
    const end = glob[i] === '[' ? glob.indexOf(']', i + 2) : -1;
    out += end < 0 ? glob[i] : '?';
    if (end >= 0) i = end;
  }
  return out;
}

/**
 * What the function may do on lock tables: read actions always; DeleteItem only in `delete` mode, or when
 * single-lock releases are allowed (`allowRelease`).
 */
export function lockTableActions(policy: Policy, allowRelease = false): string[] {
  return policy.mode === 'delete' || allowRelease
    ? [...LOCK_TABLE_READ_ACTIONS, LOCK_TABLE_DELETE_ACTION]
    : [...LOCK_TABLE_READ_ACTIONS];
}
