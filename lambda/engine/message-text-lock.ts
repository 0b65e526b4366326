import { formatAge } from './duration';
import { printable } from './message-format';
import type { NewsKind } from './message-news';
import { forceUnlockCommand, workspaceHint } from './message-shell';
import type { LockReport, ResolvedReport } from './report';

/** Builds the command that releases one lock through the janitor. */
export type ReleaseCommand = (lock: LockReport) => string;

/** One lock for people: where, who, what, how old, why, what happened, and what to do next. */
export function renderLock(lock: LockReport, kind: NewsKind, release: ReleaseCommand): string {
  const lines = [
    `* ${printable(lock.lockId, 2100)}`,
    `    ID:         ${printable(lock.id, 200)}`,
    `    Who:        ${printable(lock.who, 300)}`,
    `    Operation:  ${printable(lock.operation, 200)} (version ${printable(lock.version, 50)})`,
    `    Age:        ${formatAge(lock.ageSeconds)} (Created ${printable(lock.created, 100)})`,
    `    Rule:       ${printable(lock.rule, 200)}`,
    `    Reason:     ${printable(lock.reason, 1000)}`,
    `    Outcome:    ${outcomeText(lock, kind)}`,
  ];
  if (kind === 'stale' || kind === 'failed') lines.push(...nextSteps(lock, release));
  return lines.join('\n');
}

function outcomeText(lock: LockReport, kind: NewsKind): string {
  if (kind === 'deleted') return 'deleted; the audit record keeps its full Info';
  if (kind === 'changed') return 'released or re-taken before the guarded delete; nothing was deleted';
  if (kind === 'failed') return 'the delete failed; the lock is still held';
  return `${lock.outcome} (decision ${lock.decision})`;
}

function nextSteps(lock: LockReport, release: ReleaseCommand): string[] {
  return [
    `    Next steps: make sure no Terraform/OpenTofu run still holds it (ask ${printable(lock.who, 300)}), then either`,
    `      run ${workspaceHint(lock.lockId)}:`,
    `        ${forceUnlockCommand(lock)}`,
    '      or let the janitor release it only if it is still exactly this lock:',
    `        ${release(lock)}`,
  ];
}

/** A lock that disappeared after it had been alerted. */
export function renderResolved(r: ResolvedReport): string {
  return `* ${printable(r.lockId, 2100)} (ID ${printable(r.id, 200)}): the lock is gone`;
}
