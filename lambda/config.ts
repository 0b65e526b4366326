// Lambda shell: the handler's configuration, read and validated from the environment.
import { type JanitorEnvironment, mayDelete } from './core/contract';
import { PolicyError, UsageError } from './core/errors';
import type { RenderOptions } from './core/message/sns';
import { type Policy, parsePolicyJson, policySchema } from './core/policy';
import { METRICS_LEVELS, type MetricsLevel } from './metrics';

/** The handler's configuration, read once per cold start from the environment the stack sets. */
export type HandlerConfig = {
  readonly policy: Policy;
  /** Regions to sweep: `REGIONS`, else the policy's `regions`, else the function's own region. */
  readonly regions: readonly string[];
  /** The function's own region: where the state table and the topic live. */
  readonly homeRegion: string;
  /** SNS topic for run notifications; unset = nobody is told (the report is still logged). */
  readonly topicArn?: string;
  /** The janitor's state table; unset = memory that lasts only while the sandbox stays warm. */
  readonly stateTable?: string;
  /** `RELEASE_ALLOWED=true`: the role may delete in every mode, so single-lock releases are served. */
  readonly releaseAllowed: boolean;
  readonly functionName: string;
  readonly logLevel: string;
  /** In an organization deployment, the member account (`ACCOUNT_ID`) and its alias (`ACCOUNT_ALIAS`, optional). */
  readonly account?: { readonly id: string; readonly alias?: string };
  /** `METRICS`: which run counts become CloudWatch metrics; unset = `errors`. */
  readonly metrics: MetricsLevel;
};

/**
 * Reads and validates the environment: `POLICY` (JSON, the same schema as `cdk synth`), `REGIONS`
 * (comma-separated, optional), `TOPIC_ARN`, `STATE_TABLE`, `RELEASE_ALLOWED`, `LOG_LEVEL`, `METRICS`. Throws PolicyError or UsageError
 * naming the variable and what would be valid.
 */
export function readConfig(env: JanitorEnvironment): HandlerConfig {
  const homeRegion = env.AWS_REGION;
  if (!homeRegion)
    throw new UsageError('AWS_REGION is not set; Lambda sets it, so set it when running elsewhere');
  if (env.POLICY === undefined) {
    throw new UsageError('POLICY is not set; the stack passes the policy as JSON in the POLICY variable');
  }
  const policy = parsePolicyJson(env.POLICY, 'POLICY');
  return {
    policy,
    regions: readRegions(env.REGIONS) ?? policy.regions ?? [homeRegion],
    homeRegion,
    topicArn: nonEmpty(env.TOPIC_ARN),
    stateTable: nonEmpty(env.STATE_TABLE),
    releaseAllowed: env.RELEASE_ALLOWED === 'true',
    functionName: env.AWS_LAMBDA_FUNCTION_NAME ?? 'tf-lock-janitor',
    logLevel: nonEmpty(env.LOG_LEVEL) ?? 'info',
    ...accountOf(env),
    metrics: readMetrics(env.METRICS),
  };
}

/**
 * How the Lambda's messages offer a release: `aws lambda invoke` of this very function (its name and region from
 * the environment Lambda sets), only when it may delete (mode delete, or RELEASE_ALLOWED).
 */
export function renderOptionsOf(config: HandlerConfig): RenderOptions {
  return {
    janitor: {
      functionName: config.functionName,
      region: config.homeRegion,
      canRelease: mayDelete(config.policy.mode, config.releaseAllowed),
      ...(config.account ? { account: config.account } : {}),
    },
  };
}

function accountOf(env: JanitorEnvironment) {
  const id = nonEmpty(env.ACCOUNT_ID);
  if (!id) return {};
  const alias = nonEmpty(env.ACCOUNT_ALIAS);
  return { account: alias ? { id, alias } : { id } };
}

function readMetrics(text: string | undefined): MetricsLevel {
  const level = nonEmpty(text) ?? 'errors';
  if ((METRICS_LEVELS as readonly string[]).includes(level)) return level as MetricsLevel;
  throw new UsageError(`METRICS is ${JSON.stringify(text)}; set "errors" (the default) or "all"`);
}

/** `REGIONS` checked with the policy's own `regions` schema. */
function readRegions(text: string | undefined): string[] | undefined {
  const list = nonEmpty(text)
    ?.split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (!list) return undefined;
  const result = policySchema.shape.regions.safeParse(list);
  if (result.success && result.data) return result.data;
  const problems = result.error?.issues.map((i) => `REGIONS[${i.path.join('.')}]: ${i.message}`) ?? [];
  throw new PolicyError(`REGIONS is not valid:\n  - ${problems.join('\n  - ')}`, problems);
}

function nonEmpty(text: string | undefined): string | undefined {
  return text?.trim() ? text.trim() : undefined;
}
