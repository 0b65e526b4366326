// CDK: reads and validates the `organization` context key that switches the app to the organization deployment.
import * as z from 'zod';
import { UsageError } from '../../lambda/core/errors';
import { regionSchema } from '../../lambda/core/policy';

/** Where and how the StackSet deploys the janitor; the `organization` context key, validated. */
export type OrganizationSettings = z.infer<typeof organizationSchema>;

/** The longest region name AWS uses today is 14 characters (ap-southeast-2); bucket names stop at 63. */
const MAX_PREFIX = 63 - 1 - 14;

const organizationSchema = z.strictObject({
  organizationId: z
    .string()
    .regex(
      /^o-[a-z0-9]{10,32}$/,
      'must be the AWS Organizations id, such as "o-a1b2c3d4e5" (Organizations console)',
    ),
  organizationalUnits: z
    .array(
      z
        .string()
        .regex(
          /^(ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32})$/,
          'must be an organizational unit id such as "ou-ab12-cd34ef56", or the root "r-ab12"',
        ),
    )
    .min(1, 'name at least one organizational unit to deploy to'),
  regions: z
    .array(regionSchema)
    .min(1, 'name at least one region to deploy the janitor to')
    .refine((list) => new Set(list).size === list.length, 'lists a region twice'),
  callAs: z
    .enum(['SELF', 'DELEGATED_ADMIN'], {
      message: 'must be "SELF" (the management account) or "DELEGATED_ADMIN" (a delegated administrator)',
    })
    .default('SELF'),
  retainStacksOnAccountRemoval: z.boolean({ message: 'must be true or false' }).default(false),
  codeBucketPrefix: z
    .string()
    .regex(
      new RegExp(`^[a-z0-9][a-z0-9-]{2,${MAX_PREFIX - 1}}$`),
      `must be 3-${MAX_PREFIX} lowercase letters, digits and hyphens: the buckets are named "<prefix>-<region>"`,
    )
    .optional(),
  maxConcurrentPercentage: z.number().int().min(1).max(100).default(25),
  failureTolerancePercentage: z.number().int().min(0).max(100).default(10),
});

/** The JSON to write, shown with every problem. */
const EXAMPLE =
  '{"organizationId":"o-a1b2c3d4e5","organizationalUnits":["ou-ab12-cd34ef56"],"regions":["eu-west-1"]}';

/**
 * The `organization` context key: undefined when it is not set (the single-account deployment), else the
 * validated settings. Accepts an object (cdk.json) or JSON text (`-c organization='{...}'`); every problem
 * names its field.
 */
export function readOrganizationContext(value: unknown): OrganizationSettings | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  let raw = value;
  if (typeof value === 'string') {
    try {
      raw = JSON.parse(value);
    } catch (e) {
      throw new UsageError(
        `context "organization": is not valid JSON (${(e as Error).message}); write it as ${EXAMPLE}`,
      );
    }
  }
  const result = organizationSchema.safeParse(raw);
  if (result.success) return result.data;
  const problems = result.error.issues.map(
    (i) => `${['organization', ...i.path.map(String)].join('.')}: ${i.message}`,
  );
  throw new UsageError(
    `context "organization" is not valid:\n  - ${problems.join('\n  - ')}\nFor example: ${EXAMPLE}`,
  );
}
