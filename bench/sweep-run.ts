// Benchmark: runs one sweep for timing.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { type Mode, parsePolicy } from '../lambda/core/policy';
import type { StateStore } from '../lambda/core/ports';
import type { RunReport } from '../lambda/core/report';
import { sweep } from '../lambda/run/sweep';
import { REGION } from './fixture';
import { TimedLockStore } from './timed-store';

/** A sweep's report and the wall time its discovery took (see `TimedLockStore`). */
export type BenchSweep = { readonly report: RunReport; readonly discoveryMs: number };

/**
 * The benchmark's sweep: one lock table, a policy under which the fixture's stale locks (48 h) are due for
 * deletion and the fresh ones (5 min) are kept, a cap high enough for all of them, and a pino logger writing
 * one line per lock synchronously to /dev/null (the handler's logging cost without a terminal).
 */
export async function benchSweep(
  client: DynamoDBClient,
  table: string,
  mode: Mode,
  nowMs: number,
  state: StateStore = new MemoryStateStore(),
): Promise<BenchSweep> {
  const policy = parsePolicy({
    mode,
    tables: { include: [table] },
    rules: [{ name: 'default', match: {}, alertAfter: '4h', deleteAfter: '24h' }],
    minSightings: 1,
    maxDeletionsPerRun: 10_000,
  });
  const store = new TimedLockStore(new DynamoLockStore(client, REGION));
  const report = await sweep({
    policy,
    regions: [REGION],
    lockStores: () => store,
    state,
    now: new Date(nowMs),
    runId: `bench-${mode}`,
    logger: devNullLogger(),
  });
  return { report, discoveryMs: store.discoveryMs };
}

let logger: ReturnType<typeof pino> | undefined;
function devNullLogger(): ReturnType<typeof pino> {
  logger ??= pino({ base: undefined }, pino.destination({ dest: '/dev/null', sync: true }));
  return logger;
}
