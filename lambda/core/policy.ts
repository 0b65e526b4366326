// Core: the policy schema, validated once at synth and again at cold start.
import { CONCURRENCY } from './concurrency';
import { PolicyError } from './errors';
import { duplicateKeyPath } from './json-keys';
import { evidenceIssues, ruleIssues, shortDurationIssues } from './policy-checks';
import {
  durationSchema,
  flag,
  globList,
  globsSchema,
  operationGlobsSchema,
  optOutTag,
  placeGlobsSchema,
  regionSchema,
  strictObject,
  wholeNumber,
} from './policy-fields';
import { MODES, type PolicyInput } from './policy-input';
import * as z from './zod';

export { regionSchema } from './policy-fields';
export type {
  EvidenceInput,
  Mode,
  PolicyInput,
  RuleInput,
  RuleMatchInput,
  TablesInput,
} from './policy-input';
export { MODES } from './policy-input';

const matchSchema = strictObject({
  table: z.optional(placeGlobsSchema('rule-table')),
  lockId: z.optional(placeGlobsSchema('lockId')),
  operation: z.optional(operationGlobsSchema),
  who: z.optional(globsSchema),
});

const ruleSchema = strictObject({
  name: z.string().check(z.minLength(1, 'a rule needs a name, used in reports and alerts')),
  match: z.prefault(matchSchema, {}),
  alertAfter: z.optional(durationSchema),
  deleteAfter: z.optional(durationSchema),
  deleteWhenHolderGone: z.optional(durationSchema),
}).check(
  z.superRefine((rule, ctx) => {
    const { alertAfter, deleteAfter, deleteWhenHolderGone: whenGone } = rule;
    if (alertAfter && deleteAfter && deleteAfter.seconds < alertAfter.seconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['deleteAfter'],
        message: `"${deleteAfter.text}" is shorter than alertAfter "${alertAfter.text}"; deleteAfter must be at least alertAfter`,
      });
    }
    // Past deleteAfter a lock is deleted whatever its host, so a longer deleteWhenHolderGone would never act.
    if (whenGone && deleteAfter && whenGone.seconds > deleteAfter.seconds) {
      ctx.addIssue({
        code: 'custom',
        path: ['deleteWhenHolderGone'],
        message: `"${whenGone.text}" is longer than deleteAfter "${deleteAfter.text}", so it would never act; deleteWhenHolderGone must be at most deleteAfter`,
      });
    }
  }),
);

const evidenceSchema = strictObject({
  stateWrites: flag(true),
  ec2Hosts: flag(false),
});

const tablesSchema = strictObject({
  include: globList('table', ['*'], 1),
  exclude: globList('table', []),
  // `false` turns the tag check off (servers without tagging, such as DynamoDB Local): otherwise fail closed.
  optOutTag,
});

const bucketsSchema = strictObject({
  include: globList('bucket', []),
  exclude: globList('bucket', []),
  optOutTag,
});

const DEFAULT_RULES = [{ name: 'default', match: {}, alertAfter: '4h' }];

/** The policy schema (README "The policy"): used at `cdk synth` and again at Lambda cold start. */
export const policySchema = strictObject({
  mode: z._default(z.enum(MODES, { message: 'must be one of "report", "alert", "delete"' }), 'alert'),
  regions: z.optional(z.array(regionSchema).check(z.minLength(1))),
  tables: z.prefault(tablesSchema, {}),
  buckets: z.prefault(bucketsSchema, {}),
  rules: z.prefault(z.array(ruleSchema).check(z.minLength(1)), DEFAULT_RULES),
  evidence: z.prefault(evidenceSchema, {}),
  minSightings: z._default(wholeNumber(1, 1000), 2),
  sightingGap: z.prefault(durationSchema, '5m'),
  maxDeletionsPerRun: z._default(wholeNumber(0, 10000), 10),
  concurrency: z.optional(wholeNumber(CONCURRENCY.min, CONCURRENCY.max)),
  realertAfter: z.prefault(durationSchema, '24h'),
  allowShortDurations: flag(false),
}).check(
  z.superRefine((policy, ctx) => {
    for (const issue of [
      ...ruleIssues(policy.rules),
      ...shortDurationIssues(policy),
      ...evidenceIssues(policy),
    ])
      ctx.addIssue({ code: 'custom', ...issue });
  }),
);

// The written PolicyInput is what the schema accepts, key for key (a compile-time check).
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const inputFits: PolicyInput extends z.input<typeof policySchema> ? true : false = true;
const sameKeys: Same<keyof PolicyInput, keyof z.input<typeof policySchema>> = true;
void [inputFits, sameKeys];

/** The validated policy: defaults filled, durations and globs compiled. */
export type Policy = z.output<typeof policySchema>;
export type Rule = Policy['rules'][number];
export type RuleMatch = Rule['match'];

/**
 * Validates a policy (an object; `{}` is the default policy); throws a PolicyError naming every bad field
 * and what would be valid.
 */
export function parsePolicy(input: unknown): Policy {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    const got = input === null ? 'null' : Array.isArray(input) ? 'a list' : typeof input;
    throw invalid([{ path: [], message: `must be a JSON object such as {"mode": "alert"}, not ${got}` }]);
  }
  const result = policySchema.safeParse(input);
  if (result.success) return result.data;
  throw invalid(result.error.issues);
}

function invalid(found: readonly { path: readonly PropertyKey[]; message: string }[]): PolicyError {
  const issues = found.map((issue) => `${formatPath(issue.path)}: ${issue.message}`);
  return new PolicyError(`The policy is not valid:\n  - ${issues.join('\n  - ')}`, issues);
}

/** Parses a policy from JSON text, with a clear message when the text is not JSON at all. */
export function parsePolicyJson(text: string, source = 'the policy'): Policy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new PolicyError(
      `${source} is not valid JSON (${(e as Error).message}); fix the syntax and try again`,
    );
  }
  const duplicate = duplicateKeyPath(text);
  if (duplicate !== undefined) {
    const issue = `${duplicate}: is given twice in one object of ${source} (JSON would keep only the last); remove one of them`;
    throw new PolicyError(`The policy is not valid:\n  - ${issue}`, [issue]);
  }
  return parsePolicy(value);
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'policy';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}
