// Tests: lockfile keys, lock IDs and classifying what a lockfile read returned.
import { goTimestamp, marshalLockInfo } from '../bin/demo/terraform-lock';
import { JanitorError } from '../lambda/core/errors';
import {
  classifyLockfile,
  isLockfileKey,
  lockIdOfLockfile,
  MAX_LOCKFILE_BYTES,
  statePathOfLockfile,
} from '../lambda/core/lockfile';
import type { LockfileEntry, LockfileRead } from '../lambda/core/lockfile-port';

const BUCKET = 'acme-tfstate';
const KEY = 'env:/staging/network/terraform.tfstate.tflock';
const ETAG = '"5d41402abc4b2a76b9719d911017c592"';
const LISTED_MS = Date.parse('2025-03-14T09:27:01Z');
const READ_MS = Date.parse('2025-03-14T09:27:02Z');
// The body Terraform's S3 backend writes (json.Marshal of statemgr.LockInfo), byte for byte.
const INFO = marshalLockInfo({
  ID: '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513',
  Operation: 'OperationTypeApply',
  Info: '',
  Who: 'runner@ip-10-0-12-34',
  Version: '1.11.2',
  Created: goTimestamp(Date.parse('2025-03-14T09:26:53.589Z'), '793238'),
  Path: 'acme-tfstate/env:/staging/network/terraform.tfstate',
});

const listed: LockfileEntry = { key: KEY, etag: ETAG, lastModifiedMs: LISTED_MS, size: INFO.length };
const bodyRead = (body: string | Uint8Array): Extract<LockfileRead, { kind: 'body' }> => ({
  kind: 'body',
  body: typeof body === 'string' ? new TextEncoder().encode(body) : body,
  etag: ETAG,
  lastModifiedMs: READ_MS,
});

describe('lockfile keys', () => {
  it.each([
    ['terraform.tfstate.tflock', true],
    ['env:/staging/network/terraform.tfstate.tflock', true],
    ['a.tflock', true],
    ['x.tflock.tflock', true],
    ['.tflock', false],
    ['dir/.tflock', false],
    ['terraform.tfstate', false],
    ['a.tflock.bak', false],
    ['a.TFLOCK', false],
    ['a.tflock/', false],
    ['a.tflock ', false],
    ['a_tflock', false],
    ['', false],
  ])('isLockfileKey(%j) is %s', (key, expected) => {
    expect(isLockfileKey(key)).toBe(expected);
  });

  it.each([
    ['acme-tfstate', 'terraform.tfstate.tflock', 'acme-tfstate/terraform.tfstate'],
    ['acme-tfstate', 'env:/ws/app/terraform.tfstate.tflock', 'acme-tfstate/env:/ws/app/terraform.tfstate'],
    ['b.with.dots', 'ws/key.tflock', 'b.with.dots/ws/key'],
  ])('the lock ID of s3://%s/%s is %s, the DynamoDB LockID of the same state', (bucket, key, lockId) => {
    expect(lockIdOfLockfile(bucket, key)).toBe(lockId);
  });

  it.each(['terraform.tfstate', '.tflock', 'a.tflock.bak'])(
    'refuses a lock ID for the non-lockfile %j',
    (key) => {
      expect(() => statePathOfLockfile(key)).toThrow(JanitorError);
      expect(() => lockIdOfLockfile(BUCKET, key)).toThrow(/not a lockfile key/);
    },
  );
});

describe('classifyLockfile', () => {
  it('reads a Terraform lockfile byte for byte, with the ETag and LastModified of the read', () => {
    const lock = classifyLockfile(
      BUCKET,
      { ...listed, stateLastModifiedMs: LISTED_MS - 5000 },
      bodyRead(INFO),
    );
    expect(lock).toEqual({
      kind: 'lock',
      bucket: BUCKET,
      key: KEY,
      lockId: 'acme-tfstate/env:/staging/network/terraform.tfstate',
      rawInfo: INFO,
      info: expect.objectContaining({ ID: '3d5f0c2a-9b71-e4c8-1a6d-7f20b9e4c513', Version: '1.11.2' }),
      createdMs: Date.parse('2025-03-14T09:26:53.589Z'),
      etag: ETAG,
      lastModifiedMs: READ_MS,
      size: INFO.length,
      stateLastModifiedMs: LISTED_MS - 5000,
    });
  });

  it('keeps a lock whose Created is not a time (its age then comes from LastModified)', () => {
    const body = INFO.replace(/"Created":"[^"]*"/, '"Created":"yesterday"');
    expect(classifyLockfile(BUCKET, listed, bodyRead(body))).toMatchObject({
      kind: 'lock',
      createdMs: undefined,
    });
  });

  it.each<[string, LockfileRead, RegExp]>([
    ['an empty body', bodyRead(''), /not a Terraform lock: Info is empty/],
    ['a body that is not JSON', bodyRead('locked by bob'), /not a Terraform lock: Info is not JSON/],
    ['a JSON array', bodyRead('[1]'), /not a JSON object/],
    ['LockInfo without an ID', bodyRead(INFO.replace(/"ID":"[^"]*"/, '"ID":""')), /no lock ID/],
    ['a body with a byte-order mark', bodyRead(`\uFEFF${INFO}`), /not JSON/],
    ['a body that is not UTF-8', bodyRead(new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])), /not UTF-8/],
    ['a body read without an ETag', { ...bodyRead(INFO), etag: undefined }, /no ETag/],
    ['a body read with an empty ETag', { ...bodyRead(INFO), etag: '' }, /no ETag/],
    [
      'a body too big to be a lock',
      { kind: 'too-big', size: MAX_LOCKFILE_BYTES + 1, etag: ETAG, lastModifiedMs: READ_MS },
      /65537 bytes, more than a lock's 65536/,
    ],
    [
      'a body the janitor may not read',
      { kind: 'unreadable', errorName: 'AccessDenied', message: 'Access Denied' },
      /could not be read \(AccessDenied\): Access Denied/,
    ],
    [
      'a body under a disabled KMS key',
      { kind: 'unreadable', errorName: 'KMS.DisabledException', message: 'key is disabled' },
      /\(KMS\.DisabledException\)/,
    ],
    [
      'an SSE-C body read without its key',
      {
        kind: 'unreadable',
        errorName: 'InvalidRequest',
        message: 'The object was stored using a form of SSE',
      },
      /\(InvalidRequest\)/,
    ],
  ])('classifies %s as unparseable, naming the problem', (_, read, problem) => {
    const result = classifyLockfile(BUCKET, listed, read);
    expect(result).toMatchObject({
      kind: 'unparseable',
      bucket: BUCKET,
      key: KEY,
      lockId: expect.any(String),
    });
    expect(result.kind === 'unparseable' && result.problem).toMatch(problem);
  });

  it.each<[string, LockfileRead, number]>([
    ['read', { kind: 'too-big', size: 1e6, etag: ETAG, lastModifiedMs: READ_MS }, READ_MS],
    [
      'listing, when the read failed',
      { kind: 'unreadable', errorName: 'AccessDenied', message: '' },
      LISTED_MS,
    ],
  ])("dates an unparseable lockfile from the %s's LastModified", (_, read, expected) => {
    expect(classifyLockfile(BUCKET, listed, read)).toMatchObject({ lastModifiedMs: expected });
  });

  it('tells a lockfile released between the listing and the read (gone) from a problem', () => {
    expect(classifyLockfile(BUCKET, listed, { kind: 'missing' })).toEqual({
      kind: 'gone',
      bucket: BUCKET,
      key: KEY,
      lockId: 'acme-tfstate/env:/staging/network/terraform.tfstate',
    });
  });
});
