// CDK: the janitor role's statements: lock tables and state buckets from the policy's globs, its own state table, the EC2 host check.
import { Annotations, Stack } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import { AUDIT_KEY_PREFIX, LOCK_ATTRIBUTES, mayDelete } from '../lambda/core/contract';
import type { Policy } from '../lambda/core/policy';
import { type Acknowledgement, wildcardResourceId } from './nag';
import {
  globAccess,
  LOCK_TABLE_DELETE_ACTION,
  LOCK_TABLE_DESCRIBE_ACTIONS,
  LOCK_TABLE_ITEM_ACTIONS,
  lockTableAccess,
} from './table-access';

/** The id of the synth warning for an include glob IAM cannot express exactly (acknowledgeable). */
export const WIDER_GLOB_WARNING = 'tf-lock-janitor:tableGlobWiderInIam';

/**
 * Grants the role what a run needs on lock tables, in every policy region; warns at synth about each include
 * glob granted on a wider pattern. Returns the cdk-nag acknowledgements for the wildcard table ARNs.
 */
export function grantLockTables(
  scope: IConstruct,
  role: iam.IRole,
  policy: Policy,
  allowRelease: boolean,
): Acknowledgement[] {
  const stack = Stack.of(scope);
  const access = lockTableAccess(policy, allowRelease);
  const arns = (names: readonly string[]) =>
    (policy.regions ?? [stack.region]).flatMap((region) =>
      names.map((name) =>
        stack.formatArn({ service: 'dynamodb', resource: 'table', resourceName: name, region }),
      ),
    );
  const add = (statement: iam.PolicyStatementProps) => {
    if (statement.resources?.length) role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  };
  add({ sid: 'DescribeLockTables', actions: [...LOCK_TABLE_DESCRIBE_ACTIONS], resources: arns(access.read) });
  // Fine-grained access: a Scan, GetItem or BatchGetItem must project only the lock attributes (Select SPECIFIC_ATTRIBUTES
  // with a ProjectionExpression of them), so the role cannot read any other attribute of any table. The
  // condition pair is AWS's own (IAM User Guide, reference_policies_examples_dynamodb_attributes).
  add({
    sid: 'ReadLockAttributes',
    actions: [...LOCK_TABLE_ITEM_ACTIONS],
    resources: arns(access.read),
    conditions: {
      'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...LOCK_ATTRIBUTES] },
      StringEqualsIfExists: { 'dynamodb:Select': 'SPECIFIC_ATTRIBUTES' },
    },
  });
  add({ sid: 'DeleteLocks', actions: [LOCK_TABLE_DELETE_ACTION], resources: arns(access.delete) });
  // Defence in depth: the sweep skips excluded tables, and IAM refuses the delete if it ever did not.
  add({
    sid: 'NeverDeleteInExcludedTables',
    effect: iam.Effect.DENY,
    actions: [LOCK_TABLE_DELETE_ACTION],
    resources: arns(access.denyDelete),
  });
  const deletes = mayDelete(policy.mode, allowRelease);
  for (const { glob, pattern, reason } of access.widened) {
    Annotations.of(scope).addWarningV2(
      WIDER_GLOB_WARNING,
      `tables.include glob "${glob}" cannot be written exactly as IAM table names (${reason}), so the role may read (DescribeTable, ListTagsOfResource, Scan, GetItem, BatchGetItem) tables named "${pattern}" and the janitor keeps to the glob in code` +
        (deletes
          ? `; it gets no DeleteItem there, so locks in tables only this glob matches cannot be deleted or released. List the names as smaller globs to allow that.`
          : '.'),
    );
  }
  return [...new Set(arns(access.read))]
    .map((arn) => wildcardResourceId(scope, arn))
    .filter((id) => id.includes('*'))
    .map((id) => ({
      id,
      reason:
        'Lock tables are found at run time; the name pattern comes from the policy include globs, so the role reaches only tables the policy can sweep',
    }));
}

/** The synth warning for a bucket glob IAM cannot express exactly. */
export const WIDER_BUCKET_GLOB_WARNING = 'tf-lock-janitor:bucketGlobWiderInIam';

