// Core: the Operation values Terraform and OpenTofu write into a lock, and the short words tables show for them.
import type { Glob } from './glob';

/**
 * Every `Operation` Terraform/OpenTofu write (the lock's reason): the operation-type enum of `plan`/`apply`/
 * `refresh` and of commands run locally (`OperationTypeInvalid`: console, import, graph, state show), and the
 * reasons written by other commands (reference: terraform-lock-facts §5).
 */
export const OPERATIONS = [
  'OperationTypeApply',
  'OperationTypePlan',
  'OperationTypeRefresh',
  'OperationTypeInvalid',
  'init',
  'workspace-new',
  'state-replace-provider',
  'state-mv',
  'state-push',
  'state-rm',
  'taint',
  'untaint',
  'migration source state',
  'migration destination state',
  'backend from plan',
  'init is initializing state_store first time',
  'test',
] as const;

const ENUM_PREFIX = 'OperationType';

/** `OperationTypeApply` → `apply`, as `list` and `sweep` show it; other reasons (`init`, `state-mv`) as they are. */
export function shortOperation(operation: string): string {
  return operation.startsWith(ENUM_PREFIX) ? operation.slice(ENUM_PREFIX.length).toLowerCase() : operation;
}

/** The operation words people may write: each value, and the short word for each enum value. */
export function operationWords(): string[] {
  const short = OPERATIONS.filter((o) => o.startsWith(ENUM_PREFIX)).map(shortOperation);
  return [...OPERATIONS, ...short];
}

/**
 * A rule's operation glob as the judge applies it: it matches a lock whose `Operation` it matches, or whose short
 * word it matches (`apply` matches `OperationTypeApply`, as the tables show it). Undefined when the pattern can
 * match no value Terraform or OpenTofu writes: a rule that would silently never match.
 */
export function operationGlob(glob: Glob): Glob | undefined {
  if (!operationWords().some((word) => glob.test(word)) && !glob.test(`${ENUM_PREFIX}(7)`)) return undefined;
  return { ...glob, test: (value) => glob.test(value) || glob.test(shortOperation(value)) };
}

/** The valid operation words, for a message: `OperationTypeApply (apply), ..., init, workspace-new, ...`. */
export function operationVocabulary(): string {
  return OPERATIONS.map((o) => (o.startsWith(ENUM_PREFIX) ? `${o} (${shortOperation(o)})` : o)).join(', ');
}
