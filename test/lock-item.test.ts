// Tests: classifying items and parsing LockInfo.
import { goTimestamp, lockItem, marshalLockInfo } from '../bin/demo/terraform-lock';
import { judge } from '../lambda/core/judge';
import { classifyItem, describeLockId, parseCreated } from '../lambda/core/lock-item';
import { parsePolicy } from '../lambda/core/policy';

// A lock item as Terraform's S3 backend writes it (client.go Lock(), locker.go LockInfo), byte for byte.
const REAL_INFO =
  '{"ID":"3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513","Operation":"OperationTypeApply","Info":"","Who":"runner@ip-10-0-12-34","Version":"1.9.8","Created":"2025-03-14T09:26:53.589793238Z","Path":"acme-tfstate/env:/staging/network/terraform.tfstate"}';
const WINDOWS_INFO =
  '{"ID":"7c6b45bd-2239-aebb-cae1-eb8f9e1777be","Operation":"OperationTypePlan","Info":"","Who":"ELECTRO\\\\victorsh@LOGRUS","Version":"1.8.4","Created":"2024-06-01T14:39:19.5853771Z","Path":"b/k"}';

describe('classifyItem', () => {
  it('keeps a real Terraform lock byte for byte and reads its fields', () => {
    const item = classifyItem({
      LockID: { S: 'acme-tfstate/env:/staging/network/terraform.tfstate' },
      Info: { S: REAL_INFO },
    });
    expect(item).toMatchObject({
      kind: 'lock',
      rawInfo: REAL_INFO,
      createdMs: Date.parse('2025-03-14T09:26:53.589Z'),
    });
    expect(item.kind === 'lock' && item.info).toMatchObject({
      ID: '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513',
      Operation: 'OperationTypeApply',
      Who: 'runner@ip-10-0-12-34',
    });
  });

  it('reads a Windows DOMAIN\\user lock', () => {
    const item = classifyItem({ LockID: { S: 'b/k' }, Info: { S: WINDOWS_INFO } });
    expect(item.kind === 'lock' && item.info.Who).toBe('ELECTRO\\victorsh@LOGRUS');
  });

  it.each([
    [
      'a digest with Digest',
      { LockID: { S: 'b/app.tfstate-md5' }, Digest: { S: '9e107d9d372bb6826bd81d3542a419d6' } },
    ],
    ["Terragrunt's digest that holds only LockID", { LockID: { S: 'b/env:/ws/app.tfstate-md5' } }],
    [
      'the digest of a state key that itself ends in -md5',
      { LockID: { S: 'b/x-md5-md5' }, Digest: { S: 'abc' } },
    ],
  ])('classifies %s as a digest', (_, raw) => {
    expect(classifyItem(raw).kind).toBe('digest');
  });

  it('classifies the lock of a state key ending in -md5 as a lock (by attributes, not suffix)', () => {
    expect(classifyItem({ LockID: { S: 'b/x-md5' }, Info: { S: REAL_INFO } }).kind).toBe('lock');
  });

  it.each([
    ['no LockID', { Info: { S: REAL_INFO } }, 'no LockID'],
    ['a numeric LockID', { LockID: { N: '1' }, Info: { S: REAL_INFO } }, 'no LockID'],
    ['empty Info (a cut-off write)', { LockID: { S: 'b/k' }, Info: { S: '' } }, 'Info is empty'],
    ['truncated JSON', { LockID: { S: 'b/k' }, Info: { S: '{"ID":"9f1c' } }, 'not JSON'],
    ['a JSON array', { LockID: { S: 'b/k' }, Info: { S: '[]' } }, 'not a JSON object'],
    ['Info without ID', { LockID: { S: 'b/k' }, Info: { S: '{"Who":"x"}' } }, 'no lock ID'],
    ['an empty ID', { LockID: { S: 'b/k' }, Info: { S: '{"ID":""}' } }, 'no lock ID'],
    [
      'a numeric field',
      { LockID: { S: 'b/k' }, Info: { S: '{"ID":"a","Who":5}' } },
      'Info.Who is not a string',
    ],
    ['Info of type B', { LockID: { S: 'b/k' }, Info: { B: new Uint8Array([1]) } }, 'not a string attribute'],
    [
      'Info and Digest',
      { LockID: { S: 'b/k' }, Info: { S: REAL_INFO }, Digest: { S: 'x' } },
      'both Info and Digest',
    ],
    ['other attributes only', { LockID: { S: 'b/k' }, Owner: { S: 'me' } }, 'no Info attribute'],
  ])('classifies an item with %s as unparseable', (_, raw, problem) => {
    const item = classifyItem(raw as never);
    expect(item.kind).toBe('unparseable');
    expect(item.kind === 'unparseable' && item.problem).toContain(problem);
  });

  it('keeps a lock whose Created is unreadable, with no creation time', () => {
    const item = classifyItem({
      LockID: { S: 'b/k' },
      Info: { S: '{"ID":"a","Created":"2024-09-18 15:43:23 +0000 UTC"}' },
    });
    expect(item).toMatchObject({ kind: 'lock', createdMs: undefined });
  });
});

