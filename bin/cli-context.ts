// CLI wiring: regions, per-region DynamoDB and S3 clients and stores, and the EC2 host check, from the flags.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { awsClientConfig, type CallTimeouts } from '../lambda/adapters/aws-client-config';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { UsageError } from '../lambda/core/errors';
import type { LockfileStore } from '../lambda/core/lockfile-port';
import type { Policy } from '../lambda/core/policy';
import type { LockStore } from '../lambda/core/ports';
import type { SweepOptions } from '../lambda/run/options';

type S3Adapter = typeof import('../lambda/adapters/s3-lockfile-store');
type Ec2Adapter = typeof import('../lambda/adapters/ec2-hosts');

/** Flags that say where DynamoDB is. */
export type AwsFlags = {
  readonly region?: readonly string[];
  readonly endpoint?: string;
  /** Per-call timeouts (tests shorten them). */
  readonly timeouts?: CallTimeouts;
};

// Local DynamoDB-compatible servers accept any credentials, but the SDK still wants some.
const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

/** An AWS region name, as the policy's `regions` accepts it. */
const REGION = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The regions to work in: the flags, else the policy's, else the environment's (an endpoint implies us-east-1). */
export function resolveRegions(flags: AwsFlags, policyRegions?: readonly string[]): string[] {
  const env = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
  const regions = flags.region?.length
    ? flags.region
    : (policyRegions ?? (env ? [env] : flags.endpoint ? ['us-east-1'] : []));
  if (regions.length === 0)
    throw new UsageError('no region: pass --region REGION (repeatable) or set AWS_REGION');
  const bad = regions.find((r) => !REGION.test(r));
  if (bad !== undefined)
    throw new UsageError(`--region ${JSON.stringify(bad)} is not an AWS region name such as "eu-west-1"`);
  return [...new Set(regions)];
}

/** One DynamoDB client per region, all pointed at `--endpoint` when it is given. */
export function dynamoClientFactory(flags: AwsFlags): (region: string) => DynamoDBClient {
  const clients = new Map<string, DynamoDBClient>();
  const localCreds = flags.endpoint && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return (region) => {
    let client = clients.get(region);
    if (!client) {
      client = new DynamoDBClient(
        awsClientConfig({
          region,
          endpoint: flags.endpoint,
          credentials: localCreds ? LOCAL_CREDENTIALS : undefined,
          timeouts: flags.timeouts,
        }),
      );
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
  const localCreds = flags.endpoint && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return (region) => {
    let store = stores.get(region);
    if (!store) {
      const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
      const s3 = require('../lambda/adapters/s3-lockfile-store') as S3Adapter;
      const config = s3.s3ClientConfig({
        region,
        endpoint: flags.endpoint,
        credentials: localCreds ? LOCAL_CREDENTIALS : undefined,
        timeouts: flags.timeouts,
      });
      store = new s3.S3LockfileStore(new S3Client(config));
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
export function snsClientFor(topicArn: string): SNSClient {
  const region = topicArn.split(':')[3];
  if (!topicArn.startsWith('arn:') || !region)
    throw new UsageError(
      `--topic-arn "${topicArn}" is not an SNS topic ARN (arn:aws:sns:REGION:ACCOUNT:NAME)`,
    );
  return new SNSClient(awsClientConfig({ region }));
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
  const localCreds = flags.endpoint && !process.env.AWS_ACCESS_KEY_ID && !process.env.AWS_PROFILE;
  return hostCheck((region) => {
    let client = clients.get(region);
    if (!client) {
      const credentials = localCreds ? LOCAL_CREDENTIALS : undefined;
      const config = { region, endpoint: flags.endpoint, credentials, timeouts: flags.timeouts };
      client = new EC2Client(awsClientConfig(config));
      clients.set(region, client);
    }
    return client;
  });
}
