// Demo data: the demo policy and a realistic lock table of live, stale and broken items.
import type { PolicyInput } from '../../lambda/core/policy';
import { digestItem, lockItem } from './terraform-lock';

export const LOCK_TABLE = 'acme-terraform-locks';
export const OTHER_TABLE = 'orders';
export const BUCKET = 'acme-tfstate';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The policy the demo runs: CI plans are cleaned up, production is only ever alerted on. */
export const DEMO_POLICY: PolicyInput = {
  mode: 'delete',
  // The state bucket's .tflock lockfiles (S3 native locking) are audited too.
  buckets: { include: [BUCKET] },
  rules: [
    { name: 'prod', match: { lockId: '*/prod/*' }, alertAfter: '1h' },
    {
      name: 'ci-plans',
      match: { operation: ['OperationTypePlan'], who: 'runner@*' },
      alertAfter: '30m',
      deleteAfter: '2h',
    },
    { name: 'default', match: {}, alertAfter: '4h', deleteAfter: '24h' },
  ],
  minSightings: 2,
  maxDeletionsPerRun: 10,
  realertAfter: '24h',
};

/** A realistic lock table at `nowMs`: live and stale locks of several kinds, digests, and one broken item. */
export function demoItems(nowMs: number): Record<string, { S: string }>[] {
  return [
    // A fresh apply from a laptop: kept.
    lockItem({
      bucket: BUCKET,
      path: 'network/terraform.tfstate',
      operation: 'OperationTypeApply',
      who: 'alice@alice-mbp.local',
      createdMs: nowMs - 4 * MINUTE,
      subMillis: '423',
    }),
    digestItem(BUCKET, 'network/terraform.tfstate'),
    // A CI plan whose job was cancelled 3 hours ago: deleted once seen twice.
    lockItem({
      bucket: BUCKET,
      path: 'services/api/terraform.tfstate',
      operation: 'OperationTypePlan',
      who: 'runner@ip-10-0-12-34',
      createdMs: nowMs - 3 * HOUR,
      subMillis: '793238',
    }),
    digestItem(BUCKET, 'services/api/terraform.tfstate'),
    // An apply stuck since yesterday (Windows user): deleted by the default rule once seen twice.
    lockItem({
      bucket: BUCKET,
      path: 'legacy/dns.tfstate',
      operation: 'OperationTypeApply',
      who: 'ELECTRO\\victorsh@LOGRUS',
      version: '1.8.4',
      createdMs: nowMs - 27 * HOUR,
      subMillis: '5771',
    }),
    // A workspace lock in production, 2 hours old: alerted, never deleted.
    lockItem({
      bucket: BUCKET,
      path: 'env:/prod/payments/terraform.tfstate',
      operation: 'OperationTypeApply',
      who: 'deploy@ci-prod-7',
      createdMs: nowMs - 2 * HOUR,
      subMillis: '546715',
    }),
    digestItem(BUCKET, 'env:/prod/payments/terraform.tfstate'),
    // Terragrunt's migrated digest: only LockID.
    { LockID: { S: `${BUCKET}/env:/staging/payments/terraform.tfstate-md5` } },
    // A lock whose Info was cut off ("unexpected end of JSON input" in Terraform): reported, never deleted.
    { LockID: { S: `${BUCKET}/broken/terraform.tfstate` }, Info: { S: '{"ID":"9f1c0b7e-2a' } },
  ];
}

/** A lock held in the demo's state bucket: its `.tflock` key, its body, and when it was written. */
export type DemoLockfile = { readonly key: string; readonly body: string; readonly atMs: number };

/**
 * The demo's lockfiles (`use_lockfile = true`) at `nowMs`, and the DynamoDB half of a double lock (a team
 * mid-migration sets both `dynamodb_table` and `use_lockfile`, so one run holds the same lock in both places).
 */
export function demoLockfiles(nowMs: number): {
  lockfiles: DemoLockfile[];
  doubleItem: Record<string, { S: string }>;
} {
  const file = (path: string, lock: Omit<Parameters<typeof lockItem>[0], 'bucket' | 'path'>) => {
    const item = lockItem({ bucket: BUCKET, path, ...lock });
    return { item, lockfile: { key: `${path}.tflock`, body: item.Info.S, atMs: lock.createdMs } };
  };
  // A CI plan on S3 locking alone, cancelled 3 hours ago: deleted once seen twice.
  const ci = file('ci/lockfile-only/terraform.tfstate', {
    operation: 'OperationTypePlan',
    who: 'runner@ip-10-0-7-9',
    createdMs: nowMs - 3 * HOUR,
    subMillis: '184467',
  });
  // A fresh apply on S3 locking: kept.
  const fresh = file('network/vpc/terraform.tfstate', {
    operation: 'OperationTypeApply',
    who: 'alice@alice-mbp.local',
    createdMs: nowMs - 10 * MINUTE,
    subMillis: '5',
  });
  // A double lock from a killed CI plan, 3 hours old: both halves deleted together once seen twice.
  const double = file('services/web/terraform.tfstate', {
    operation: 'OperationTypePlan',
    who: 'runner@ip-10-0-12-99',
    createdMs: nowMs - 3 * HOUR,
    subMillis: '77',
  });
  return { lockfiles: [ci.lockfile, fresh.lockfile, double.lockfile], doubleItem: double.item };
}
