// Adapter: EC2 reads for the host check: instances by private IP or id (and what each state means), network interfaces by IP.
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
  type Instance,
} from '@aws-sdk/client-ec2';
import { callOptions } from './call-signal';
import { PageKeys } from './pagination';

/** What one instance-state says about the process that held a lock on it. */
export type Found = { readonly instance: Instance; readonly gone: boolean };

/**
 * Whether the process that held a lock can still be running on an instance in this state. `running` can;
 * `stopping` too (the process may be in its last seconds, writing state and unlocking); `pending` too (a
 * hibernated instance resumes through it). Gone: `shutting-down`, `terminated`, and `stopped`: a stop shuts
 * the OS down, so the process died (Terraform gets SIGTERM and, at best, unlocks) and nothing restarts it when
 * the instance starts again, unless the instance hibernates (HibernationOptions.Configured): a hibernated
 * instance keeps its memory, and the process resumes where it was, still believing it holds the lock.
 */
export function holderGone(instance: Instance): boolean {
  const state = instance.State?.Name;
  if (state === 'terminated' || state === 'shutting-down') return true;
  return state === 'stopped' && instance.HibernationOptions?.Configured !== true;
}

/** The instance state in words, with why a stopped, hibernating instance is not gone. */
export function stateWords(instance: Instance): string {
  const state = instance.State?.Name ?? 'in an unknown state';
  return state === 'stopped' && instance.HibernationOptions?.Configured === true
    ? 'stopped (hibernation on: its processes may resume)'
    : state;
}

/** Every instance matching the filter, by the matched value (its primary private IP, or its id). */
export async function describeInstances(
  client: EC2Client,
  kind: 'ip' | 'instance',
  values: readonly string[],
  pageSize: number,
): Promise<Map<string, Found[]>> {
  const filter = kind === 'ip' ? 'private-ip-address' : 'instance-id';
  const wanted = new Set(values);
  const found = new Map<string, Found[]>();
  const pages = new PageKeys<string>('DescribeInstances');
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeInstancesCommand({
        Filters: [{ Name: filter, Values: [...values] }],
        MaxResults: pageSize,
        NextToken: token,
      }),
      callOptions(),
    );
    for (const instance of (page.Reservations ?? []).flatMap((r) => r.Instances ?? [])) {
      for (const value of kind === 'ip' ? privateIps(instance) : [instance.InstanceId]) {
        if (value === undefined || !wanted.has(value)) continue;
        found.set(value, [...(found.get(value) ?? []), { instance, gone: holderGone(instance) }]);
      }
    }
    token = pages.next(page.NextToken);
  } while (token);
  return found;
}

/** Every private IPv4 of an instance: its primary, and each address of each network interface. */
function privateIps(instance: Instance): Set<string | undefined> {
  return new Set([
    instance.PrivateIpAddress,
    ...(instance.NetworkInterfaces ?? []).flatMap((eni) =>
      (eni.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress),
    ),
  ]);
}

/** A network interface that holds a private IP: its id and type (`interface`, `lambda`, `vpc_endpoint`...). */
export type Interface = { readonly id: string; readonly type: string };

/**
 * The network interface holding each of these private IPs, if any. Not only instances have private IPs named
 * `ip-10-0-12-34`: an ECS task in awsvpc mode (Fargate, where Atlantis and CI runners often live) has its own
 * interface and takes that hostname, and no instance has its IP. Such a holder is alive as long as its
 * interface exists, and the janitor cannot tell more, so an IP on an interface is never read as gone.
 */
export async function describeInterfaces(
  client: EC2Client,
  ips: readonly string[],
  pageSize: number,
): Promise<Map<string, Interface>> {
  const wanted = new Set(ips);
  const found = new Map<string, Interface>();
  const pages = new PageKeys<string>('DescribeNetworkInterfaces');
  let token: string | undefined;
  do {
    const page = await client.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: 'addresses.private-ip-address', Values: [...ips] }],
        MaxResults: pageSize,
        NextToken: token,
      }),
      callOptions(),
    );
    for (const eni of page.NetworkInterfaces ?? []) {
      const id = eni.NetworkInterfaceId ?? '?';
      for (const { PrivateIpAddress: ip } of eni.PrivateIpAddresses ?? [])
        if (ip && wanted.has(ip)) found.set(ip, { id, type: eni.InterfaceType ?? 'interface' });
    }
    token = pages.next(page.NextToken);
  } while (token);
  return found;
}
