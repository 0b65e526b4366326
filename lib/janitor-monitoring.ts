// CDK: the janitor's alarms and dashboard.
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { METRIC_DIMENSION, METRIC_NAMESPACE } from '../lambda/metrics';

/** What the janitor's monitoring watches; LockJanitor fills every value. */
export interface JanitorMonitoringProps {
  readonly function: IFunction;
  readonly deadLetterQueue: IQueue;
  readonly topic: ITopic;
  /** Add the dashboard of every run count (the function must emit them all: METRICS=all). */
  readonly dashboard: boolean;
}

const PERIOD = Duration.minutes(15);

/**
 * Alarms on a failing janitor (to the alert topic): the function failed, the scheduler could not start it, or a run
 * ended with errors. On request, a dashboard of what its runs saw and did ($3 a month beyond an account's 3 free).
 */
export class JanitorMonitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[];
  readonly dashboard?: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: JanitorMonitoringProps) {
    super(scope, id);
    const run = (metricName: string, statistic: string, label?: string) =>
      new cloudwatch.Metric({
        namespace: METRIC_NAMESPACE,
        metricName,
        dimensionsMap: { [METRIC_DIMENSION]: props.function.functionName },
        statistic,
        period: PERIOD,
        label,
      });
    const alarm = (alarmId: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
    this.alarms = [
      alarm(
        'FunctionErrors',
        props.function.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        'The janitor function failed (bad configuration, crash or timeout); see its log group',
      ),
      alarm(
        'DeadLetters',
        props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
          period: PERIOD,
          statistic: 'Maximum',
        }),
        'EventBridge Scheduler could not start the janitor; the failed invocations are in the dead-letter queue',
      ),
      alarm(
        'RunErrors',
        run('errors', 'Sum'),
        'A janitor run ended with errors (a table it could not read, a delete that failed); see the run summary in the logs',
      ),
    ];
    const action = new SnsAction(props.topic);
    for (const a of this.alarms) a.addAlarmAction(action);
    if (!props.dashboard) return;

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'Locks seen and stale (per run)',
            left: [run('locks', 'Maximum', 'locks seen'), run('stale', 'Maximum', 'stale')],
            width: 12,
          }),
          new cloudwatch.GraphWidget({
            title: 'Actions',
            left: [
              run('alerted', 'Sum', 'alerted'),
              run('unsent', 'Sum', 'unsent (no message delivered)'),
              run('deleted', 'Sum', 'deleted'),
              run('changed', 'Sum', 'changed'),
              run('skipped', 'Sum', 'skipped'),
            ],
            width: 12,
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Errors',
            left: [
              run('errors', 'Sum', 'run errors'),
              props.function.metricErrors({ period: PERIOD, statistic: 'Sum', label: 'function errors' }),
            ],
            width: 12,
          }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 12 }),
        ],
      ],
    });
  }
}
