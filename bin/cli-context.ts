// CLI wiring: regions, per-region DynamoDB and S3 clients and stores, and the EC2 host check, from the flags.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { partition } from '@aws-sdk/core/client';
import { awsClientConfig, type CallTimeouts } from '../lambda/adapters/aws-client-config';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { UsageError } from '../lambda/core/errors';
import type { LockfileStore } from '../lambda/core/lockfile-port';
import type { Policy } from '../lambda/core/policy';
import type { LockStore } from '../lambda/core/ports';
import type { SweepOptions } from '../lambda/run/options';

type S3Adapter = typeof import('../lambda/adapters/s3-lockfile-store');
type Ec2Adapter = typeof import('../lambda/adapters/ec2-hosts');

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

/** One DynamoDB client per region, all pointed at `--endpoint` when it is given. */
export function dynamoClientFactory(flags: AwsFlags): (region: string) => DynamoDBClient {
  const clients = new Map<string, DynamoDBClient>();
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new DynamoDBClient({ ...awsClientConfig(clientOptions(flags, region)), ...profileOf(flags) });
      clients.set(region, client);
    }
    return client;
  };
}

/**
 * Lockfile stores per region (one S3 client each), sent to `--endpoint` with path-style addressing when given.
 * Each client is made on first use, so a policy without buckets never builds one, nor loads the S3 client: it
 * stays out of the CLI's bundle (a dependency of the package) and is required here on first use.
 */
export function lockfileStoreFactory(flags: AwsFlags): (region: string) => LockfileStore {
  const stores = new Map<string, LockfileStore>();
  return (region) => {
    let store = stores.get(region);
    if (!store) {
      const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
      const s3 = require('../lambda/adapters/s3-lockfile-store') as S3Adapter;
      const config = s3.s3ClientConfig(clientOptions(flags, region));
      // A server named by AWS_ENDPOINT_URL(_S3) is addressed path-style too, as --endpoint is.
      const local = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
      store = new s3.S3LockfileStore(
        new S3Client({ ...config, ...(local ? { forcePathStyle: true } : {}), ...profileOf(flags) }),
      );
      stores.set(region, store);
    }
    return store;
  };
}

/** Lock stores per region over `clients`. */
export function lockStoreFactory(clients: (region: string) => DynamoDBClient): (region: string) => LockStore {
  const stores = new Map<string, LockStore>();
  return (region) => {
    let store = stores.get(region);
    if (!store) {
      store = new DynamoLockStore(clients(region), region);
      stores.set(region, store);
    }
    return store;
  };
}

/** An SNS client for the topic's own region (taken from its ARN). */
export function snsClientFor(topicArn: string, flags: AwsFlags = {}): SNSClient {
  const region = topicArn.split(':')[3];
  if (!topicArn.startsWith('arn:') || !region)
    throw new UsageError(
      `--topic-arn "${topicArn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`,
    );
  return new SNSClient({ ...awsClientConfig({ region }), ...profileOf(flags) });
}

/**
 * The run's holder host check when the policy turns `evidence.ec2Hosts` on (one EC2 client per region, sent to
 * `--endpoint` when given); undefined otherwise, and then EC2 is never called nor its client loaded (about 1 MB,
 * outside the CLI's bundle like S3's).
 */
export function hostCheckFor(flags: AwsFlags, policy: Policy): SweepOptions['holders'] {
  if (!policy.evidence.ec2Hosts) return undefined;
  const { EC2Client } = require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
  const { hostCheck } = require('../lambda/adapters/ec2-hosts') as Ec2Adapter;
  const clients = new Map<string, EC2Client>();
  return hostCheck((region) => {
    let client = clients.get(region);
    if (!client) {
      client = new EC2Client({ ...awsClientConfig(clientOptions(flags, region)), ...profileOf(flags) });
      clients.set(region, client);
    }
    return client;
  });
}
