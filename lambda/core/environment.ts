// Core: the environment of the janitor's and the central release's functions: each variable's name; pure, no SDK.

/**
 * The janitor function's variables. The construct sets them (lib/janitor-function.ts; the account's in an
 * organization, lib/organization/member-janitor-stack.ts), the Lambda reads them at cold start (lambda/config.ts)
 * and the doctor reads them from the deployed function (bin/doctor). test/contract.test.ts checks that the
 * construct sets none the Lambda does not read, and that the Lambda reads none that nobody sets.
 */
export const JANITOR_ENV = {
  /** The policy as written (JSON), validated again at cold start with the schema `cdk synth` used. */
  policy: 'POLICY',
  /** The janitor's state table; unset: memory that lasts only while the sandbox stays warm. */
  stateTable: 'STATE_TABLE',
  /** The topic notifications go to; unset: nobody is told. */
  topicArn: 'TOPIC_ARN',
  /** `true` with `allowRelease`: the role may delete in every mode, so single-lock releases are served. */
  releaseAllowed: 'RELEASE_ALLOWED',
  /** Which run counts become CloudWatch metrics: `errors` (the default) or `all`. */
  metrics: 'METRICS',
  /** In an organization deployment, the member account's id, shown in messages. */
  accountId: 'ACCOUNT_ID',
  /** In an organization deployment, the member account's alias (optional), shown in messages. */
  accountAlias: 'ACCOUNT_ALIAS',
  /** The regions to sweep (comma-separated), over the policy's `regions`; set by hand only. */
  regions: 'REGIONS',
  /** The log level; `info` when unset; set by hand only. */
  logLevel: 'LOG_LEVEL',
} as const;

/** The janitor's variables the construct never sets: a person may set them on the function. */
export const SET_BY_HAND: readonly string[] = [JANITOR_ENV.regions, JANITOR_ENV.logLevel];

/** What Lambda itself sets in every function, which the janitor reads: its region and its own name. */
export const LAMBDA_ENV = { region: 'AWS_REGION', functionName: 'AWS_LAMBDA_FUNCTION_NAME' } as const;

/** Set by the construct on both functions for Node.js itself (`--enable-source-maps`); no code of ours reads it. */
export const NODE_OPTIONS = 'NODE_OPTIONS';

/**
 * The central release function's variables: lib/organization/central-release.ts sets them,
 * lambda/central-release.ts reads them.
 */
export const CENTRAL_RELEASE_ENV = {
  /** The janitor's fixed name in every member account. */
  memberFunctionName: 'MEMBER_FUNCTION_NAME',
  /** The regions the StackSet deploys the janitor to (comma-separated). */
  memberRegions: 'MEMBER_REGIONS',
  /** The log level; `info` when unset; set by hand only. */
  logLevel: 'LOG_LEVEL',
} as const;
