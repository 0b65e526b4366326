// CLI wiring: the regions, and the clients and stores of lambda/wiring.ts, from the flags.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { partition } from '@aws-sdk/core/client';
import { loadSharedConfigFiles } from '@smithy/core/config';
import { awsClientConfig, type CallTimeouts } from '../lambda/adapters/aws-client-config';
import { UsageError } from '../lambda/core/errors';
import type { LockfileStore } from '../lambda/core/lockfile-port';
import { printable } from '../lambda/core/message/format';
import { commandOrWhy, shellCommand, shellWord } from '../lambda/core/message/shell';
import { lockStoresOn, type Wiring, wire } from '../lambda/wiring';

/** Flags that say where AWS is and who calls it. */
export type AwsFlags = {
  readonly region?: readonly string[];
  readonly endpoint?: string;
  /** A named profile of the shared config files; AWS_PROFILE when absent (the SDK reads it). */
  readonly profile?: string;
  /** Per-call timeouts (tests shorten them). */
  readonly timeouts?: CallTimeouts;
};

// Local DynamoDB-compatible servers accept any credentials, but the SDK still wants some.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/**
 * The client options for `flags`: the janitor's timeouts and retries, `--endpoint`, `--profile`; placeholder
 * credentials for a local server when none are configured. Credentials and everything else come from the SDK's
 * own chain (env, profile, SSO, container, instance), which also honours AWS_ENDPOINT_URL_DYNAMODB and _S3.
 */
export function clientOptions(flags: AwsFlags, region: string) {
  const configured = process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE || flags.profile;
  return {
    region,
    endpoint: flags.endpoint,
    credentials: flags.endpoint && !configured ? LOCAL_CREDENTIALS : undefined,
    timeouts: flags.timeouts,
  };
}

/** `--profile`, for a client's options (the SDK then takes credentials and region settings from it). */
function profileOf(flags: AwsFlags): { profile?: string } {
  return flags.profile ? { profile: flags.profile } : {};
}

/**
 * True when the AWS SDK's partition data names `region` (`eu-west-1`, `eusc-de-east-1` in aws-eusc,
 * `cn-north-1`...), or a partition other than the default one claims its pattern. Pseudo-regions such as
 * `aws-global` are not regions to read.
 */
export function isKnownRegion(region: string): boolean {
  const found = partition(region) as { name: string; description?: string };
  if (region.startsWith('aws-')) return false;
  return found.description !== undefined || found.name !== 'aws';
}

/**
 * The regions to work in: `--region`, else the policy's, else the SDK's own region chain (AWS_REGION, the
 * profile's `region` in ~/.aws/config), else AWS_DEFAULT_REGION; `--endpoint` alone implies us-east-1. Each must
 * be a region of the SDK's partition data.
 */
export async function resolveRegions(flags: AwsFlags, policyRegions?: readonly string[]): Promise<string[]> {
  // The profile gives the region and the credentials: a name that is in neither file is refused first.
  await checkProfile(flags);
  const regions = flags.region?.length
    ? flags.region
    : (policyRegions ?? (await sdkRegion(flags)) ?? (flags.endpoint ? ['us-east-1'] : []));
  if (regions.length === 0)
    throw new UsageError(
      'no region: pass --region REGION (repeatable), set AWS_REGION, or give the profile a region ' +
        `(aws configure set region eu-west-1${flags.profile ? ` --profile ${flags.profile}` : ''})`,
    );
  const bad = regions.find((r) => !isKnownRegion(r));
  if (bad !== undefined)
    throw new UsageError(
      `--region ${JSON.stringify(bad)} is not an AWS region the SDK knows, such as "eu-west-1" or "eusc-de-east-1"`,
    );
  return [...new Set(regions)];
}

/**
 * The profile `--profile` (or AWS_PROFILE) names must be a section of the shared config or credentials file (the
 * SDK's own reading of them, AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE included): a misspelt name would
 * otherwise end every call in "Could not load credentials from any providers", whose usual fix (set a profile)
 * is not this one. Refused (exit 2) with the profiles the files hold.
 */
export async function checkProfile(flags: AwsFlags): Promise<void> {
  const fromFlag = flags.profile !== undefined;
  const name = flags.profile ?? process.env.AWS_PROFILE;
  if (!name) return;
  const { configFile, credentialsFile } = await loadSharedConfigFiles({ ignoreCache: true });
  if (Object.hasOwn(configFile, name) || Object.hasOwn(credentialsFile, name)) return;
  // Sections that are not profiles (`sso-session`, `services`) are keyed `<type>.<name>`.
  const known = [...new Set([...Object.keys(configFile), ...Object.keys(credentialsFile)])]
    .filter((p) => !/^(sso-session|services)\./.test(p))
    .sort();
  const given = fromFlag ? `--profile ${JSON.stringify(name)}` : `AWS_PROFILE=${JSON.stringify(name)}`;
  const files = `${process.env.AWS_CONFIG_FILE ?? '~/.aws/config'} or ${process.env.AWS_SHARED_CREDENTIALS_FILE ?? '~/.aws/credentials'}`;
  const create = commandOrWhy(shellCommand(['aws configure --profile', shellWord(name, 'the profile name')]));
  const fix = known.length
    ? `profiles there: ${known.map((p) => printable(p)).join(', ')}; pass one of those, or create it: ${create}`
    : `they hold no profile; create it: ${create}, or aws configure sso`;
  throw new UsageError(`${printable(given)}: no such profile in ${printable(files)} (${fix})`);
}

/** The region the SDK would use (AWS_REGION, then the profile's), else AWS_DEFAULT_REGION; undefined when none. */
async function sdkRegion(flags: AwsFlags): Promise<string[] | undefined> {
  const probe = new DynamoDBClient(profileOf(flags));
  try {
    return [await probe.config.region()];
  } catch {
    const env = process.env.AWS_DEFAULT_REGION;
    return env ? [env] : undefined;
  } finally {
    probe.destroy();
  }
}

/**
 * The clients and stores of one command, from its flags: each client sent to `--endpoint` when given, with
 * `--profile`; S3 path-style for a local server (`--endpoint`, AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL), which has
 * no bucket subdomains. The S3 and EC2 clients stay out of the CLI's bundle (side bundles, scripts/lambda-build.ts)
 * and are loaded on first use: a policy without buckets or the host check never loads them.
 */
export function cliWiring(flags: AwsFlags): Wiring {
  return wire((region, service) => {
    const local =
      service === 's3' && (flags.endpoint || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
    return {
      ...awsClientConfig(clientOptions(flags, region)),
      ...(local ? { forcePathStyle: true } : {}),
      ...profileOf(flags),
    };
  });
}

/** One DynamoDB client per region, all pointed at `--endpoint` when it is given. */
export function dynamoClientFactory(flags: AwsFlags): (region: string) => DynamoDBClient {
  return cliWiring(flags).dynamo;
}

/** Lockfile stores per region (one S3 client each, made on first use), sent to `--endpoint` when given. */
export function lockfileStoreFactory(flags: AwsFlags): (region: string) => LockfileStore {
  return cliWiring(flags).lockfileStores;
}

/** Lock stores per region over `clients`. */
export const lockStoreFactory = lockStoresOn;

/** An SNS client for the topic's own region (taken from its ARN). */
export function snsClientFor(topicArn: string, flags: AwsFlags = {}): SNSClient {
  const region = topicArn.split(':')[3];
  if (!topicArn.startsWith('arn:') || !region)
    throw new UsageError(
      `--topic-arn "${topicArn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`,
    );
  return new SNSClient({ ...awsClientConfig({ region }), ...profileOf(flags) });
}
