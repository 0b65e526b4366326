// Test support: EC2 on moto: clients that count their calls, a subnet, instances launched at a private IP.
import { CreateSubnetCommand, CreateVpcCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { awsClientConfig } from '../../lambda/adapters/aws-client-config';

/** An EC2 client for `endpoint`: one attempt, short timeouts; each call is pushed to `sent` as "region Command". */
export function ec2TestClient(endpoint: string, region: string, sent: string[] = []): EC2Client {
  const client = new EC2Client(
    awsClientConfig({
      region,
      endpoint,
      maxAttempts: 1,
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      timeouts: { connectionTimeoutMs: 1000, requestTimeoutMs: 5000 },
    }),
  );
  client.middlewareStack.add(
    (next, context) => (args) => {
      sent.push(`${region} ${context.commandName}`);
      return next(args);
    },
    { step: 'initialize', name: 'countRequests' },
  );
  return client;
}

/** A VPC 10.0.0.0/16 with the subnet 10.0.12.0/24, where the tests' runners get their private IPs; its ID. */
export async function createSubnet(client: EC2Client): Promise<string> {
  const vpc = await client.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }));
  const subnet = await client.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.0.12.0/24' }),
  );
  return subnet.Subnet?.SubnetId ?? '';
}

/** Launches one instance at the private IP `ip` of the subnet; its instance ID. */
export async function launchInstance(
  client: EC2Client,
  subnetId: string,
  ip: string,
  options: { readonly hibernation?: boolean } = {},
): Promise<string> {
  const run = await client.send(
    new RunInstancesCommand({
      ImageId: 'ami-12c6146b',
      MinCount: 1,
      MaxCount: 1,
      SubnetId: subnetId,
      PrivateIpAddress: ip,
      ...(options.hibernation ? { HibernationOptions: { Configured: true } } : {}),
    }),
  );
  const id = run.Instances?.[0]?.InstanceId;
  if (!id) throw new Error('moto launched no instance');
  return id;
}
