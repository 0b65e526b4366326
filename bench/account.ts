// Benchmark: the simulated account (tables and items) the benchmarks sweep.
import type { Scratch } from './child-bundle';
import { type ColdRuns, coldRuns } from './cold-run';
import { type CostLine, estimateCost } from './cost';
import { createStateTable, lockTableItems, scanReadUnits } from './fixture';
import { withSeededTable } from './tables';

const RUNS_PER_MONTH = 30 * 24 * 4; // every 15 minutes, the stack's default schedule
const MEMORY_MB = 256; // lib/lock-janitor.ts: memorySize default
const ALARMS = 3; // lib/janitor-monitoring.ts
const METRICS = 1; // lambda/metrics.ts: by default (METRICS unset = errors) only the errors metric
const KMS_KEYS = 0; // lib/janitor-alerts.ts: the topic key is opt-in (encryptAlertTopic)
const LAMBDA_PLATFORM_LOG_BYTES = 400; // INIT_START, START, END and REPORT lines of a cold invocation
const REQUEST_LATENCY_MS = 10; // an assumed in-region DynamoDB round trip

/** One account's janitor: its lock table, cold runs of the bundled handler, and the monthly bill from them. */
export type AccountFigures = {
  readonly states: number;
  readonly items: number;
  readonly locks: number;
  readonly cold: ColdRuns;
  readonly lockTableRru: number;
  readonly stateTableRru: number;
  readonly cost: {
    readonly lines: CostLine[];
    readonly fixed: CostLine[];
    readonly optIn: CostLine[];
    readonly durationMs: number;
  };
};

/**
 * An account with `states` Terraform states (one digest each) of which `lockedShare` are locked (half stale),
 * swept by the bundled handler with its state table and the default policy, `reps` cold starts in a row.
 */
export async function measureAccount(
  scratch: Scratch,
  handlerJs: string,
  states: number,
  lockedShare: number,
  reps: number,
  nowMs: number,
): Promise<AccountFigures> {
  const locks = Math.round(states * lockedShare);
  const items = lockTableItems(states + locks, nowMs, locks / (states + locks));
  const measured = await withSeededTable('terraform-locks', items, async (t) => {
    await createStateTable(t.client, 'janitor-state');
    const target = { handlerJs, endpoint: t.engine.endpoint, stateTable: 'janitor-state', policy: {} };
    const cold = await coldRuns(scratch, target, reps);
    const lockTableRru = await scanReadUnits(t.client, t.table);
    const stateTableRru = await scanReadUnits(t.client, 'janitor-state');
    return { states, items: t.items, locks, cold, lockTableRru, stateTableRru };
  });
  const { cold } = measured;
  const cost = estimateCost({
    runsPerMonth: RUNS_PER_MONTH,
    memoryMB: MEMORY_MB,
    cpuMsPerRun: cold.initCpuMs.median + cold.invokeCpuMs.median,
    requestsPerRun: Object.values(cold.requests).reduce((a, b) => a + b, 0),
    requestLatencyMs: REQUEST_LATENCY_MS,
    // The handler reads the lock table once and the state table's sightings once (forgetGone's Query).
    readUnitsPerRun: measured.lockTableRru + measured.stateTableRru,
    writeUnitsPerRun: cold.requests.UpdateItem ?? 0,
    logBytesPerRun: cold.logBytes + LAMBDA_PLATFORM_LOG_BYTES,
    customMetrics: METRICS,
    alarms: ALARMS,
    kmsKeys: KMS_KEYS,
  });
  return { ...measured, cost };
}
