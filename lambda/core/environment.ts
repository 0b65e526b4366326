// Core: the environment of the janitor's and the central release's functions: each variable's name; pure, no SDK.

/**
 * The janitor function's variables. The construct sets them (lib/janitor-function.ts; the account's in an
 * organization, lib/organization/member-janitor-stack.ts), the Lambda reads them at cold start (lambda/config.ts)
 * and the doctor reads them from the deployed function (bin/doctor): each through `JanitorEnvironment`, so a name
 * not listed here does not compile. test/contract.test.ts checks that the construct sets none the Lambda does not
 * read, and that the Lambda reads none that nobody sets.
 */
export const JANITOR_VARIABLES = [
  /** The policy as written (JSON), validated again at cold start with the schema `cdk synth` used. */
  'POLICY',
  /** The janitor's state table; unset: memory that lasts only while the sandbox stays warm. */
  'STATE_TABLE',
  /** The topic notifications go to; unset: nobody is told. */
  'TOPIC_ARN',
  /** `true` with `allowRelease`: the role may delete in every mode, so single-lock releases are served. */
  'RELEASE_ALLOWED',
  /** Which run counts become CloudWatch metrics: `errors` (the default) or `all`. */
  'METRICS',
  /** In an organization deployment, the member account's id, shown in messages. */
  'ACCOUNT_ID',
  /** In an organization deployment, the member account's alias (optional), shown in messages. */
  'ACCOUNT_ALIAS',
  /** The regions to sweep (comma-separated), over the policy's `regions`; set by hand only. */
  'REGIONS',
  /** The log level; `info` when unset; set by hand only. */
  'LOG_LEVEL',
] as const;

/** A variable of the janitor function. */
export type JanitorVariable = (typeof JANITOR_VARIABLES)[number];

/** The janitor's variables the construct never sets: a person may set them on the function. */
export const SET_BY_HAND = ['REGIONS', 'LOG_LEVEL'] as const satisfies readonly JanitorVariable[];

/** What Lambda itself sets in every function, which the janitor reads: its region and its own name. */
export const LAMBDA_VARIABLES = ['AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME'] as const;

/** Set by the construct on both functions for Node.js itself (`--enable-source-maps`); no code of ours reads it. */
export const NODE_OPTIONS = 'NODE_OPTIONS';

/** The janitor function's environment, as the construct sets it and the Lambda and the doctor read it. */
export type JanitorEnvironment = Readonly<
  Partial<Record<JanitorVariable | (typeof LAMBDA_VARIABLES)[number] | typeof NODE_OPTIONS, string>>
>;

/**
 * The central release function's variables: lib/organization/central-release.ts sets them (but `LOG_LEVEL`, set by
 * hand only), lambda/central-release.ts reads them.
 */
export const CENTRAL_RELEASE_VARIABLES = [
  /** The janitor's fixed name in every member account. */
  'MEMBER_FUNCTION_NAME',
  /** The regions the StackSet deploys the janitor to (comma-separated). */
  'MEMBER_REGIONS',
  /** The log level; `info` when unset. */
  'LOG_LEVEL',
] as const;

/** The central release function's environment, as its construct sets it and the function reads it. */
export type CentralReleaseEnvironment = Readonly<
  Partial<Record<(typeof CENTRAL_RELEASE_VARIABLES)[number] | typeof NODE_OPTIONS, string>>
>;
