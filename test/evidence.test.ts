// Tests: evidence of a holder's life: EC2 host names in Who, the last sign of life, state writes per lock, their words.
import {
  describeHostAbsent,
  describeHostInterface,
  describeHostState,
  describeHostUnknown,
  describeStateWrite,
  type Evidence,
  hostRegion,
  lastSignOfLife,
  nonEc2Holder,
  parseEc2Host,
  type StateWrite,
} from '../lambda/core/evidence';
import { type LockHalf, stateWriteOf } from '../lambda/core/lock-half';
import { evidenceFields } from '../lambda/core/records';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const MINUTE = 60_000;
const ID = 'i-0123456789abcdef0';

describe('parseEc2Host', () => {
  it.each([
    ['runner@ip-10-0-12-34', { kind: 'ip', hostname: 'ip-10-0-12-34', ip: '10.0.12.34' }],
    ['ec2-user@ip-172-31-5-9.ec2.internal', { kind: 'ip', ip: '172.31.5.9', region: 'us-east-1' }],
    [
      'runner@ip-10-0-12-34.eu-west-1.compute.internal',
      { kind: 'ip', ip: '10.0.12.34', region: 'eu-west-1' },
    ],
    ['x@ip-192-168-0-1.us-gov-west-1.compute.internal', { ip: '192.168.0.1', region: 'us-gov-west-1' }],
    ['x@ip-10-0-0-0', { ip: '10.0.0.0' }],
    ['x@ip-255-255-255-255', { ip: '255.255.255.255' }],
    ['x@ip-100-64-199-250', { ip: '100.64.199.250' }],
    // Terraform writes an empty user when the OS user lookup fails.
    ['@ip-10-0-0-1', { kind: 'ip', ip: '10.0.0.1' }],
    ['DOMAIN\\user@ip-10-0-0-1', { kind: 'ip', ip: '10.0.0.1' }],
    ['a@b@ip-10-0-0-1', { ip: '10.0.0.1' }],
    ['runner@IP-10-0-12-34.EC2.INTERNAL', { hostname: 'ip-10-0-12-34.ec2.internal', ip: '10.0.12.34' }],
    [`runner@${ID}`, { kind: 'instance', hostname: ID, instanceId: ID }],
    [`runner@${ID}.eu-central-1.compute.internal`, { instanceId: ID, region: 'eu-central-1' }],
    [`runner@${ID}.ec2.internal`, { instanceId: ID, region: 'us-east-1' }],
    [`runner@${ID.toUpperCase().replace('I-', 'i-')}`, { instanceId: ID }],
  ])('reads %s as an EC2 host', (who, expected) => {
    expect(parseEc2Host(who)).toMatchObject(expected);
  });

  it('gives no region when the hostname names none', () => {
    expect(parseEc2Host('runner@ip-10-0-12-34')).toEqual({
      kind: 'ip',
      hostname: 'ip-10-0-12-34',
      ip: '10.0.12.34',
    });
  });

  it.each([
    ['no @ at all', 'ip-10-0-12-34'],
    ['empty hostname', 'runner@'],
    ['a suffix after the name', 'runner@ip-10-0-12-34-evil.com'],
    ['a foreign domain', 'runner@ip-10-0-12-34.evil.com'],
    ['a foreign domain ending like EC2', 'runner@ip-10-0-12-34.evil.compute.internal'],
    ['an extra label', 'runner@ip-10-0-12-34.x.eu-west-1.compute.internal'],
    ['an extra label before ec2.internal', 'runner@ip-10-0-12-34.x.ec2.internal'],
    ['compute.internal without a region', 'runner@ip-10-0-12-34.compute.internal'],
    ['a trailing dot', 'runner@ip-10-0-12-34.ec2.internal.'],
    ['a prefix', 'runner@myip-10-0-0-1'],
    ['an octet over 255', 'runner@ip-10-0-0-256'],
    ['an octet of 999', 'runner@ip-999-0-0-1'],
    ['three octets', 'runner@ip-10-0-0'],
    ['five octets', 'runner@ip-10-0-0-1-2'],
    ['a leading zero', 'runner@ip-10-0-0-01'],
    ['a leading zero in 0 form', 'runner@ip-010-0-0-1'],
    ['an empty octet', 'runner@ip-10--0-1'],
    ['dots instead of dashes', 'runner@ip-10.0.0.1'],
    ['spaces', 'runner@ip-10-0-0-1 '],
    ['a newline', 'runner@ip-10-0-0-1\n'],
    ['hex (old Windows EC2Config names)', 'Administrator@ip-0A000C22'],
    ['a Windows host', 'ELECTRO\\victorsh@LOGRUS'],
    ['a Windows EC2 default name', 'Administrator@EC2AMAZ-4K2J8QF'],
    ['a laptop', 'alice@alices-mbp.local'],
    ['a 16-hex instance id', 'runner@i-0123456789abcdef'],
    ['an 18-hex instance id', 'runner@i-0123456789abcdef01'],
    ['an old 8-hex instance id', 'runner@i-1a2b3c4d'],
    ['a non-hex instance id', 'runner@i-0123456789abcdefg'],
    ['an instance id with a foreign domain', `runner@${ID}.example.com`],
    ['a public EC2 DNS name', 'runner@ec2-54-1-2-3.compute-1.amazonaws.com'],
    ['an IP in the user part only', 'ip-10-0-0-1@laptop'],
  ])('does not read %s as an EC2 host', (_, who) => {
    expect(parseEc2Host(who)).toBeUndefined();
  });
});

