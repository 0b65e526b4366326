// Tests: the janitor role's IAM: lock tables from globs (never wider than a glob), attribute-level reads, audit records.
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { compileGlob } from '../lambda/core/glob';
import { type PolicyInput, parsePolicy } from '../lambda/core/policy';
import { iamNames, lockTableAccess } from '../lib/table-access';
import {
  arnOf,
  grantsOf,
  janitorStack,
  list,
  ref,
  statement,
  statements,
  synthJanitor,
  tableArn,
  tableNames,
} from './support/cdk';

const access = (policy: PolicyInput, allowRelease = false) =>
  lockTableAccess(parsePolicy(policy), allowRelease);
const withSid = (policy: PolicyInput, sid: string) =>
  statements(synthJanitor({ policy })).find((s) => s.Sid === sid);

describe('globs as IAM table names', () => {
  it.each([
    ['*', ['*']],
    ['tf-locks-?', ['tf-locks-?']],
    ['[a-c]ore-locks', ['aore-locks', 'bore-locks', 'core-locks']],
    ['x[]y]', ['xy']],
    ['tf-[ab]-[12]', ['tf-a-1', 'tf-a-2', 'tf-b-1', 'tf-b-2']],
    // Table names hold only [A-Za-z0-9_.-], so a set is cut to those; a negated set can be small then.
    ['lock[!a-zA-Z0-9]', ['lock_', 'lock.', 'lock-']],
    ['t[/a]', ['ta']],
  ])('writes %s exactly as %j', (glob, patterns) => {
    expect(iamNames(glob)).toEqual({ exact: true, patterns });
  });

  it.each([
    ['[!x]ore-locks', '?ore-locks', 'its sets expand to 64 names, more than the 32'],
    ['[a-z][a-z]-locks', '??-locks', 'its sets expand to 676 names'],
    ['tf-[0-9][0-9]-*', 'tf-??-*', 'its sets expand to 100 names'],
  ])('widens %s to %s (for reads only)', (glob, pattern, reason) => {
    const names = iamNames(glob);
    expect(names).toMatchObject({ exact: false, pattern });
    expect(names.exact ? '' : names.reason).toContain(reason);
  });

  it.each(['[a-c]ore', 'x[!a-zA-Z0-9]', '[0-9]?', '[_.-][xz]', 'a[]b]', 't[ab]*'])(
    'writes %s as IAM names that match exactly the table names the glob matches',
    (glob) => {
      const names = iamNames(glob);
      if (!names.exact) throw new Error(`${glob} should be exact`);
      // IAM resource patterns: `*` any run, `?` one character, everything else itself.
      const iam = names.patterns.map(
        (p) =>
          new RegExp(
            `^${p
              .replace(/[.+^${}()|[\]\\-]/g, '\\$&')
              .replace(/\*/g, '.*')
              .replace(/\?/g, '.')}$`,
          ),
      );
      const matcher = compileGlob(glob);
      // Only characters a table name may hold: a name with any other cannot exist.
      const alphabet = [...'abcorexyz09A_.-'];
      let candidates = [''];
      for (let i = 0; i < 4; i++)
        candidates = [...candidates, ...candidates.flatMap((c) => alphabet.map((a) => c + a))];
      const disagreements = [...new Set(candidates)].filter(
        (name) => iam.some((re) => re.test(name)) !== matcher.test(name),
      );
      expect(disagreements).toEqual([]);
    },
  );
});

