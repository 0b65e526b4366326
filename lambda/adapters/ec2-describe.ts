// Adapter: DescribeInstances for the host check: every instance with given private IPs or ids, and what each state means.
import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
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