describe('hostRegion', () => {
  it.each([
    ['runner@ip-10-0-0-1', 'eu-west-1'],
    ['runner@ip-10-0-0-1.ec2.internal', 'us-east-1'],
    ['runner@ip-10-0-0-1.ap-south-2.compute.internal', 'ap-south-2'],
  ])('looks %s up in %s when the lock is in eu-west-1', (who, region) => {
    const host = parseEc2Host(who);
    if (!host) throw new Error('not an EC2 host');
    expect(hostRegion(host, 'eu-west-1')).toBe(region);
  });
});

describe('lastSignOfLife', () => {
  const created = NOW - 3 * 60 * MINUTE;
  it.each([
    ['no write: Created', created, undefined, { atMs: created, from: 'created' }],
    [
      'a write after Created',
      created,
      { atMs: NOW - 10 * MINUTE, source: 'digest' as const },
      { atMs: NOW - 10 * MINUTE, from: 'state-write', source: 'digest' },
    ],
    [
      'an S3 write after Created',
      created,
      { atMs: created + 1, source: 's3' as const },
      { atMs: created + 1, from: 'state-write', source: 's3' },
    ],
    [
      'a write before Created proves nothing',
      created,
      { atMs: created - 1, source: 's3' as const },
      { atMs: created, from: 'created' },
    ],
    [
      'a write at Created proves nothing',
      created,
      { atMs: created, source: 'digest' as const },
      { atMs: created, from: 'created' },
    ],
    [
      'no start, a write',
      undefined,
      { atMs: NOW, source: 'digest' as const },
      { atMs: NOW, from: 'state-write', source: 'digest' },
    ],
    ['no start, no write', undefined, undefined, undefined],
  ])('%s', (_, start, write, expected) => {
    expect(lastSignOfLife(start, write)).toEqual(expected);
  });
});

describe('evidence in words', () => {
  it.each([
    [{ atMs: NOW - 175 * MINUTE, source: 'digest' as const }, 'last state write 2h 55m ago (digest moved)'],
    [
      { atMs: NOW - 10 * MINUTE, source: 's3' as const },
      'last state write 10m ago (state object LastModified)',
    ],
    [{ atMs: NOW + MINUTE, source: 's3' as const }, 'last state write 0s ago (state object LastModified)'],
  ])('says %j as %s', (write, words) => {
    expect(describeStateWrite(write, NOW)).toBe(words);
  });

  it('says what became of a host', () => {
    expect(describeHostState('ip-10-0-12-34', ID, 'terminated')).toBe(
      `host ip-10-0-12-34 (${ID}) terminated`,
    );
    const ip = parseEc2Host('runner@ip-10-0-12-34');
    const instance = parseEc2Host(`runner@${ID}`);
    if (!ip || !instance) throw new Error('not EC2 hosts');
    expect(describeHostAbsent(ip, 'eu-west-1')).toBe(
      'host ip-10-0-12-34: no instance has the private IP 10.0.12.34 in eu-west-1',
    );
    expect(describeHostAbsent(instance, 'eu-west-1')).toBe(`host ${ID}: no instance ${ID} in eu-west-1`);
    expect(describeHostInterface('ip-10-0-1-2', 'eni-0abc', 'lambda')).toBe(
      'host ip-10-0-1-2: its IP is on network interface eni-0abc (lambda), not an instance: its holder may still run',
    );
    expect(describeHostUnknown('ip-10-0-12-34', 'AccessDenied')).toBe(
      'host ip-10-0-12-34: not checked (AccessDenied)',
    );
  });

  it('calls a holder without an EC2 name unknown, never gone', () => {
    expect(nonEc2Holder('alice@alices-mbp.local')).toEqual({
      outcome: 'unknown',
      reason: 'host "alices-mbp.local" is not an EC2 instance name',
    });
  });
});

