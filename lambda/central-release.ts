// Lambda shell: the central release function: forwards a Release from the central chat to a member account's janitor.
import type { Context } from 'aws-lambda';
import type { CentralReleaseEnvironment } from './core/contract';
import { JanitorError, UsageError } from './core/errors';
import { type ReleasePayload, releasePayload } from './events';
import { createLogger, type Logger, setRequestId } from './logger';
import { perRegion } from './per-region';

/** Which member janitor a release goes to, and the release it gets. */
export type CentralReleaseRequest = {
  readonly account: string;
  /** The member janitor's own region: `janitorRegion`, else the lock's `region`. */
  readonly janitorRegion: string;
  readonly release: ReleasePayload;
};

/** What the function knows from its environment (set by lib/organization/central-release.ts). */
export type CentralReleaseConfig = {
  /** `MEMBER_FUNCTION_NAME`: the janitor's fixed name in every member account. */
  readonly functionName: string;
  /** `MEMBER_REGIONS`: the regions the StackSet deploys to (comma-separated). */
  readonly regions: readonly string[];
  /**
   * The account this function runs in (from its own ARN): never a member janitor's, so never forwarded to (a plain
   * janitor there is not the organization's to release through).
   */
  readonly ownAccount?: string;
};

/** Invokes a function by ARN in its region with a JSON payload; answers its status and JSON. */
export type Invoke = (
  functionArn: string,
  region: string,
  payload: string,
) => Promise<{ readonly functionError?: string; readonly payload: string }>;

/**
 * Reads `{"release": {...the member's release payload..., "account": "<12 digits>", "janitorRegion"?: "..."}}`.
 * `account` and `janitorRegion` are taken off; the rest is checked as the member janitor checks it.
 */
export function centralReleaseRequest(event: unknown, config: CentralReleaseConfig): CentralReleaseRequest {
  const raw = typeof event === 'object' && event !== null && 'release' in event ? event.release : undefined;
  if (typeof raw !== 'object' || raw === null) {
    throw new UsageError(
      'Send {"release": {..., "account": "123456789012"}}: the release the member janitor takes, plus its account',
    );
  }
  const { account, janitorRegion, ...rest } = raw as Record<string, unknown>;
  if (typeof account !== 'string' || !/^[0-9]{12}$/.test(account)) {
    throw new UsageError(`release.account: ${JSON.stringify(account)} is not a 12-digit AWS account id`);
  }
  if (account === config.ownAccount) {
    throw new UsageError(
      `release.account: ${account} is the central account itself; the central release forwards only to the member janitors of the organization`,
    );
  }
  const release = releasePayload({ release: rest });
  if (!release) throw new UsageError('release: is missing');
  const region = janitorRegion ?? release.region;
  if (typeof region !== 'string' || !config.regions.includes(region)) {
    throw new UsageError(
      `release.janitorRegion: ${JSON.stringify(region)} is not a region the janitor is deployed to (${config.regions.join(', ')}); give "janitorRegion" or "region"`,
    );
  }
  return { account, janitorRegion: region, release };
}

/** Forwards the release to the member janitor and returns its answer, with where it ran. */
export async function forwardRelease(
  event: unknown,
  config: CentralReleaseConfig,
  partition: string,
  invoke: Invoke,
): Promise<Record<string, unknown>> {
  const { account, janitorRegion, release } = centralReleaseRequest(event, config);
  const arn = `arn:${partition}:lambda:${janitorRegion}:${account}:function:${config.functionName}`;
  const answer = await invoke(arn, janitorRegion, JSON.stringify({ release }));
  const body = parseAnswer(answer.payload);
  if (answer.functionError) {
    const message = typeof body?.errorMessage === 'string' ? body.errorMessage : answer.payload;
    throw new JanitorError(
      `The janitor in account ${account} (${janitorRegion}) did not release: ${message}`,
    );
  }
  return { account, janitorRegion, ...body };
}

function parseAnswer(text: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === 'object' && value !== null
      ? (value as Record<string, unknown>)
      : { answer: value };
  } catch {
    return { answer: text };
  }
}

/** The part of @aws-sdk/client-lambda the function uses. */
type LambdaSdk = {
  LambdaClient: new (config: { region: string }) => { send(command: unknown): Promise<InvokeOutput> };
  InvokeCommand: new (input: { FunctionName: string; Payload: Uint8Array }) => unknown;
};
type InvokeOutput = { FunctionError?: string; Payload?: Uint8Array };

/** Lambda's Node.js runtimes include AWS SDK v3; the bundle leaves @aws-sdk/* out and takes the runtime's. */
function sdkInvoke(): Invoke {
  const sdk = require('@aws-sdk/client-lambda') as LambdaSdk;
  const clients = perRegion((region) => new sdk.LambdaClient({ region }));
  return async (functionArn, region, payload) => {
    const out = await clients(region).send(
      new sdk.InvokeCommand({ FunctionName: functionArn, Payload: new TextEncoder().encode(payload) }),
    );
    return {
      functionError: out.FunctionError,
      payload: new TextDecoder().decode(out.Payload ?? new Uint8Array()),
    };
  };
}

/** `MEMBER_FUNCTION_NAME` and `MEMBER_REGIONS`, checked. */
export function readCentralReleaseConfig(env: CentralReleaseEnvironment): CentralReleaseConfig {
  const functionName = env.MEMBER_FUNCTION_NAME?.trim();
  const regions = (env.MEMBER_REGIONS ?? '')
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (!functionName || regions.length === 0) {
    throw new UsageError(
      'MEMBER_FUNCTION_NAME and MEMBER_REGIONS must be set; the organization stack sets them',
    );
  }
  return { functionName, regions };
}

let invoker: Invoke | undefined;
let logger: Logger | undefined;

/** The entry point the chat button invokes: `{"release": {..., "account"}}`. Logs the request and the answer. */
export async function handler(event: unknown, context: Context): Promise<Record<string, unknown>> {
  setRequestId(context.awsRequestId);
  invoker ??= sdkInvoke();
  const env: CentralReleaseEnvironment = process.env;
  logger ??= createLogger(env.LOG_LEVEL?.trim() || 'info');
  const partition = context.invokedFunctionArn.split(':')[1] ?? 'aws';
  try {
    const ownAccount = context.invokedFunctionArn.split(':')[4];
    const config = { ...readCentralReleaseConfig(env), ...(ownAccount ? { ownAccount } : {}) };
    const answer = await forwardRelease(event, config, partition, invoker);
    logger.info({ event, answer }, 'release forwarded');
    return answer;
  } catch (err) {
    logger.error({ event, err }, 'release not forwarded');
    throw err;
  }
}
