// Lambda shell: the run's counts as CloudWatch Embedded Metric Format.
import type { RunCounts } from './core/report';

/** The CloudWatch namespace of the janitor's run metrics (also used by the stack's alarm and dashboard). */
export const METRIC_NAMESPACE = 'TfLockJanitor';
/** The one dimension: the function's name, so two janitors in one account keep apart. */
export const METRIC_DIMENSION = 'FunctionName';
/** One metric per run count, named as in the run report. */
export const METRIC_NAMES = ['locks', 'stale', 'alerted', 'deleted', 'changed', 'skipped', 'errors'] as const;

/**
 * One CloudWatch Embedded Metric Format line with the run's counts. CloudWatch Logs turns any JSON log line
 * with an `_aws.CloudWatchMetrics` block into metrics; no API call, no extra permission.
 */
export function renderEmf(counts: RunCounts, functionName: string, timestampMs: number): string {
  const values = Object.fromEntries(METRIC_NAMES.map((name) => [name, counts[name]]));
  return JSON.stringify({
    _aws: {
      Timestamp: timestampMs,
      CloudWatchMetrics: [
        {
          Namespace: METRIC_NAMESPACE,
          Dimensions: [[METRIC_DIMENSION]],
          Metrics: METRIC_NAMES.map((name) => ({ Name: name, Unit: 'Count' })),
        },
      ],
    },
    [METRIC_DIMENSION]: functionName,
    ...values,
  });
}
