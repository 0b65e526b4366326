// Doctor core: the checklist's shape, its text and JSON renderings, and its exit code (pure).
import { printable } from '../../lambda/core/message/format';

/**
 * A check's verdict: `ok` (checked, and fine), `FAIL` (checked, and wrong), `unknown` (could not be checked: never
 * counted as ok).
 */
export type Verdict = 'ok' | 'FAIL' | 'unknown';

/** One line of the checklist: what was checked, what was found, and the fix when it is not ok. */
export type Check = {
  readonly id: CheckId;
  readonly verdict: Verdict;
  /** What was found, in one sentence. */
  readonly detail: string;
  /** What to do about it (absent when ok). */
  readonly fix?: string;
};

/** The checks, in the order the checklist shows them. */
export const CHECK_IDS = [
  'function',
  'schedule',
  'runs',
  'subscriptions',
  'chat',
  'access',
  'dead-letters',
] as const;
export type CheckId = (typeof CHECK_IDS)[number];

/** What each check is about, as the checklist labels it. */
export const CHECK_TITLES: Record<CheckId, string> = {
  function: 'function and policy',
  schedule: 'schedule',
  runs: 'last runs',
  subscriptions: 'alert subscriptions',
  chat: 'chat and Release button',
  access: "role's access",
  'dead-letters': 'dead-letter queue',
};

/** The janitor the doctor looked at. */
export type DoctorTarget = {
  readonly functionName: string;
  readonly region: string;
  readonly stack?: string;
};

/** Exit 0 only when every check is ok; an unknown is not ok. */
export function doctorExitCode(checks: readonly Check[]): 0 | 1 {
  return checks.length > 0 && checks.every((c) => c.verdict === 'ok') ? 0 : 1;
}

/** The last line: the overall verdict in words. */
export function verdictLine(checks: readonly Check[]): string {
  const failed = checks.filter((c) => c.verdict === 'FAIL').length;
  const unknown = checks.filter((c) => c.verdict === 'unknown').length;
  if (failed === 0 && unknown === 0)
    return `All ${checks.length} checks passed: the janitor is deployed and working.`;
  const parts = [failed ? `${failed} failed` : '', unknown ? `${unknown} could not be checked` : ''].filter(
    Boolean,
  );
  return `${parts.join(', ')} of ${checks.length} checks: the janitor is ${failed ? 'not working as deployed' : 'not known to work'}; see each fix above.`;
}

const LABEL_WIDTH = Math.max(...Object.values(CHECK_TITLES).map((t) => t.length));

/** The checklist as text: one line per check (verdict, title, what was found), its fix below, then the verdict. */
export function renderChecklist(target: DoctorTarget, checks: readonly Check[]): string[] {
  const where = target.stack ? ` (stack ${printable(target.stack, 128)})` : '';
  const lines = [
    `tf-lock-janitor doctor: ${printable(target.functionName, 64)} in ${printable(target.region, 30)}${where}`,
  ];
  for (const check of checks) {
    const title = CHECK_TITLES[check.id].padEnd(LABEL_WIDTH);
    lines.push(`  ${check.verdict.padEnd(7)}  ${title}  ${printable(check.detail, 2000)}`);
    if (check.fix)
      lines.push(`  ${' '.repeat(7)}  ${' '.repeat(LABEL_WIDTH)}  fix: ${printable(check.fix, 2000)}`);
  }
  lines.push(verdictLine(checks));
  return lines;
}

/** The checklist for machines: the target, each check (id, title, verdict, detail, fix) and the exit code's verdict. */
export function checklistJson(target: DoctorTarget, checks: readonly Check[]): string {
  return JSON.stringify(
    {
      ...target,
      ok: doctorExitCode(checks) === 0,
      checks: checks.map((c) => ({ ...c, title: CHECK_TITLES[c.id] })),
    },
    null,
    2,
  );
}
