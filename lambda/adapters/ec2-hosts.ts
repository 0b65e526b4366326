// Adapter: the EC2 holder host check: which lock holders' hosts still exist, with batched DescribeInstances.
import type { EC2Client } from '@aws-sdk/client-ec2';
import {
  describeHostAbsent,
  describeHostInterface,
  describeHostState,
  describeHostUnknown,
  type Ec2Host,
  type Holder,
  hostRegion,
  nonEc2Holder,
  parseEc2Host,
} from '../core/evidence';
import {
  describeInstances,
  describeInterfaces,
  type Found,
  type Interface,
  stateWords,
} from './ec2-describe';

/** EC2 accepts up to 200 values in one filter. */
export const MAX_FILTER_VALUES = 200;

/** A lock as far as the host check needs it: its region and its LockInfo `Who`. */
export type HolderQuery = { readonly region: string; readonly who: string };

/**
 * What EC2 said about one IP or instance id: the instances that have it, else the network interface that holds
 * the IP, or why it could not say.
 */
type Answer =
  | { readonly found: readonly Found[] }
  | { readonly iface: Interface }
  | { readonly problem: string };

/**
 * Looks up lock holders' EC2 hosts: per region, all private IPs in one batched series of DescribeInstances
 * (filter `private-ip-address`, up to 200 values a call, paginated) and all instance ids in another (filter
 * `instance-id`), each answer remembered for the life of the directory (one run): a host is asked about once.
 * A host is `gone` when its instance is terminated, shutting down or stopped (not hibernated), or EC2 knows no
 * such instance (and, for an IP, no network interface holds it: see describeInterfaces); `running` when any
 * instance with that IP or id may still run the holder; `unknown` when the IP is on a network interface that is
 * not an instance's, or a call failed (never read as gone).
 */
export class Ec2HostDirectory {
  private readonly answers = new Map<string, Answer>();

  private readonly pageSize: number;

  /** `pageSize`: MaxResults of each call (5 to 1000). @default 1000 */
  constructor(
    private readonly clientFor: (region: string) => EC2Client,
    options: { readonly pageSize?: number } = {},
  ) {
    this.pageSize = Math.min(1000, Math.max(5, options.pageSize ?? 1000));
  }

  /** The holder of each lock, in order: a non-EC2 `Who` is `unknown` without any call. */
  async holders(locks: readonly HolderQuery[]): Promise<Holder[]> {
    const hosts = locks.map(({ who, region }) => {
      const host = parseEc2Host(who);
      return host && { host, region: hostRegion(host, region) };
    });
    const found = new Map<string, ReadonlyMap<string, Holder>>();
    for (const region of new Set(hosts.flatMap((h) => (h ? [h.region] : [])))) {
      const inRegion = hosts.flatMap((h) => (h?.region === region ? [h.host] : []));
      found.set(region, await this.lookup(region, inRegion));
    }
    return hosts.map((h, i) =>
      h ? (found.get(h.region)?.get(h.host.hostname) ?? notAsked(h.host)) : nonEc2Holder(locks[i].who),
    );
  }

  /** The holder of each host in one region, keyed by hostname. */
  async lookup(region: string, hosts: readonly Ec2Host[]): Promise<ReadonlyMap<string, Holder>> {
    const unasked = (kind: Ec2Host['kind']) =>
      [...new Set(hosts.filter((h) => h.kind === kind).map(lookupValue))].filter(
        (value) => !this.answers.has(keyOf(region, kind, value)),
      );
    await this.ask(region, 'ip', unasked('ip'));
    await this.ask(region, 'instance', unasked('instance'));
    return new Map(hosts.map((h) => [h.hostname, this.holderOf(region, h)]));
  }

  private async ask(region: string, kind: Ec2Host['kind'], values: readonly string[]): Promise<void> {
    for (let i = 0; i < values.length; i += MAX_FILTER_VALUES) {
      const batch = values.slice(i, i + MAX_FILTER_VALUES);
      let answer: (value: string) => Answer;
      try {
        const client = this.clientFor(region);
        const found = await describeInstances(client, kind, batch, this.pageSize);
        const missing = kind === 'ip' ? batch.filter((value) => !found.has(value)) : [];
        const ifaces = missing.length
          ? await describeInterfaces(client, missing, this.pageSize)
          : new Map<string, Interface>();
        answer = (value) => {
          const iface = ifaces.get(value);
          return iface ? { iface } : { found: found.get(value) ?? [] };
        };
      } catch (e) {
        const problem = `DescribeInstances in ${region} failed: ${errorText(e)}`;
        answer = () => ({ problem });
      }
      for (const value of batch) this.answers.set(keyOf(region, kind, value), answer(value));
    }
  }

  private holderOf(region: string, host: Ec2Host): Holder {
    const answer = this.answers.get(keyOf(region, host.kind, lookupValue(host)));
    const name = host.hostname;
    if (!answer) return notAsked(host);
    if ('problem' in answer)
      return {
        outcome: 'unknown',
        host: name,
        reason: describeHostUnknown(name, answer.problem),
        unread: answer.problem,
      };
    if ('iface' in answer)
      return {
        outcome: 'unknown',
        host: name,
        reason: describeHostInterface(name, answer.iface.id, answer.iface.type),
      };
    // Any instance that may still run the holder wins: an IP reused by a new instance is never read as gone.
    const best = answer.found.find((f) => !f.gone) ?? answer.found[0];
    if (!best) return { outcome: 'gone', host: name, reason: describeHostAbsent(host, region) };
    const { InstanceId: instanceId = '?', State } = best.instance;
    return {
      outcome: best.gone ? 'gone' : 'running',
      host: name,
      instanceId,
      ...(State?.Name ? { state: State.Name } : {}),
      reason: describeHostState(name, instanceId, stateWords(best.instance)),
    };
  }
}

/**
 * The host check of one run (`SweepOptions.holders`): a directory of its own, so answers are remembered for this
 * run only and a later run asks EC2 again.
 */
export function hostCheck(
  clientFor: (region: string) => EC2Client,
): (locks: readonly HolderQuery[]) => Promise<Holder[]> {
  const directory = new Ec2HostDirectory(clientFor);
  return (locks) => directory.holders(locks);
}

function notAsked(host: Ec2Host): Holder {
  return { outcome: 'unknown', host: host.hostname, reason: describeHostUnknown(host.hostname, 'not asked') };
}

function keyOf(region: string, kind: Ec2Host['kind'], value: string): string {
  return `${region}\n${kind}\n${value}`;
}

function lookupValue(host: Ec2Host): string {
  return host.kind === 'ip' ? host.ip : host.instanceId;
}

function errorText(e: unknown): string {
  const err = e as { name?: unknown; message?: unknown };
  const text = `${typeof err?.name === 'string' ? err.name : 'Error'}: ${String(err?.message ?? e)}`;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
