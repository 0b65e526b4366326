// Core: the policy schema, validated once at synth and again at cold start.
import * as z from 'zod';
import { type Duration, parseDuration } from './duration';
import { PolicyError } from './errors';
import { compileGlob, type Glob, globProblem } from './glob';
import { duplicateKeyPath } from './json-keys';
import { evidenceIssues, ruleIssues, shortDurationIssues } from './policy-checks';
import { MODES, type PolicyInput } from './policy-input';

export type {
  EvidenceInput,
  Mode,
  PolicyInput,
  RuleInput,
  RuleMatchInput,
  TablesInput,
} from './policy-input';
export { MODES } from './policy-input';

/** A strict object whose unknown-key message lists the keys that would be valid. */
function strictObject<T extends z.ZodRawShape>(shape: T) {
  const valid = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; valid keys are ${valid}`
        : undefined,
  });
}

const durationSchema = z.string().transform((text, ctx): Duration => {
  const d = parseDuration(text);
  if (!d) {
    ctx.addIssue({
      code: 'custom',
      message: `"${text}" is not a duration; write a whole number and a unit: 90s, 30m, 4h, 7d`,
    });
    return z.NEVER;
  }
  return d;
});

const globSchema = z.string().transform((pattern, ctx): Glob => {
  const problem = globProblem(pattern);
  if (problem) {
    ctx.addIssue({ code: 'custom', message: `"${pattern}" is not a valid glob: ${problem}` });
    return z.NEVER;
  }
  return compileGlob(pattern);
});

const globsSchema = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z
    .array(globSchema, { message: 'must be a glob string or a list of them' })
    .min(1, 'must list at least one glob'),
);

/** A whole number in [min, max], with a message that says so. */
function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.number({ message }).int({ message }).min(min, { message }).max(max, { message });
}

const matchSchema = strictObject({
  table: globsSchema.optional(),
  lockId: globsSchema.optional(),
  operation: globsSchema.optional(),
  who: globsSchema.optional(),
});

const ruleSchema = strictObject({
  name: z.string().min(1, 'a rule needs a name, used in reports and alerts'),
  match: matchSchema.prefault({}),
  alertAfter: durationSchema.optional(),
  deleteAfter: durationSchema.optional(),
  deleteWhenHolderGone: durationSchema.optional(),
}).superRefine((rule, ctx) => {
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
});

const evidenceSchema = strictObject({
  stateWrites: z.boolean({ message: 'must be true or false' }).default(true),
  ec2Hosts: z.boolean({ message: 'must be true or false' }).default(false),
});

const tablesSchema = strictObject({
  include: z.array(globSchema).min(1).prefault(['*']).transform(asGlobs),
  exclude: z.array(globSchema).prefault([]).transform(asGlobs),
  // `false` turns the tag check off (servers without tagging, such as DynamoDB Local): otherwise fail closed.
  optOutTag: z.union([z.string().min(1).max(128), z.literal(false)]).default('tf-lock-janitor:ignore'),
});

const bucketsSchema = strictObject({
  include: z.array(globSchema).prefault([]).transform(asGlobs),
  exclude: z.array(globSchema).prefault([]).transform(asGlobs),
  optOutTag: z.union([z.string().min(1).max(128), z.literal(false)]).default('tf-lock-janitor:ignore'),
});

const DEFAULT_RULES = [{ name: 'default', match: {}, alertAfter: '4h' }];

/** The policy schema (README "The policy"): used at `cdk synth` and again at Lambda cold start. */
export const policySchema = strictObject({
  mode: z.enum(MODES, { message: 'must be one of "report", "alert", "delete"' }).default('alert'),
  regions: z
    .array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region name such as "eu-west-1"'))
    .min(1)
    .optional(),
  tables: tablesSchema.prefault({}),
  buckets: bucketsSchema.prefault({}),
  rules: z.array(ruleSchema).min(1).prefault(DEFAULT_RULES),
  evidence: evidenceSchema.prefault({}),
  minSightings: wholeNumber(1, 1000).default(2),
  sightingGap: durationSchema.prefault('5m'),
  maxDeletionsPerRun: wholeNumber(0, 10000).default(10),
  realertAfter: durationSchema.prefault('24h'),
  allowShortDurations: z.boolean({ message: 'must be true or false' }).default(false),
}).superRefine((policy, ctx) => {
  for (const issue of [
    ...ruleIssues(policy.rules),
    ...shortDurationIssues(policy),
    ...evidenceIssues(policy),
  ])
    ctx.addIssue({ code: 'custom', ...issue });
});

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

function asGlobs(globs: Glob[]): readonly Glob[] {
  return globs;
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'policy';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}
