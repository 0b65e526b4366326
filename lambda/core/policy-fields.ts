// Core: the policy's field schemas on zod/mini (durations, globs, regions, numbers, flags), with clear messages.
import { type Duration, parseDuration } from './duration';
import { compileGlob, type Glob, globProblem } from './glob';
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

/** A whole number in [min, max], with a message that says so. */
export function wholeNumber(min: number, max: number) {
  const message = `must be a whole number from ${min} to ${max}`;
  return z.number({ message }).check(z.int({ message }), z.gte(min, { message }), z.lte(max, { message }));
}

/** Region names such as "eu-west-1" (also the release event's `region` and the organization's `regions`). */
export const regionSchema = z
  .string()
  .check(z.regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'must be an AWS region name such as "eu-west-1"'));

/** A list of globs (at least `min` when given), `fallback` when the key is missing. */
export const globList = (fallback: string[], min?: number) =>
  z.pipe(
    z.prefault(
      min === undefined ? z.array(globSchema) : z.array(globSchema).check(z.minLength(min)),
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