describe('lock-table statements', () => {
  it('reads attributes only with fine-grained conditions; describe and tag reads apart; no DeleteItem in alert', () => {
    const t = synthJanitor({
      policy: { mode: 'alert', tables: { include: ['tf-locks-*', 'infra-state-lock'] } },
    });
    const resources = [tableArn('infra-state-lock'), tableArn('tf-locks-*')];
    expect(statement(t, 'ReadLockAttributes')).toEqual({
      Sid: 'ReadLockAttributes',
      Effect: 'Allow',
      Action: ['dynamodb:Scan', 'dynamodb:GetItem', 'dynamodb:BatchGetItem'],
      Resource: resources,
      Condition: {
        'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['LockID', 'Info', 'Digest'] },
        StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
      },
    });
    expect(statement(t, 'DescribeLockTables')).toEqual({
      Sid: 'DescribeLockTables',
      Effect: 'Allow',
      Action: ['dynamodb:DescribeTable', 'dynamodb:ListTagsOfResource'],
      Resource: resources,
    });
    // Scan, GetItem and BatchGetItem appear in no other statement on lock tables (the other is the state table's).
    expect(grantsOf(t, 'dynamodb:Scan').map((s) => s.Sid)).toEqual(['ReadLockAttributes']);
    for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem']) {
      const others = grantsOf(t, action).filter((s) => s.Sid !== 'ReadLockAttributes');
      expect(others.flatMap((s) => [s.Resource].flat())).toEqual(
        others.length ? [arnOf(t, 'AWS::DynamoDB::Table')] : [],
      );
    }
    // DeleteItem only on the janitor's own state table.
    expect(
      grantsOf(t, 'dynamodb:DeleteItem')
        .filter((s) => s.Effect === 'Allow')
        .map((s) => s.Resource),
    ).toEqual([[arnOf(t, 'AWS::DynamoDB::Table')]]);
  });

  it('grants DeleteItem in delete mode in a statement of its own', () => {
    const s = withSid({ mode: 'delete', tables: { include: ['tf-locks-*'] } }, 'DeleteLocks');
    expect(s).toEqual({
      Sid: 'DeleteLocks',
      Effect: 'Allow',
      Action: 'dynamodb:DeleteItem',
      Resource: tableArn('tf-locks-*'),
    });
  });

  it('reaches table/* when include is *, in every policy region', () => {
    const s = withSid({ regions: ['eu-west-1', 'us-east-1'] }, 'ReadLockAttributes');
    expect(s?.Resource).toEqual([tableArn('*', 'eu-west-1'), tableArn('*', 'us-east-1')]);
  });

  it('writes a small set out as exact names, for reads and deletes alike', () => {
    const policy: PolicyInput = { mode: 'delete', tables: { include: ['[a-c]ore-locks'] } };
    const names = ['aore-locks', 'bore-locks', 'core-locks'];
    expect(tableNames(withSid(policy, 'ReadLockAttributes'))).toEqual(names);
    expect(tableNames(withSid(policy, 'DeleteLocks'))).toEqual(names);
    const { stack } = janitorStack({ policy });
    Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('cannot be written exactly'));
  });

  it('grants a glob IAM cannot express reads on the wider pattern, no DeleteItem there, and warns at synth', () => {
    const policy: PolicyInput = { mode: 'delete', tables: { include: ['[!x]ore-locks', 'tf-locks'] } };
    const { stack } = janitorStack({ policy });
    const t = Annotations.fromStack(stack);
    t.hasWarning(
      '/Test/J/Function',
      Match.stringLikeRegexp(
        'tables.include glob "\\[!x\\]ore-locks" cannot be written exactly as IAM table names .*"\\?ore-locks".*no DeleteItem there',
      ),
    );
    const template = synthJanitor({ policy });
    expect(tableNames(statement(template, 'ReadLockAttributes'))).toEqual(['?ore-locks', 'tf-locks']);
    expect(tableNames(statement(template, 'DescribeLockTables'))).toEqual(['?ore-locks', 'tf-locks']);
    expect(tableNames(statement(template, 'DeleteLocks'))).toEqual(['tf-locks']);
    for (const s of grantsOf(template, 'dynamodb:DeleteItem'))
      expect(tableNames(s)).not.toContain('?ore-locks');
  });

  it('denies DeleteItem on exclude globs IAM can express, and only when it grants DeleteItem', () => {
    const tables = { include: ['tf-*'], exclude: ['tf-prod-*', 'tf-[ab]', 'tf-[!x]y'] };
    expect(withSid({ mode: 'delete', tables }, 'NeverDeleteInExcludedTables')).toEqual({
      Sid: 'NeverDeleteInExcludedTables',
      Effect: 'Deny',
      Action: 'dynamodb:DeleteItem',
      Resource: [tableArn('tf-a'), tableArn('tf-b'), tableArn('tf-prod-*')],
    });
    expect(withSid({ mode: 'alert', tables }, 'NeverDeleteInExcludedTables')).toBeUndefined();
    expect(access({ mode: 'alert', tables }, true).denyDelete).toEqual(['tf-a', 'tf-b', 'tf-prod-*']);
  });

  it.each([
    [{ tables: { include: ['*'] } }, ['*'], []],
    [{ mode: 'delete', tables: { include: ['a-*', '*'] } }, ['*'], ['*']],
    [{ mode: 'report', tables: { include: ['tf-[ab]', 'tf-a'] } }, ['tf-a', 'tf-b'], []],
    [{ mode: 'delete', tables: { include: ['[!x]y', 'tf'] } }, ['?y', 'tf'], ['tf']],
  ] as [PolicyInput, string[], string[]][])('access for %j: read %j, delete %j', (policy, read, deletes) => {
    expect(access(policy)).toMatchObject({ read, delete: deletes });
  });
});

