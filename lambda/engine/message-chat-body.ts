import { formatAge } from './duration';
import { plural, printable } from './message-format';
import type { NewsCounts, TableNews } from './message-news';
import { forceUnlockCommand, shellWord, workspaceOf } from './message-shell';
import type { ReleaseCommand } from './message-text-lock';
import type { LockReport, RunReport } from './report';

// Chatbot's per-field limits are undocumented: keep the description a few KB and at most 5 next steps
// (Amazon Q Developer in chat applications, "Custom notifications").
const MAX_DESCRIPTION = 3000;
const MAX_STEPS = 5;
const MAX_STEP = 400;
const LINE_ICONS = {
  failed: '🚨 failed delete',
  deleted: '🧹 deleted',
  changed: '↩️ changed',
  stale: '⚠️ stale',
};

function code(value: string, max: number): string {
  return `\`${printable(value, max).replaceAll('`', "'")}\``;
}

/** A markdown digest of the news, whole lines only, at most {@link MAX_DESCRIPTION} characters. */
export function describeNews(report: RunReport, news: readonly TableNews[]): string {
  const lines = [`Run ${code(report.runId, 80)}, mode \`${report.mode}\``];
  let left = MAX_DESCRIPTION - 250 - lines[0].length;
  let hidden = 0;
  const add = (render: () => string): void => {
    const line = hidden ? '' : render();
    if (!line || line.length + 1 > left) {
      hidden++;
      return;
    }
    lines.push(line);
    left -= line.length + 1;
  };
  for (const failure of report.failures) add(() => `🚨 run failure: ${code(failure, 300)}`);
  for (const t of news) {
    add(() => `*${printable(t.region, 30)} / ${printable(t.table, 100)}*`);
    const error = t.error;
    if (error !== undefined) add(() => `• ❌ could not read the table: ${code(error, 300)}`);
    for (const [kind, label] of Object.entries(LINE_ICONS) as [keyof typeof LINE_ICONS, string][]) {
      for (const lock of t.locks[kind]) add(() => `• ${label} ${lockLine(lock)}`);
    }
    for (const r of t.resolved) add(() => `• ✅ resolved ${code(r.lockId, 120)}`);
  }
  if (hidden)
    lines.push(
      `…and ${hidden} more lines: the e-mail lists each lock with its commands, or run \`npx tf-lock-janitor list\``,
    );
  return lines.join('\n');
}

function lockLine(lock: LockReport): string {
  return `${code(lock.lockId, 120)} · ${code(lock.who, 60)} · ${printable(lock.operation, 40)} · ${formatAge(lock.ageSeconds)} · rule ${code(lock.rule, 40)}`;
}

/** At most 5 next steps: the commands for the first lock that needs a person, then what else to check. */
export function chatNextSteps(
  news: readonly TableNews[],
  counts: NewsCounts,
  release: ReleaseCommand,
): string[] {
  const open = news.flatMap((t) => [...t.locks.failed, ...t.locks.stale]);
  const steps = open.length ? lockSteps(open, release) : [];
  if (counts.runFailures) steps.push("Check the janitor's logs for the run failures (audit, state table)");
  if (counts.failedTables)
    steps.push("Check the janitor's logs and permissions for the tables it could not read");
  if (!open.length && counts.deleted)
    steps.push('Nothing to do for deleted locks: the audit record keeps their full Info');
  const regions = [...new Set(news.map((t) => ` --region ${shellWord(t.region)}`))];
  steps.push(`See every lock: \`npx tf-lock-janitor list${regions.length <= 3 ? regions.join('') : ''}\``);
  return steps.slice(0, MAX_STEPS);
}

/** What to do about the first lock that needs a person, and how many more there are. */
function lockSteps(open: readonly LockReport[], release: ReleaseCommand): string[] {
  const [first] = open;
  const ws = workspaceOf(first.lockId);
  const where = ws === undefined ? '' : ` (workspace ${code(ws, 60)})`;
  const steps = [
    `Check that no Terraform/OpenTofu run still holds ${code(first.lockId, 120)} (ask ${code(first.who, 60)})`,
    commandStep(`Then, in its root module${where}`, forceUnlockCommand(first)),
    commandStep('Or release it safely', release(first)),
  ];
  const others = open.length - 1;
  if (others)
    steps.push(
      `${plural(others, 'other lock')} need${others === 1 ? 's' : ''} a look: the e-mail has the commands for each`,
    );
  return steps;
}

/** A step with its command in a code span, or a pointer to the e-mail when the command cannot be shown whole. */
function commandStep(label: string, command: string): string {
  return command.length <= MAX_STEP && !command.includes('`')
    ? `${label}: \`${command}\``
    : `${label} with the command in the e-mail`;
}
