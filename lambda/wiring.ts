// Shell wiring: each region's SDK clients and the stores on them, built once; S3 and EC2 loaded on first use.
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EC2Client } from '@aws-sdk/client-ec2';
import type { awsClientConfig } from './adapters/aws-client-config';
import { DynamoLockStore } from './adapters/dynamo-lock-store';
import type { LockfileStore } from './core/lockfile-port';
import type { Policy } from './core/policy';
import type { LockStore } from './core/ports';
import { perRegion } from './per-region';
import type { SweepOptions } from './run/options';

/** The AWS services the stores and the host check call, each with one client per region. */
export type AwsService = 'dynamodb' | 's3' | 'ec2';

/** A client's options: `awsClientConfig`'s (timeouts, bounded retries), and what a shell adds to them. */
export type ClientOptions = ReturnType<typeof awsClientConfig> & {
  /** A named profile of the shared config files (the CLI's `--profile`). */
  readonly profile?: string;
  /** Path-style S3 addressing, for a local server without bucket subdomains. */
  readonly forcePathStyle?: boolean;
};

/** The options of `service`'s client in `region`: the Lambda gives `awsClientConfig`'s, the CLI its flags'. */
export type ClientConfig = (region: string, service: AwsService) => ClientOptions;

/** One run's holder host check (SweepOptions.holders). */
export type HostCheck = NonNullable<SweepOptions['holders']>;

/** The store fields of a sweep's options. */
export type SweepStores = Pick<SweepOptions, 'lockStores' | 'lockfileStores' | 'holders'>;

/**
 * When a sweep gets the lockfile stores: `named` (the default), only when the policy names buckets (the Lambda:
 * its role may call S3 only then); `always` (the CLI: a double lock's lockfile half, its own intents), still
 * built on first use.
 */
export type LockfileUse = 'named' | 'always';

/** The clients and stores of a Lambda sandbox or a CLI command. */
export type Wiring = {
  /** The DynamoDB client of a region: lock tables and the state table. */
  readonly dynamo: (region: string) => DynamoDBClient;
  readonly lockStores: (region: string) => LockStore;
  /** The lockfile store of a region; the first call loads the S3 client. */
  readonly lockfileStores: (region: string) => LockfileStore;
  /** A new host check whose answers live as long as it does; the first loads the EC2 client. Clients are kept. */
  readonly newHostCheck: () => HostCheck;
  /** The lockfile stores when the policy names buckets, else undefined: then S3 is never called. */
  readonly lockfileStoresFor: (policy: Policy) => ((region: string) => LockfileStore) | undefined;
  /**
   * The store fields of one sweep's options, from the policy: the lock stores; the lockfile stores as `lockfiles`
   * says; a new host check when `evidence.ec2Hosts` is on (EC2's answers are remembered for that sweep only).
   */
  readonly sweepStores: (policy: Policy, lockfiles?: LockfileUse) => SweepStores;
};

// The S3 and EC2 clients are required on first use only: the Lambda takes them from its runtime's SDK v3 (they
// are external to its bundle, lib/bundling.ts), the CLI from its side bundles (scripts/lambda-build.ts), so a
// policy without buckets or the host check never loads them.

/** The clients and stores `clientConfig` describes, each made on first use and kept. */
export function wire(clientConfig: ClientConfig): Wiring {
  const dynamo = perRegion((region) => new DynamoDBClient(clientConfig(region, 'dynamodb')));
  const lockStores = lockStoresOn(dynamo);
  const lockfileStores = perRegion((region) => {
    const { S3Client } = require('@aws-sdk/client-s3') as typeof import('@aws-sdk/client-s3');
    const s3 = require('./adapters/s3-lockfile-store') as typeof import('./adapters/s3-lockfile-store');
    return new s3.S3LockfileStore(new S3Client(clientConfig(region, 's3')));
  });
  let ec2: ((region: string) => EC2Client) | undefined;
  const newHostCheck = (): HostCheck => {
    const { EC2Client } = require('@aws-sdk/client-ec2') as typeof import('@aws-sdk/client-ec2');
    const { hostCheck } = require('./adapters/ec2-hosts') as typeof import('./adapters/ec2-hosts');
    ec2 ??= perRegion((region) => new EC2Client(clientConfig(region, 'ec2')));
    return hostCheck(ec2);
  };
  const lockfileStoresFor = (policy: Policy) =>
    policy.buckets.include.length > 0 ? lockfileStores : undefined;
  return {
    dynamo,
    lockStores,
    lockfileStores,
    newHostCheck,
    lockfileStoresFor,
    sweepStores: (policy, lockfiles) => ({
      lockStores,
      lockfileStores: lockfiles === 'always' ? lockfileStores : lockfileStoresFor(policy),
      holders: policy.evidence.ec2Hosts ? newHostCheck() : undefined,
    }),
  };
}

/** The lock store of each region over `dynamo`'s clients, one per region. */
export function lockStoresOn(dynamo: (region: string) => DynamoDBClient): (region: string) => LockStore {
  return perRegion((region) => new DynamoLockStore(dynamo(region), region));
}
