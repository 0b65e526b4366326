// Core: evidence that a lock's holder lived or died: EC2 host names in `Who`, state writes, the last sign of life.
import { formatAge } from './duration';

/** An EC2 instance named by a holder's hostname: by its primary private IPv4, or by its instance id. */
export type Ec2Host =
  | { readonly kind: 'ip'; readonly hostname: string; readonly ip: string; readonly region?: string }
  | {
      readonly kind: 'instance';
      readonly hostname: string;
      readonly instanceId: string;
      readonly region?: string;
    };

/**
 * A state write the janitor saw: when, and how it knows. `digest`: the state's `-md5` item in the lock table
 * changed between two sightings of the lock (`atMs` = the sighting that saw the change); `s3`: the state
 * object's `LastModified` (S3's clock).
 */
export type StateWrite = { readonly atMs: number; readonly source: 'digest' | 's3' };

/** What the EC2 host check found about a lock's holder; `unknown` is never treated as gone. */
export type HolderOutcome = 'running' | 'gone' | 'unknown';

/** The holder host check for one lock. */
export type Holder = {
  readonly outcome: HolderOutcome;
  /** The hostname from `Who`, when it is an EC2 name. */
  readonly host?: string;
  readonly instanceId?: string;
  /** The instance state EC2 reported (`running`, `stopped`, `terminated`...), when an instance was found. */
  readonly state?: string;
  /** Set when the check itself could not be read (EC2 refused or did not answer): the problem, reported as unread. */
  readonly unread?: string;
  /** Why, in words: "host ip-10-0-12-34 (i-0abc...) terminated". */
  readonly reason: string;
};

/** The evidence about one lock beyond its age; both parts optional (no evidence = judged by age alone). */
export type Evidence = { readonly stateWrite?: StateWrite; readonly holder?: Holder };

/** When the holder was last known alive: when the lock was taken, or a later state write. */
export type SignOfLife =
  | { readonly atMs: number; readonly from: 'created' }
  | { readonly atMs: number; readonly from: 'state-write'; readonly source: StateWrite['source'] };

// Go's net/os: a hostname is what the kernel reports; EC2 defaults (IP name and resource name, see the EC2 User
// Guide "EC2 instance hostnames"): ip-10-0-12-34, ip-10-0-12-34.ec2.internal (us-east-1),
// ip-10-0-12-34.eu-west-1.compute.internal, i-0123456789abcdef0[.eu-west-1.compute.internal | .ec2.internal].
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)';
const DOMAIN = '(?:\\.(?:ec2|([a-z]{2}(?:-[a-z]+)+-\\d+)\\.compute)\\.internal)?';
const IP_NAME = new RegExp(`^ip-${OCTET}-${OCTET}-${OCTET}-${OCTET}${DOMAIN}$`);
const RESOURCE_NAME = new RegExp(`^(i-[0-9a-f]{17})${DOMAIN}$`);
/** `.ec2.internal` is us-east-1's private DNS domain. */
const EC2_INTERNAL_REGION = 'us-east-1';

/**
 * The EC2 instance a `Who` (`user@hostname`) names, or undefined when its hostname is not an EC2 default name.
 * Only the hostname (after the last `@`) counts; the user part may be anything, even empty (`@ip-10-0-0-1`:
 * Terraform writes that when the OS user lookup fails). The whole hostname must be one of the EC2 forms, with
 * octets 0-255 written without leading zeros; case is ignored (DNS names are case-insensitive).
 */
export function parseEc2Host(who: string): Ec2Host | undefined {
  const at = who.lastIndexOf('@');
  if (at < 0) return undefined;
  const hostname = who.slice(at + 1).toLowerCase();
  const ip = IP_NAME.exec(hostname);
  if (ip) {
    const region = regionOf(hostname, ip[5]);
    return { kind: 'ip', hostname, ip: ip.slice(1, 5).join('.'), ...(region ? { region } : {}) };
  }
  const id = RESOURCE_NAME.exec(hostname);
  if (id) {
    const region = regionOf(hostname, id[2]);
    return { kind: 'instance', hostname, instanceId: id[1], ...(region ? { region } : {}) };
  }
  return undefined;
}

function regionOf(hostname: string, computeRegion: string | undefined): string | undefined {
  return computeRegion ?? (hostname.endsWith('.ec2.internal') ? EC2_INTERNAL_REGION : undefined);
}

/**
 * The region to look a host up in: the one its name says, else the lock's own region (a bare `ip-10-0-12-34`
 * says nothing about where it ran).
 */
export function hostRegion(host: Ec2Host, lockRegion: string): string {
  return host.region ?? lockRegion;
}

/**
 * The holder's last sign of life: the lock's start, or a state write after it, whichever is later. `startMs`
 * is when the lock's age counts from (its trusted `Created`, else the first sighting); undefined when unknown,
 * then only a write is a sign of life. A write at or before the start proves nothing about this holder.
 */
export function lastSignOfLife(
  startMs: number | undefined,
  write: StateWrite | undefined,
): SignOfLife | undefined {
  if (write && (startMs === undefined || write.atMs > startMs))
    return { atMs: write.atMs, from: 'state-write', source: write.source };
  return startMs === undefined ? undefined : { atMs: startMs, from: 'created' };
}

const SOURCE_WORDS: Record<StateWrite['source'], string> = {
  digest: 'digest moved',
  s3: 'state object LastModified',
};

/** "last state write 2h 55m ago (digest moved)". */
export function describeStateWrite(write: StateWrite, nowMs: number): string {
  const ago = Math.max(0, Math.floor((nowMs - write.atMs) / 1000));
  return `last state write ${formatAge(ago)} ago (${SOURCE_WORDS[write.source]})`;
}

/** "host ip-10-0-12-34 (i-0123456789abcdef0) terminated": an instance EC2 reported, in its state. */
export function describeHostState(host: string, instanceId: string, state: string): string {
  return `host ${host} (${instanceId}) ${state}`;
}

/** "host ip-10-0-12-34: no instance has this private IP in eu-west-1": EC2 knows no such instance. */
export function describeHostAbsent(host: Ec2Host, region: string): string {
  const what =
    host.kind === 'ip' ? `no instance has the private IP ${host.ip}` : `no instance ${host.instanceId}`;
  return `host ${host.hostname}: ${what} in ${region}`;
}

/**
 * "host ip-10-0-12-34: its IP is on network interface eni-0abc (interface), not an instance: ...": an ECS task,
 * a Lambda function or an endpoint, alive as long as the interface exists.
 */
export function describeHostInterface(host: string, interfaceId: string, type: string): string {
  return `host ${host}: its IP is on network interface ${interfaceId} (${type}), not an instance: its holder may still run`;
}

/** "host ip-10-0-12-34: not checked (...)": the check could not say; never read as gone. */
export function describeHostUnknown(host: string, problem: string): string {
  return `host ${host}: not checked (${problem})`;
}

/** The holder of a lock whose `Who` names no EC2 host: unknown, so it never shortens anything. */
export function nonEc2Holder(who: string): Holder {
  const at = who.lastIndexOf('@');
  const host = at < 0 ? who : who.slice(at + 1);
  return { outcome: 'unknown', reason: `host ${JSON.stringify(host)} is not an EC2 instance name` };
}
