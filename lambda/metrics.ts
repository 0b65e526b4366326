// Lambda shell: the run's counts as CloudWatch Embedded Metric Format.
import type { RunCounts } from './core/report';

/** The CloudWatch namespace of the janitor's run metrics (also used by the stack's alarm and dashboard). */
export const METRIC_NAMESPACE = 'TfLockJanitor';
/** The one dimension: the function's name, so two janitors in one account keep apart. */
export const METRIC_DIMENSION = 'FunctionName';
/** One metric per run count, named as in the run report. */
export const METRIC_NAMES = [
  'locks',
  'stale',
  'alerted',
  'unsent',
  'deleted',
  'changed',
  'skipped',
  'errors',
] as const;

/**
 * Which counts become metrics (env `METRICS`): `errors`, the one the run-errors alarm needs (the default; each
 * custom metric costs $0.30 a month), or `all` (the construct's `detailedMonitoring`, which adds a dashboard).
 */
export type MetricsLevel = 'errors' | 'all';
export const METRICS_LEVELS = ['errors', 'all'] as const satisfies readonly MetricsLevel[];

/**
 * One CloudWatch Embedded Metric Format line with the run's counts. CloudWatch Logs turns any JSON log line
 * with an `_aws.CloudWatchMetrics` block into metrics; no API call, no extra permission. Every count is in the
 * line; only those the level names are declared as metrics, so the others stay plain, free log fields.
 */
export function renderEmf(
  counts: RunCounts,
  functionName: string,
  timestampMs: number,
  level: MetricsLevel,
): string {
  const values = Object.fromEntries(METRIC_NAMES.map((name) => [name, counts[name]]));
  const metrics = level === 'all' ? METRIC_NAMES : (['errors'] as const);
  return JSON.stringify({
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[METRIC_DIMENSION]],
          Metrics: metrics.map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    [METRIC_DIMENSION]: functionName,
    ...values,
  });
}
