// Test support: sweep options and helpers for janitor runs.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { lockItem } from '../../bin/demo/terraform-lock';
import { DynamoLockStore } from '../../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../../lambda/adapters/memory-state-store';
import { type PolicyInput, parsePolicy } from '../../lambda/core/policy';
import type { LockStore, StateStore } from '../../lambda/core/ports';
import type { RunReport } from '../../lambda/core/report';
import type { SweepOptions } from '../../lambda/run/options';
import { sweep } from '../../lambda/run/sweep';

export const NOW = Date.parse('2026-11-26T12:00:00Z');
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** A Terraform lock item on `bucket/path`, `ageMs` old at NOW. */
export function lockAged(
  path: string,
  ageMs: number,
  operation = 'OperationTypePlan',
  who = 'runner@ip-10-0-1-2',
) {
  return lockItem({ bucket: 'acme', path, operation, who, createdMs: NOW - ageMs, subMillis: '123456' });
}

/** Runs one sweep over the tables whose names start with `prefix`, at NOW unless told otherwise. */
export function sweepTables(
  client: DynamoDBClient,
  prefix: string,
  policy: PolicyInput,
  extra: Partial<SweepOptions> & { wrap?: (store: LockStore) => LockStore; state?: StateStore } = {},
): Promise<RunReport> {
  const store = new DynamoLockStore(client, 'us-east-1', 100);
  const wrapped = extra.wrap ? extra.wrap(store) : store;
  return sweep({
    policy: parsePolicy({ ...policy, tables: { include: [`${prefix}-*`], ...(policy.tables ?? {}) } }),
    regions: ['us-east-1'],
    lockStores: () => wrapped,
    state: extra.state ?? new MemoryStateStore(),
    now: new Date(extra.now?.getTime() ?? NOW),
    runId: 'test-run',
    ...extra,
  });
}

/** A lock store that behaves like `inner` except for the methods given. */
export function withOverrides(inner: LockStore, overrides: Partial<LockStore>): LockStore {
  return {
    region: inner.region,
    listTables: () => inner.listTables(),
    describeTable: (n) => inner.describeTable(n),
    listTags: (a) => inner.listTags(a),
    scan: (t) => inner.scan(t),
    getItem: (t, l) => inner.getItem(t, l),
    getItems: (t, l) => inner.getItems(t, l),
    deleteIfUnchanged: (t, l, i) => inner.deleteIfUnchanged(t, l, i),
    ...overrides,
  };
}