describe('parseCreated', () => {
  it.each([
    ['2025-03-14T09:26:53Z', '2025-03-14T09:26:53.000Z'],
    ['2025-03-14T09:26:53.5Z', '2025-03-14T09:26:53.500Z'],
    ['2024-10-20T13:50:16.753423Z', '2024-10-20T13:50:16.753Z'],
    ['2024-06-01T14:39:19.5853771Z', '2024-06-01T14:39:19.585Z'],
    ['2025-03-14T09:26:53.589793238Z', '2025-03-14T09:26:53.589Z'],
    ['2025-03-14T11:26:53.1+02:00', '2025-03-14T09:26:53.100Z'],
  ])('reads %s', (created, iso) => {
    expect(parseCreated(created)).toBe(Date.parse(iso));
  });

  it.each([
    '',
    '2025-03-14',
    '2025-03-14T09:26:53.1234567890Z',
    '2024-09-18 15:43:23.049912 +0000 UTC',
    '2025-13-45T09:26:53Z',
    'Fri, 14 Mar 2025 09:26:53 GMT',
    '0001-01-01T00:00:00Z',
    '2013-12-31T23:59:59.999Z',
    '1970-01-01T00:00:00Z',
  ])('rejects %j', (created) => {
    expect(parseCreated(created)).toBeUndefined();
  });

  it('reads the first instant of 2014', () => {
    expect(parseCreated('2014-01-01T00:00:00Z')).toBe(Date.UTC(2014, 0, 1));
  });
});

describe('an impossible Created', () => {
  const withCreated = (Created: string) =>
    classifyItem({ LockID: { S: 'b/k' }, Info: { S: JSON.stringify({ ID: 'a', Created }) } });

  it.each<[string, string, string]>([
    ["Go's zero time", '0001-01-01T00:00:00Z', "Created is impossible (Go's zero time 0001-01-01T00:00:00Z)"],
    ['the zero time with an offset', '0001-01-01T00:00:00+00:00', "Created is impossible (Go's zero time"],
    ['a time before 2014', '2013-06-01T12:00:00Z', 'Created is impossible (before 2014'],
    ['the Unix epoch', '1970-01-01T00:00:00Z', 'Created is impossible (before 2014'],
    ['an unreadable time', '2024-09-18 15:43:23 +0000 UTC', 'Created is unreadable'],
  ])('keeps the lock with no creation time and says why: %s', (_name, created, problem) => {
    const item = withCreated(created);
    expect(item).toMatchObject({ kind: 'lock', createdMs: undefined });
    expect(item.kind === 'lock' && item.createdProblem).toContain(problem);
  });

  it('has no problem for a real time', () => {
    expect(withCreated('2025-03-14T09:26:53Z')).not.toHaveProperty('createdProblem');
  });

  it('gives a zero-time lock its age from the first sighting, so it is not deleted at once', () => {
    // Prepare
    const now = Date.parse('2026-01-01T00:00:00Z');
    const policy = parsePolicy({
      mode: 'delete',
      rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
      minSightings: 1,
    });
    const item = withCreated('0001-01-01T00:00:00Z');
    if (item.kind !== 'lock') throw new Error('not a lock');

    // Act
    const j = judge(policy, { table: 't', item }, now, { count: 5, firstSeenMs: now - 60_000 });

    // Assess
    expect(j).toMatchObject({ decision: 'keep', ageSeconds: 60 });
    expect(j.reason).toContain("since first seen (Created is impossible (Go's zero time");
  });
});

describe('describeLockId', () => {
  it.each([
    ['acme/network/terraform.tfstate', { bucket: 'acme', path: 'network/terraform.tfstate' }],
    [
      'acme/env:/staging/app.tfstate',
      { bucket: 'acme', path: 'env:/staging/app.tfstate', workspace: 'staging' },
    ],
  ])('splits %s', (lockId, parts) => {
    expect(describeLockId(lockId)).toEqual(parts);
  });
});

describe('the Terraform-faithful writer used by the demo and tests', () => {
  it('marshals Info exactly as Go does, HTML characters escaped', () => {
    const info = {
      ID: 'i',
      Operation: 'OperationTypeApply',
      Info: '',
      Who: 'a<b>&c',
      Version: '1.9.8',
      Created: '2025-03-14T09:26:53Z',
      Path: 'b/k',
    };
    expect(marshalLockInfo(info)).toBe(
      '{"ID":"i","Operation":"OperationTypeApply","Info":"","Who":"a\\u003cb\\u003e\\u0026c","Version":"1.9.8","Created":"2025-03-14T09:26:53Z","Path":"b/k"}',
    );
  });

  it.each([
    [Date.parse('2025-03-14T09:26:53.000Z'), '', '2025-03-14T09:26:53Z'],
    [Date.parse('2025-03-14T09:26:53.500Z'), '', '2025-03-14T09:26:53.5Z'],
    [Date.parse('2025-03-14T09:26:53.589Z'), '793238', '2025-03-14T09:26:53.589793238Z'],
    [Date.parse('2025-03-14T09:26:53.580Z'), '100', '2025-03-14T09:26:53.5801Z'],
  ])('formats Created like Go (trailing zeros trimmed)', (ms, sub, text) => {
    expect(goTimestamp(ms, sub)).toBe(text);
  });

  it('writes items of exactly LockID and Info whose Info round-trips through the classifier', () => {
    const item = lockItem({
      bucket: 'b',
      path: 'env:/ws/k',
      operation: 'OperationTypePlan',
      who: 'me@host',
      createdMs: 0,
      id: 'x',
    });
    expect(Object.keys(item)).toEqual(['LockID', 'Info']);
    expect(classifyItem(item)).toMatchObject({
      kind: 'lock',
      lockId: 'b/env:/ws/k',
      info: { Path: 'b/env:/ws/k', ID: 'x' },
    });
  });
});
