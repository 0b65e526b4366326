// Lambda shell: the handler's configuration, read and validated from the environment.
import { JANITOR_ENV as ENV, LAMBDA_ENV, mayDelete } from './core/contract';
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
export function readConfig(env: Readonly<Record<string, string | undefined>>): HandlerConfig {
  const homeRegion = env[LAMBDA_ENV.region];
  if (!homeRegion)
    throw new UsageError(`${LAMBDA_ENV.region} is not set; Lambda sets it, so set it when running elsewhere`);
  const policyJson = env[ENV.policy];
  if (policyJson === undefined) {
    throw new UsageError(
      `${ENV.policy} is not set; the stack passes the policy as JSON in the ${ENV.policy} variable`,
    );
  }
  const policy = parsePolicyJson(policyJson, ENV.policy);
  return {
    policy,
    regions: readRegions(env[ENV.regions]) ?? policy.regions ?? [homeRegion],
    homeRegion,
    topicArn: nonEmpty(env[ENV.topicArn]),
    stateTable: nonEmpty(env[ENV.stateTable]),
    releaseAllowed: env[ENV.releaseAllowed] === 'true',
    functionName: env[LAMBDA_ENV.functionName] ?? 'tf-lock-janitor',
    logLevel: nonEmpty(env[ENV.logLevel]) ?? 'info',
    ...accountOf(env),
    metrics: readMetrics(env[ENV.metrics]),
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

function accountOf(env: Readonly<Record<string, string | undefined>>) {
  const id = nonEmpty(env[ENV.accountId]);
  if (!id) return {};
  const alias = nonEmpty(env[ENV.accountAlias]);
  return { account: alias ? { id, alias } : { id } };
}

function readMetrics(text: string | undefined): MetricsLevel {
  const level = nonEmpty(text) ?? 'errors';
  if ((METRICS_LEVELS as readonly string[]).includes(level)) return level as MetricsLevel;
  throw new UsageError(`${ENV.metrics} is ${JSON.stringify(text)}; set "errors" (the default) or "all"`);
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
  const problems = result.error?.issues.map((i) => `${ENV.regions}[${i.path.join('.')}]: ${i.message}`) ?? [];
  throw new PolicyError(`${ENV.regions} is not valid:\n  - ${problems.join('\n  - ')}`, problems);
}

function nonEmpty(text: string | undefined): string | undefined {
  return text?.trim() ? text.trim() : undefined;
}
