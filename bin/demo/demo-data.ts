// Demo data: the demo policy and a realistic lock table of live, stale and broken items.
import type { PolicyInput } from '../../lambda/core/policy';
import { digestItem, lockItem } from './terraform-lock';

export const LOCK_TABLE = 'acme-terraform-locks';
export const OTHER_TABLE = 'orders';
const BUCKET = 'acme-tfstate';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** The policy the demo runs: CI plans are cleaned up, production is only ever alerted on. */
export const DEMO_POLICY: PolicyInput = {
  mode: 'delete',
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
