// CLI: the flags of `doctor` and `test-alert`, and their usage text.
import { parseArgs } from 'node:util';
import { UsageError } from '../../lambda/core/errors';
import { resolveRegions } from '../cli-context';

export const DOCTOR_USAGE = `Usage: tf-lock-janitor doctor (--function NAME | --stack NAME) [--region R] [--profile NAME] [--json]
       tf-lock-janitor test-alert (--function NAME | --stack NAME) [--region R] [--profile NAME] [--json]

doctor      checks a deployed janitor, read-only: its function and policy, schedule, last runs, alert
            subscriptions (pending confirmation), chat channel, the role's access to the policy's tables and
            buckets (IAM simulation) and the dead-letter queue. One line per check: ok, FAIL (with the fix) or
            unknown (could not be checked). Exit 0 only when every check is ok, 1 otherwise, 2 bad usage.
test-alert  asks the janitor to publish one labelled test notification to its e-mail and chat subscribers
            (lambda:InvokeFunction on it); in chat its Release lock button names no real lock and is refused.
            Exit 0 when SNS accepted it, 1 otherwise, 2 bad usage.

  --function NAME   the janitor's Lambda function (the stack output FunctionName; default name tf-lock-janitor)
  --stack NAME      a CloudFormation stack holding one janitor (its function is found among the stack's)
  --region R        the janitor's region (default: the profile's region, else AWS_REGION)
  --profile NAME    named profile of ~/.aws/config for credentials and region (default: AWS_PROFILE)
  --json            machine-readable output (also --output json; --output text is the default)
Credentials: the AWS SDK's own chain (the profile, environment, SSO, instance role).`;

const OPTIONS = {
  function: { type: 'string' },
  stack: { type: 'string' },
  region: { type: 'string', multiple: true },
  profile: { type: 'string' },
  json: { type: 'boolean' },
  output: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** What both commands are pointed at. */
export type Want = {
  readonly functionName?: string;
  readonly stack?: string;
  readonly region: string;
  /** `--profile`: the SDK takes credentials (and, without --region, the region) from it. */
  readonly profile?: string;
  readonly json: boolean;
};

/** The flags of `doctor` and `test-alert`; a usage error names the problem and shows this command's usage. */
export async function parseWant(command: string, argv: string[]): Promise<Want | 'help'> {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; options: typeof OPTIONS; allowPositionals: true }>
  >;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(`${command}: ${(e as Error).message}\n\n${DOCTOR_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return 'help';
  if (positionals.length)
    throw new UsageError(`${command}: unexpected argument "${positionals[0]}"\n\n${DOCTOR_USAGE}`);
  if ((values.function === undefined) === (values.stack === undefined))
    throw new UsageError(
      `${command}: name the janitor with --function NAME or --stack NAME (one of them)\n\n${DOCTOR_USAGE}`,
    );
  if (values.output !== undefined && !['json', 'text'].includes(values.output))
    throw new UsageError(
      `${command}: --output ${JSON.stringify(values.output)} is not a format; use json or text`,
    );
  const regions = await resolveRegions({ region: values.region, profile: values.profile });
  if (regions.length > 1)
    throw new UsageError(`${command}: works on one janitor in one region: pass --region once`);
  return {
    ...(values.function !== undefined ? { functionName: values.function } : {}),
    ...(values.stack !== undefined ? { stack: values.stack } : {}),
    region: regions[0],
    ...(values.profile !== undefined ? { profile: values.profile } : {}),
    json: values.json === true || values.output === 'json',
  };
}
