// Core: the policy's field schemas on zod/mini (durations, globs, regions, numbers, flags), with clear messages.
import { type Duration, parseDuration } from './duration';
import { compileGlob, type Glob, globProblem } from './glob';
import { operationGlob, operationVocabulary } from './operations';
import { type PlaceKind, placeGlobProblem } from './place-globs';
import * as z from './zod';

/** A strict object whose unknown-key message lists the keys that would be valid. */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T) {
  const valid = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; valid keys are ${valid}`
        : undefined,
  });
}

/** A string made into T by `make`, which returns a string instead when the text is not valid: the message. */
function parsed<T extends object>(make: (text: string) => T | string) {
  return z.pipe(
    z.string(),
    z.transform((text: string, payload): T => {
      const made = make(text);
      if (typeof made !== 'string') return made;
      // zod/mini's transform has no addIssue: the issue goes straight onto the payload.
      payload.issues.push({ code: 'custom', input: text, message: made });
      return z.NEVER;
    }),
  );
}

export const durationSchema = parsed<Duration>(
  (text) =>
    parseDuration(text) ?? `"${text}" is not a duration; write a whole number and a unit: 90s, 30m, 4h, 7d`,
);

const globSchema = parsed<Glob>((pattern) => {
  const problem = globProblem(pattern);
  return problem ? `"${pattern}" is not a valid glob: ${problem}` : compileGlob(pattern);
});

export const globsSchema = z.pipe(
  z.transform((value: unknown) => (typeof value === 'string' ? [value] : value)),
  z
    .array(globSchema, { message: 'must be a glob string or a list of them' })
    .check(z.minLength(1, 'must list at least one glob')),
);

/**
 * A rule's `operation`: globs over Terraform/OpenTofu's own values and the short words the tables show (`apply`
 * for `OperationTypeApply`); a glob that can match none of them is refused with the list of valid values.
 */
export const operationGlobsSchema = z.pipe(
  globsSchema,
  z.transform((globs: Glob[], payload): Glob[] => {
    const made = globs.map((g) => operationGlob(g));
    const bad = globs.filter((_, i) => made[i] === undefined).map((g) => `"${g.pattern}"`);
    if (bad.length === 0) return made.filter((g): g is Glob => g !== undefined);
    payload.issues.push({
      code: 'custom',
      input: globs.map((g) => g.pattern),
      message: `${bad.join(', ')} ${bad.length === 1 ? 'matches' : 'match'} no operation Terraform or OpenTofu writes, so the rule would never match; valid values (globs allowed): ${operationVocabulary()}`,
    });
    return z.NEVER;
  }),
);

/** A whole number in [min, max], with a message that says so. */
export function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.number({ message }).check(z.int({ message }), z.gte(min, { message }), z.lte(max, { message }));
}

// The geographic prefixes of AWS region names in every partition (aws, aws-cn, aws-us-gov, the ISO ones, EUSC).
const REGION_AREAS = ['af', 'ap', 'ca', 'cn', 'eu', 'eusc', 'il', 'me', 'mx', 'sa', 'us'];
const REGION_NAME = new RegExp(`^(${REGION_AREAS.join('|')})(-[a-z]+)+-\\d{1,2}$`);

/**
 * Region names such as "eu-west-1" (also the release event's `region` and the organization's `regions`): the
 * form of every AWS partition's names, with a known geographic prefix, so a typo ("eu-wset-1" aside) or an
 * availability zone ("eu-west-1a") is refused rather than swept as an empty region.
 */
export const regionSchema = z
  .string()
  .check(
    z.regex(
      REGION_NAME,
      `must be an AWS region name such as "eu-west-1" (starting with ${REGION_AREAS.join(', ')}; not an availability zone)`,
    ),
  );

/** Globs over names of one kind, each refused when it can never match such a name (see core/place-globs.ts). */
function placeGlob(kind: PlaceKind) {
  return parsed<Glob>((pattern) => {
    const problem = globProblem(pattern) ?? placeGlobProblem(kind, pattern);
    return problem ? `"${pattern}" is not a valid glob here: ${problem}` : compileGlob(pattern);
  });
}

/** A rule's `table` or `lockId`: a glob or a list of them, each able to match a name of its kind. */
export const placeGlobsSchema = (kind: PlaceKind) =>
  z.pipe(
    z.transform((value: unknown) => (typeof value === 'string' ? [value] : value)),
    z
      .array(placeGlob(kind), { message: 'must be a glob string or a list of them' })
      .check(z.minLength(1, 'must list at least one glob')),
  );

/** A list of globs over `kind` names (at least `min` when given), `fallback` when the key is missing. */
export const globList = (kind: PlaceKind, fallback: string[], min?: number) =>
  z.pipe(
    z.prefault(
      min === undefined ? z.array(placeGlob(kind)) : z.array(placeGlob(kind)).check(z.minLength(min)),
      fallback,
    ),
    z.transform(asGlobs),
  );

/** The tag that opts a table or bucket out; `false` turns the check off. */
export const optOutTag = z._default(
  z.union([z.string().check(z.minLength(1), z.maxLength(128)), z.literal(false)]),
  'tf-lock-janitor:ignore',
);

/** A boolean with a default, and a message that says what is valid. */
export const flag = (fallback: boolean) =>
  z._default(z.boolean({ message: 'must be true or false' }), fallback);

function asGlobs(globs: Glob[]): readonly Glob[] {
  return globs;
}