/**
 * The role's S3 access, only when the policy names buckets (none by default: then no S3 permission at all):
 * `s3:ListAllMyBuckets` (it has no resource-level permission); `s3:ListBucket`, `s3:GetBucketLocation` and
 * `s3:GetBucketTagging` on the buckets; `s3:GetObject` on `<bucket>/*.tflock` only; `s3:DeleteObject` on
 * `<bucket>/*.tflock` only in mode `delete` (or with `allowRelease`), only on globs IAM expresses exactly,
 * with a deny on exact exclude globs. Nothing on state objects. Returns the cdk-nag acknowledgements.
 */
export function grantLockfiles(
  scope: IConstruct,
  role: iam.IRole,
  policy: Policy,
  allowRelease: boolean,
): Acknowledgement[] {
  if (policy.buckets.include.length === 0) return [];
  const stack = Stack.of(scope);
  const access = globAccess(policy.buckets, mayDelete(policy.mode, allowRelease));
  const buckets = (names: readonly string[]) => names.map((n) => `arn:${stack.partition}:s3:::${n}`);
  const lockfiles = (names: readonly string[]) =>
    names.map((n) => `arn:${stack.partition}:s3:::${n}/*.tflock`);
  const add = (statement: iam.PolicyStatementProps) => {
    if (statement.resources?.length) role.addToPrincipalPolicy(new iam.PolicyStatement(statement));
  };
  add({ sid: 'DiscoverBuckets', actions: ['s3:ListAllMyBuckets'], resources: ['*'] });
  add({
    sid: 'ReadStateBuckets',
    actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketTagging'],
    resources: buckets(access.read),
  });
  add({ sid: 'ReadLockfiles', actions: ['s3:GetObject'], resources: lockfiles(access.read) });
  add({ sid: 'DeleteLockfiles', actions: ['s3:DeleteObject'], resources: lockfiles(access.delete) });
  add({
    sid: 'NeverDeleteInExcludedBuckets',
    effect: iam.Effect.DENY,
    actions: ['s3:DeleteObject'],
    resources: lockfiles(access.denyDelete),
  });
  for (const { glob, pattern, reason } of access.widened)
    Annotations.of(scope).addWarningV2(
      WIDER_BUCKET_GLOB_WARNING,
      `buckets.include glob "${glob}" cannot be written exactly as IAM bucket names (${reason}), so the role may list and read lockfiles of buckets named "${pattern}" and the janitor keeps to the glob in code; it gets no s3:DeleteObject there.`,
    );
  const reason =
    'State buckets are found at run time; the patterns come from the policy bucket globs, and object access is limited to *.tflock lockfiles';
  return [
    {
      id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
      reason: 's3:ListAllMyBuckets has no resource-level permissions',
    },
    ...[...new Set([...buckets(access.read), ...lockfiles([...access.read, ...access.delete])])]
      .map((arn) => wildcardResourceId(scope, arn))
      .filter((id) => id.includes('*'))
      .map((id) => ({ id, reason })),
  ];
}

/**
 * Read/write on the janitor's own state table, except that audit records cannot be erased or changed: an explicit
 * deny of DeleteItem, UpdateItem and BatchWriteItem on any item whose partition key starts with `AUDIT#`.
 * IAM cannot see condition expressions, so it cannot stop a PutItem from overwriting an audit record; the janitor
 * writes audit records only with `attribute_not_exists(pk)`, and point-in-time recovery keeps earlier versions.
 */
export function grantStateTable(role: iam.IRole, table: ITable): void {
  table.grantReadWriteData(role);
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'KeepAuditRecords',
      effect: iam.Effect.DENY,
      actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'],
      resources: [table.tableArn],
      conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': [`${AUDIT_KEY_PREFIX}*`] } },
    }),
  );
}

/**
 * `ec2:DescribeInstances` and `ec2:DescribeNetworkInterfaces` for the EC2 holder host check, only when the policy
 * turns it on (`evidence.ec2Hosts`); the second tells an IP on an ECS task's or a Lambda function's interface
 * from one nothing holds. Neither action has resource-level permissions or condition keys that narrow what it
 * returns (Service Authorization Reference, Amazon EC2: no resource types listed for either), so the statement
 * must name `*`; both only read metadata, never change anything. Returns whether it granted.
 */
export function grantHostCheck(role: iam.IRole, policy: Policy): boolean {
  if (!policy.evidence.ec2Hosts) return false;
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'CheckLockHolderHosts',
      actions: ['ec2:DescribeInstances', 'ec2:DescribeNetworkInterfaces'],
      resources: ['*'],
    }),
  );
  return true;
}