describe('stateWriteOf', () => {
  const info = {
    ID: 'id-1',
    Operation: 'OperationTypeApply',
    Info: '',
    Who: 'runner@ip-10-0-1-2',
    Version: '1.9.8',
    Created: '2026-11-26T09:00:00Z',
    Path: 'acme/app.tfstate',
  };
  const table: LockHalf = {
    store: 'dynamodb',
    region: 'eu-west-1',
    table: 'locks',
    item: { kind: 'lock', lockId: 'acme/app.tfstate', rawInfo: '{}', info, createdMs: NOW - 3 * 60 * MINUTE },
  };
  /** A lockfile written `takenAgo` minutes before NOW, its state object `stateAgo` minutes before (if listed). */
  const lockfile = (takenAgo?: number, stateAgo?: number, createdAgo = 180): LockHalf => ({
    store: 's3',
    region: 'eu-west-1',
    lockfile: {
      kind: 'lock',
      bucket: 'acme',
      key: 'app.tfstate.tflock',
      lockId: 'acme/app.tfstate',
      rawInfo: '{}',
      info,
      createdMs: NOW - createdAgo * MINUTE,
      etag: '"e"',
      lastModifiedMs: takenAgo === undefined ? undefined : NOW - takenAgo * MINUTE,
      size: 2,
      ...(stateAgo === undefined ? {} : { stateLastModifiedMs: NOW - stateAgo * MINUTE }),
    },
  });
  const ago = (minutes: number) => NOW - minutes * MINUTE;

  it.each<[string, LockHalf[], (number | undefined)[], StateWrite | undefined]>([
    ['a lock item never seen written', [table], [undefined], undefined],
    ['a lock item whose digest moved', [table], [ago(10)], { atMs: ago(10), source: 'digest' }],
    ['a lockfile without its state in the listing', [lockfile(180)], [undefined], undefined],
    [
      'a lockfile whose state was written after it',
      [lockfile(180, 20)],
      [undefined],
      { atMs: ago(20), source: 's3' },
    ],
    ['a lockfile whose state is older than it', [lockfile(180, 200)], [undefined], undefined],
    ['a state written at the lock instant', [lockfile(180, 180)], [undefined], undefined],
    // Without LastModified, the lock counts from Created.
    [
      'a lockfile with no LastModified, state after Created',
      [lockfile(undefined, 20)],
      [undefined],
      { atMs: ago(20), source: 's3' },
    ],
    [
      'a lockfile with no LastModified, state before Created',
      [lockfile(undefined, 200)],
      [undefined],
      undefined,
    ],
    [
      'a double lock: the later write, the digest',
      [table, lockfile(180, 30)],
      [ago(10), undefined],
      { atMs: ago(10), source: 'digest' },
    ],
    [
      'a double lock: the later write, the state object',
      [table, lockfile(180, 5)],
      [ago(10), undefined],
      { atMs: ago(5), source: 's3' },
    ],
  ])('%s', (_name, halves, lastWrites, expected) => {
    expect(stateWriteOf(halves, lastWrites)).toEqual(expected);
  });
});

describe('evidenceFields', () => {
  const judgement = { idleSeconds: 600, lastSignOfLife: { atMs: NOW, from: 'created' as const } };
  it.each<[string, Evidence, object]>([
    ['no evidence', {}, { idleSeconds: 600, lastSignOfLife: '2026-11-26T12:00:00.000Z' }],
    [
      'a write and a gone host',
      {
        stateWrite: { atMs: NOW - MINUTE, source: 'digest' },
        holder: { outcome: 'gone', host: 'ip-10-0-1-2', instanceId: ID, state: 'terminated', reason: 'r' },
      },
      {
        idleSeconds: 600,
        lastSignOfLife: '2026-11-26T12:00:00.000Z',
        stateWrite: { at: '2026-11-26T11:59:00.000Z', source: 'digest' },
        holder: { outcome: 'gone', instanceId: ID, state: 'terminated' },
      },
    ],
    [
      'an unknown host',
      { holder: { outcome: 'unknown', reason: 'r' } },
      { idleSeconds: 600, lastSignOfLife: '2026-11-26T12:00:00.000Z', holder: { outcome: 'unknown' } },
    ],
  ])('reports %s', (_name, evidence, expected) => {
    expect(evidenceFields(judgement, evidence)).toEqual(expected);
  });
});
