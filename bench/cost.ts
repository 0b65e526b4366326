// Benchmark: the monthly cost model of the default deployment.
import { METRIC_NAMES } from '../lambda/metrics';

/** The run counts `detailedMonitoring` adds as metrics beyond `errors`. */
const MORE_METRICS = METRIC_NAMES.length - 1;

/**
 * Prices used by the estimate: us-east-1 list prices as known in late 2025 (docs/cost.md, "Price sources"), to
 * be checked against https://aws.amazon.com/lambda/pricing/, /dynamodb/pricing/on-demand/, /cloudwatch/pricing/,
 * /kms/pricing/, /eventbridge/pricing/, /sns/pricing/ before quoting.
 */
export const PRICES = {
  lambdaArmGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  /** On-demand read request unit (a strongly consistent read of up to 4 KB), after the Nov 2024 cut. */
  dynamoReadUnit: 0.125 / 1e6,
  /** On-demand write request unit (a write of up to 1 KB). */
  dynamoWriteUnit: 0.625 / 1e6,
  logsIngestedGb: 0.5,
  logsStoredGbMonth: 0.03,
  customMetricMonth: 0.3,
  standardAlarmMonth: 0.1,
  /** Beyond the 3 free dashboards of an account. */
  dashboardMonth: 3,
  kmsKeyMonth: 1,
  /** EventBridge Scheduler: 14 million invocations a month free, then $1.00 per million. */
  schedulerFreeInvocations: 14e6,
} as const;

/** Lambda gives a function one vCPU at 1,769 MB and CPU in proportion below that. */
const FULL_VCPU_MB = 1769;

export type CostInput = {
  readonly runsPerMonth: number;
  readonly memoryMB: number;
  /** CPU milliseconds of one cold run measured here on a full core: INIT (require the bundle) + the sweep. */
  readonly cpuMsPerRun: number;
  /** Requests to DynamoDB in one run, and the latency assumed for each in AWS. */
  readonly requestsPerRun: number;
  readonly requestLatencyMs: number;
  /** Read and write request units of one run. */
  readonly readUnitsPerRun: number;
  readonly writeUnitsPerRun: number;
  /** Bytes the function writes to CloudWatch Logs in one run, Lambda's own START/END/REPORT lines included. */
  readonly logBytesPerRun: number;
  readonly customMetrics: number;
  readonly alarms: number;
  /** Customer-managed KMS keys of the default deployment (the topic key is opt-in: `encryptAlertTopic`). */
  readonly kmsKeys: number;
};

export type CostLine = { readonly item: string; readonly arithmetic: string; readonly usdPerMonth: number };

/** The monthly bill, line by line, with the arithmetic shown; pure. */
export function estimateCost(input: CostInput): {
  lines: CostLine[];
  fixed: CostLine[];
  optIn: CostLine[];
  durationMs: number;
} {
  const { runsPerMonth: runs, memoryMB } = input;
  const cpuShare = Math.min(1, memoryMB / FULL_VCPU_MB);
  const durationMs = Math.ceil(input.cpuMsPerRun / cpuShare + input.requestsPerRun * input.requestLatencyMs);
  const gbSeconds = (runs * durationMs * memoryMB) / 1024 / 1000;
  const readUnits = runs * input.readUnitsPerRun;
  const writeUnits = runs * input.writeUnitsPerRun;
  const logGb = (runs * input.logBytesPerRun) / 1024 ** 3;
  const lines: CostLine[] = [
    {
      item: 'Lambda duration (arm64)',
      arithmetic: `${input.cpuMsPerRun.toFixed(0)} ms CPU / ${cpuShare.toFixed(3)} vCPU share + ${input.requestsPerRun} requests × ${input.requestLatencyMs} ms = ${durationMs} ms; ${runs} × ${durationMs} ms × ${memoryMB / 1024} GB = ${gbSeconds.toFixed(0)} GB-s × ${PRICES.lambdaArmGbSecond}`,
      usdPerMonth: gbSeconds * PRICES.lambdaArmGbSecond,
    },
    {
      item: 'Lambda requests',
      arithmetic: `${runs} × $0.20 / 1M`,
      usdPerMonth: runs * PRICES.lambdaPerRequest,
    },
    {
      item: 'DynamoDB reads (on-demand, consistent)',
      arithmetic: `${input.readUnitsPerRun} RRU × ${runs} = ${readUnits} RRU × $0.125 / 1M`,
      usdPerMonth: readUnits * PRICES.dynamoReadUnit,
    },
    {
      item: 'DynamoDB writes (state table)',
      arithmetic: `${input.writeUnitsPerRun} WRU × ${runs} = ${writeUnits} WRU × $0.625 / 1M`,
      usdPerMonth: writeUnits * PRICES.dynamoWriteUnit,
    },
    {
      item: 'CloudWatch Logs',
      arithmetic: `${input.logBytesPerRun} B × ${runs} = ${(logGb * 1024).toFixed(1)} MB × ($0.50 ingest + $0.03 stored)`,
      usdPerMonth: logGb * (PRICES.logsIngestedGb + PRICES.logsStoredGbMonth),
    },
    {
      item: 'EMF custom metrics',
      arithmetic: `${input.customMetrics} metric${input.customMetrics === 1 ? ' (errors)' : 's'}, 1 dimension set, × $0.30`,
      usdPerMonth: input.customMetrics * PRICES.customMetricMonth,
    },
    {
      item: 'EventBridge Scheduler',
      arithmetic: `${runs} invocations, within the 14M free each month`,
      usdPerMonth: Math.max(0, runs - PRICES.schedulerFreeInvocations) * 1e-6,
    },
    {
      item: 'SNS',
      arithmetic:
        'a Publish only when a run has news (≤ 1 per run): within the first 1M free; e-mail: first 1,000 free',
      usdPerMonth: 0,
    },
  ];
  const fixed: CostLine[] = [
    {
      item: 'CloudWatch alarms',
      arithmetic: `${input.alarms} standard alarms × $0.10`,
      usdPerMonth: input.alarms * PRICES.standardAlarmMonth,
    },
    {
      item: 'KMS',
      arithmetic: input.kmsKeys
        ? `${input.kmsKeys} customer-managed key × $1.00`
        : 'no customer-managed key by default',
      usdPerMonth: input.kmsKeys * PRICES.kmsKeyMonth,
    },
    { item: 'CloudWatch dashboard', arithmetic: 'none by default', usdPerMonth: 0 },
  ];
  const optIn: CostLine[] = [
    {
      item: 'detailedMonitoring: true',
      arithmetic: `${MORE_METRICS} more metrics × $0.30, plus a dashboard ($${PRICES.dashboardMonth} beyond an account's 3 free)`,
      usdPerMonth: MORE_METRICS * PRICES.customMetricMonth + PRICES.dashboardMonth,
    },
    {
      item: 'encryptAlertTopic: true',
      arithmetic: '1 customer-managed key × $1.00 (+$1 after each of its first two yearly rotations)',
      usdPerMonth: PRICES.kmsKeyMonth,
    },
  ];
  return { lines, fixed, optIn, durationMs };
}