describe('the state table', () => {
  it('reads and writes it, publishes to its topic, nothing more', () => {
    const t = synthJanitor();
    expect(grantsOf(t, 'dynamodb:PutItem').map((s) => s.Resource)).toEqual([
      [arnOf(t, 'AWS::DynamoDB::Table')],
    ]);
    expect(grantsOf(t, 'sns:Publish').map((s) => s.Resource)).toEqual([ref(t, 'AWS::SNS::Topic')]);
  });

  it('denies erasing or changing audit records (partition keys AUDIT#...), and nothing else', () => {
    const t = synthJanitor();
    expect(statement(t, 'KeepAuditRecords')).toEqual({
      Sid: 'KeepAuditRecords',
      Effect: 'Deny',
      Action: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
      Resource: arnOf(t, 'AWS::DynamoDB::Table'),
      Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
    });
    // Sightings and intents (SIGHTING#..., INTENT#...) stay writable: no other deny touches the state table.
    const denies = statements(t).filter((s) => s.Effect === 'Deny');
    expect(denies.map((s) => s.Sid)).toEqual(['KeepAuditRecords']);
    const allowed = grantsOf(t, 'dynamodb:UpdateItem').filter((s) => s.Effect === 'Allow');
    expect(list(allowed[0].Action)).toEqual(
      expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:DeleteItem']),
    );
  });
});

describe('least privilege overall', () => {
  it('never grants a wildcard action', () => {
    const t = synthJanitor({ policy: { mode: 'delete' }, slack: { workspaceId: 'T1', channelId: 'C1' } });
    const actions = statements(t).flatMap((s) => list(s.Action));
    expect(actions.filter((a) => a.includes('*'))).toEqual([]);
  });

  it('lists tables on * (ListTables has no resource-level permissions) and nothing else there', () => {
    const t = synthJanitor({ policy: { tables: { include: ['tf-locks-*'] } } });
    const onStar = statements(t).filter((s) => JSON.stringify(s.Resource) === '"*"');
    expect(onStar.flatMap((s) => list(s.Action))).toEqual(['dynamodb:ListTables']);
  });
});

describe('S3 permissions for state buckets', () => {
  const s3Statements = (policy: PolicyInput, allowRelease = false) =>
    statements(synthJanitor({ policy, allowRelease })).filter((s) =>
      list(s.Action).some((a: string) => a.startsWith('s3:')),
    );
  const bySid = (all: ReturnType<typeof s3Statements>, sid: string) => all.find((s) => s.Sid === sid);
  const resources = (s: { Resource: unknown } | undefined) => JSON.stringify(s?.Resource ?? null);

  it('grants no S3 permission at all when the policy names no buckets', () => {
    expect(s3Statements({ mode: 'delete' })).toEqual([]);
  });

  it('lists buckets, reads bucket facts on the globs, and reads only *.tflock objects (mode alert: no delete)', () => {
    const all = s3Statements({ mode: 'alert', buckets: { include: ['acme-tfstate-*'] } });
    expect(bySid(all, 'DiscoverBuckets')).toMatchObject({ Action: 's3:ListAllMyBuckets', Resource: '*' });
    expect(list(bySid(all, 'ReadStateBuckets')?.Action).sort()).toEqual([
      's3:GetBucketLocation',
      's3:GetBucketTagging',
      's3:ListBucket',
    ]);
    expect(resources(bySid(all, 'ReadStateBuckets'))).toContain(':s3:::acme-tfstate-*');
    expect(bySid(all, 'ReadLockfiles')).toMatchObject({ Action: 's3:GetObject' });
    expect(resources(bySid(all, 'ReadLockfiles'))).toContain(':s3:::acme-tfstate-*/*.tflock');
    expect(bySid(all, 'DeleteLockfiles')).toBeUndefined();
    // Nothing ever reaches state objects: every object ARN ends in /*.tflock.
    for (const s of all)
      for (const r of list(s.Resource).map((x: unknown) => JSON.stringify(x)))
        if (r.includes('/')) expect(r).toMatch(/\/\*\.tflock/);
  });

  it.each([
    ['mode delete', { mode: 'delete' as const }, false],
    ['allowRelease in mode alert', { mode: 'alert' as const }, true],
  ])(
    'deletes only *.tflock objects of exact globs in %s, and denies the excluded buckets',
    (_n, mode, allowRelease) => {
      const all = s3Statements(
        { ...mode, buckets: { include: ['acme-[ab]', '[!x]state'], exclude: ['acme-b'] } },
        allowRelease,
      );
      const del = bySid(all, 'DeleteLockfiles');
      expect(del).toMatchObject({ Action: 's3:DeleteObject' });
      expect(resources(del)).toContain(':s3:::acme-a/*.tflock');
      expect(resources(del)).not.toContain('?state');
      expect(resources(bySid(all, 'ReadLockfiles'))).toContain('?state/*.tflock');
      expect(bySid(all, 'NeverDeleteInExcludedBuckets')).toMatchObject({
        Effect: 'Deny',
        Action: 's3:DeleteObject',
      });
      expect(resources(bySid(all, 'NeverDeleteInExcludedBuckets'))).toContain(':s3:::acme-b/*.tflock');
    },
  );
});
