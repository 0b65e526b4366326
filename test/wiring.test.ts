// Tests: the shell wiring (lambda/wiring.ts): a client per region built once; S3 and EC2 loaded only when asked for.
import { awsClientConfig } from '../lambda/adapters/aws-client-config';
import { parsePolicy } from '../lambda/core/policy';
import type { AwsService, ClientConfig } from '../lambda/wiring';

// The real SDK modules, noted when first required: what the Lambda and the CLI load is what this sees.
const mockLoaded: string[] = [];
jest.mock('@aws-sdk/client-s3', () => {
  mockLoaded.push('s3');
  return jest.requireActual('@aws-sdk/client-s3');
});
jest.mock('@aws-sdk/client-ec2', () => {
  mockLoaded.push('ec2');
  return jest.requireActual('@aws-sdk/client-ec2');
});

const { wire } = jest.requireActual<typeof import('../lambda/wiring')>('../lambda/wiring');

/** A client config that records each client made, pointed at a loopback port that refuses every call. */
function recording(): { config: ClientConfig; asked: string[] } {
  const asked: string[] = [];
  const config: ClientConfig = (region: string, service: AwsService) => {
    asked.push(`${service} ${region}`);
    return awsClientConfig({
      region,
      endpoint: 'http://127.0.0.1:9',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
    });
  };
  return { config, asked };
}

beforeEach(() => {
  mockLoaded.length = 0;
  jest.resetModules();
});

describe('the shell wiring', () => {
  it('builds one DynamoDB client and lock store per region, kept for later calls', () => {
    // Prepare
    const { config, asked } = recording();
    const aws = wire(config);
    // Act
    const first = aws.lockStores('eu-west-1');
    const again = aws.lockStores('eu-west-1');
    const other = aws.lockStores('us-east-1');
    // Assess
    expect(again).toBe(first);
    expect(other).not.toBe(first);
    expect(aws.dynamo('eu-west-1')).toBe(aws.dynamo('eu-west-1'));
    expect(asked).toEqual(['dynamodb eu-west-1', 'dynamodb us-east-1']);
  });

  it('gives a policy without buckets or the host check no lockfile stores and no host check, loading neither client', () => {
    const { config, asked } = recording();
    const stores = wire(config).sweepStores(parsePolicy({}));
    expect(stores.lockfileStores).toBeUndefined();
    expect(stores.holders).toBeUndefined();
    expect(wire(config).lockfileStoresFor(parsePolicy({}))).toBeUndefined();
    expect(mockLoaded).toEqual([]);
    expect(asked).toEqual([]);
  });

  it("gives the CLI's lockfile stores always, yet loads S3 only when a store is first used", () => {
    const { config, asked } = recording();
    const aws = wire(config);
    const stores = aws.sweepStores(parsePolicy({}), 'always');
    expect(stores.lockfileStores).toBe(aws.lockfileStores);
    expect(mockLoaded).toEqual([]);

    const store = stores.lockfileStores?.('eu-west-1');
    expect(stores.lockfileStores?.('eu-west-1')).toBe(store);
    expect(mockLoaded).toEqual(['s3']);
    expect(asked).toEqual(['s3 eu-west-1']);
  });

  it('gives a policy naming buckets its lockfile stores, built on first use', () => {
    const { config } = recording();
    const aws = wire(config);
    const policy = parsePolicy({ buckets: { include: ['tf-state-*'] } });
    expect(aws.sweepStores(policy).lockfileStores).toBe(aws.lockfileStores);
    expect(aws.lockfileStoresFor(policy)).toBe(aws.lockfileStores);
    expect(mockLoaded).toEqual([]);
  });

  it('makes a new host check for each sweep with evidence.ec2Hosts, over EC2 clients it keeps', async () => {
    const { config, asked } = recording();
    const aws = wire(config);
    const policy = parsePolicy({ evidence: { ec2Hosts: true } });
    const first = aws.sweepStores(policy).holders;
    const second = aws.sweepStores(policy).holders;
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(second).not.toBe(first);
    expect(mockLoaded).toEqual(['ec2']);
    expect(asked).toEqual([]);

    // Each check asks EC2 itself (the call is refused: the holder stays unknown), on the one client of the region.
    const who = 'runner@ip-10-1-2-3.eu-west-1.compute.internal';
    const [fromFirst] = (await first?.([{ region: 'eu-west-1', who }])) ?? [];
    const [fromSecond] = (await second?.([{ region: 'eu-west-1', who }])) ?? [];
    expect([fromFirst?.outcome, fromSecond?.outcome]).toEqual(['unknown', 'unknown']);
    expect(asked).toEqual(['ec2 eu-west-1']);
  });
});
