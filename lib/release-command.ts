// CDK: the chat Release button's command text, and the checks that keep it within Amazon Q Developer's limits.

/** The janitor function's name unless `functionName` says otherwise; short so the button's command fits. */
export const DEFAULT_FUNCTION_NAME = 'tf-lock-janitor';

/**
 * Where a custom action reads a custom notification's `metadata.additionalContext`. The prefix is the one used
 * by several independent public CDK and Terraform codebases with `notificationType: "Custom"`; AWS documentation
 * does not spell it out (one other codebase uses `$.metadata.additionalContext.`), so it lives here only.
 */
export const ADDITIONAL_CONTEXT_PATH = 'event.metadata.additionalContext.';

/** The custom action's one variable, filled from the notification and written `$payload` in the command. */
export const PAYLOAD_VARIABLE = 'payload';

/** The button's label (Amazon Q Developer allows 1-50 characters). */
export const RELEASE_BUTTON_TEXT = 'Release lock';

/**
 * The positional `outfile` of `lambda invoke`, as in the e-mailed command. Unconfirmed whether Amazon Q Developer
 * needs it at all (AWS's SDK examples of custom actions write `lambda invoke $functionName` with none).
 */
export const RELEASE_OUTFILE = '/dev/stdout';

/** `CustomActionDefinition.CommandText`: 1-100 characters (Amazon Q Developer API reference). */
export const MAX_COMMAND_LENGTH = 100;

/**
 * The longest name of a region Amazon Q Developer runs in (`ap-southeast-1`, `ap-northeast-1`): the length
 * assumed for the command's `--region` while an environment-agnostic stack's region is a token.
 */
export const LONGEST_REGION_LENGTH = 14;

/** Lambda function names (unqualified): letters, digits, `-` and `_`, 1-64 characters. */
const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * The command the button runs (no leading `aws`; no shell). `--payload` takes base64, AWS CLI v2's default for
 * blob parameters, which is how the payload travels in the notification. `--region` pins the function's region:
 * a channel's commands otherwise run in the channel's default region, which a user may change.
 */
export function releaseCommand(functionName: string, region: string): string {
  return `lambda invoke --function-name ${functionName} --region ${region} --payload $${PAYLOAD_VARIABLE} ${RELEASE_OUTFILE}`;
}

/**
 * The custom action's name: one per function and region, since custom actions are account-wide. ActionName allows
 * 64 characters (`[a-zA-Z0-9_-]`), so any name that fits the command (at most 29 - region length) fits here too.
 */
export function releaseActionName(functionName: string, region: string): string {
  return `${functionName}-release-${region}`;
}

/** Why `functionName` is not a Lambda function name, or undefined when it is. */
export function functionNameProblem(name: string): string | undefined {
  if (FUNCTION_NAME.test(name)) return undefined;
  return `functionName: ${JSON.stringify(name)} is not a Lambda function name; use 1-64 letters, digits, "-" or "_", such as "${DEFAULT_FUNCTION_NAME}"`;
}

/**
 * Why the Release button cannot be made for this function name, or undefined when it can: the command text, once
 * deployed, must fit 100 characters. `region` is undefined while the stack's region is unknown at synth.
 */
export function releaseButtonProblem(functionName: string, region: string | undefined): string | undefined {
  const assumedRegion = region ?? 'x'.repeat(LONGEST_REGION_LENGTH);
  const length = releaseCommand(functionName, assumedRegion).length;
  if (length <= MAX_COMMAND_LENGTH) return undefined;
  const maxName = MAX_COMMAND_LENGTH - (length - functionName.length);
  const where = region
    ? `in ${region}`
    : `in a region of up to ${LONGEST_REGION_LENGTH} characters (the stack's region is not known at synth)`;
  return (
    `functionName: "${functionName}" (${functionName.length} characters) makes the chat Release button's command ` +
    `${length} characters long ${where}, more than the ${MAX_COMMAND_LENGTH} Amazon Q Developer allows; ` +
    `use a name of at most ${maxName} characters${region ? '' : ', or give the stack an explicit region (env)'}`
  );
}
