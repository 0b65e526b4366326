// Doctor core: the IAM simulations that tell whether the janitor's role may reach every place its policy names (pure).
import { LOCK_ATTRIBUTES } from '../../lambda/core/contract';
import type { Policy } from '../../lambda/core/policy';
import {
  LOCK_TABLE_DELETE_ACTION,
  LOCK_TABLE_DESCRIBE_ACTIONS,
  LOCK_TABLE_ITEM_ACTIONS,
} from '../../lib/table-access';

/** One SimulatePrincipalPolicy request: these actions on this resource, with the context a real call carries. */
export type AccessRequest = {
  /** What people read: `table tf-locks-* in eu-west-1`. */
  readonly place: string;
  readonly actions: readonly string[];
  readonly resourceArn: string;
  readonly context: readonly {
    readonly key: string;
    readonly type: 'string' | 'stringList';
    readonly values: readonly string[];
  }[];
};

/** Where the function lives, from its ARN `arn:PARTITION:lambda:REGION:ACCOUNT:function:NAME`. */
export type Home = { readonly partition: string; readonly account: string; readonly region: string };

/** The partition, account and region of a function ARN. */
export function homeOf(functionArn: string): Home {
  const [, partition = 'aws', , region = '', account = ''] = functionArn.split(':');
  return { partition, account, region };
}

/**
 * The simulations for a run: on each table include glob in each region, what a sweep does (describe, tags, and the
 * projected Scan/GetItem/BatchGetItem with the same `dynamodb:Attributes` and `dynamodb:Select` the janitor sends),
 * plus DeleteItem when it may delete; on each bucket include glob, the listing and tag reads, GetObject of a
 * lockfile, and DeleteObject when it may delete. A glob is simulated as the name it is (`*` matches itself in IAM).
 */
export function accessRequests(
  policy: Policy,
  regions: readonly string[],
  home: Home,
  canDelete: boolean,
): AccessRequest[] {
  const tables = regions.flatMap((region) =>
    policy.tables.include.map(({ pattern }) => ({
      place: `table ${pattern} in ${region}`,
      actions: [
        ...LOCK_TABLE_DESCRIBE_ACTIONS,
        ...LOCK_TABLE_ITEM_ACTIONS,
        ...(canDelete ? [LOCK_TABLE_DELETE_ACTION] : []),
      ],
      resourceArn: `arn:${home.partition}:dynamodb:${region}:${home.account}:table/${pattern}`,
      context: [
        { key: 'dynamodb:Attributes', type: 'stringList' as const, values: [...LOCK_ATTRIBUTES] },
        { key: 'dynamodb:Select', type: 'string' as const, values: ['SPECIFIC_ATTRIBUTES'] },
      ],
    })),
  );
  const buckets = policy.buckets.include.flatMap(({ pattern }) => [
    {
      place: `bucket ${pattern}`,
      actions: ['s3:ListBucket', 's3:GetBucketLocation', 's3:GetBucketTagging'],
      resourceArn: `arn:${home.partition}:s3:::${pattern}`,
      context: [],
    },
    {
      place: `lockfiles in bucket ${pattern}`,
      actions: ['s3:GetObject', ...(canDelete ? ['s3:DeleteObject'] : [])],
      resourceArn: `arn:${home.partition}:s3:::${pattern}/env/terraform.tfstate.tflock`,
      context: [],
    },
  ]);
  return [
    { place: 'table discovery', actions: ['dynamodb:ListTables'], resourceArn: '*', context: [] },
    ...tables,
    ...buckets,
  ];
}
