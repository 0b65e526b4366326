// Core: the policy's cross-field rules: unique names, a final catch-all, no unreachable rule, no short delay.
import type { Duration } from './duration';
import type { Glob } from './glob';

/** A problem at a path of the policy. */
export type PolicyIssue = { readonly path: (string | number)[]; readonly message: string };

/** A validated rule, as far as these checks need it. */
type CheckedRule = {
  readonly name: string;
  readonly match: Readonly<Record<string, readonly Glob[] | undefined>>;
  readonly deleteAfter?: Duration;
  readonly deleteWhenHolderGone?: Duration;
};

/** Durations below this delete or count sightings too soon for a real run (five minutes). */
export const MIN_SAFE_SECONDS = 300;

/** True when the match has no field: the rule matches every lock. */
export function isCatchAll(match: CheckedRule['match']): boolean {
  return Object.values(match).every((globs) => globs === undefined);
}

/** Names are unique, the last rule is a catch-all, and every rule can match some lock no earlier rule takes. */
export function ruleIssues(rules: readonly CheckedRule[]): PolicyIssue[] {
  const issues: PolicyIssue[] = [];
  const seen = new Map<string, number>();
  rules.forEach((rule, i) => {
    if (seen.has(rule.name))
      issues.push({
        path: ['rules', i, 'name'],
        message: `"${rule.name}" is used by an earlier rule; rule names must be unique`,
      });
    seen.set(rule.name, i);
    const earlier = rules.slice(0, i).findIndex((e) => isCatchAll(e.match));
    if (earlier >= 0) {
      issues.push({
        path: ['rules', i],
        message: `rule "${rule.name}" can never match: rule "${rules[earlier].name}" (rules[${earlier}]) before it is a catch-all (empty match); put the catch-all last`,
      });
      return;
    }
    const twin = rules.slice(0, i).findIndex((e) => sameMatch(e.match, rule.match));
    if (twin >= 0 && !isCatchAll(rule.match))
      issues.push({
        path: ['rules', i, 'match'],
        message: `rule "${rule.name}" can never match: rule "${rules[twin].name}" (rules[${twin}]) has exactly the same match and comes first; change the match or remove one`,
      });
  });
  const last = rules[rules.length - 1];
  if (last && !isCatchAll(last.match))
    issues.push({
      path: ['rules', rules.length - 1, 'match'],
      message:
        'the last rule must be a catch-all with an empty match ({}), so every lock is judged by some rule',
    });
  return issues;
}

/** `deleteAfter`, `deleteWhenHolderGone` and `sightingGap` of at least 5 minutes, unless the policy allows shorter ones. */
export function shortDurationIssues(policy: {
  readonly rules: readonly CheckedRule[];
  readonly sightingGap: Duration;
  readonly allowShortDurations: boolean;
}): PolicyIssue[] {
  if (policy.allowShortDurations) return [];
  const issues: PolicyIssue[] = [];
  const check = (path: (string | number)[], d: Duration | undefined, what: string): void => {
    if (d && d.seconds < MIN_SAFE_SECONDS)
      issues.push({
        path,
        message: `"${d.text}" is shorter than 5m: ${what}; use at least "5m", or set "allowShortDurations": true (for tests and demos only)`,
      });
  };
  policy.rules.forEach((rule, i) => {
    check(
      ['rules', i, 'deleteAfter'],
      rule.deleteAfter,
      'a lock that young may belong to a run still working',
    );
    check(
      ['rules', i, 'deleteWhenHolderGone'],
      rule.deleteWhenHolderGone,
      "EC2's answers are eventually consistent, so a just-launched host can look gone",
    );
  });
  check(['sightingGap'], policy.sightingGap, 'runs that close together are not separate sightings');
  return issues;
}

/** A rule's `deleteWhenHolderGone` needs the EC2 host check, or it would silently never act. */
export function evidenceIssues(policy: {
  readonly rules: readonly CheckedRule[];
  readonly evidence: { readonly ec2Hosts: boolean };
}): PolicyIssue[] {
  if (policy.evidence.ec2Hosts) return [];
  return policy.rules.flatMap((rule, i) =>
    rule.deleteWhenHolderGone
      ? [
          {
            path: ['rules', i, 'deleteWhenHolderGone'],
            message: `needs the EC2 host check to act; set "evidence": {"ec2Hosts": true}, or remove deleteWhenHolderGone`,
          },
        ]
      : [],
  );
}

/** Same fields with the same globs (order and repeats aside). */
function sameMatch(a: CheckedRule['match'], b: CheckedRule['match']): boolean {
  const fields = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...fields].every((f) => patterns(a[f]) === patterns(b[f]));
}

function patterns(globs: readonly Glob[] | undefined): string {
  return globs === undefined ? '' : JSON.stringify([...new Set(globs.map((g) => g.pattern))].sort());
}
