// CDK: the EventBridge Scheduler schedule that runs the janitor.
import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import {
  ContextAttribute,
  Schedule,
  type ScheduleExpression,
  ScheduleTargetInput,
} from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledge, wildcardResourceId } from './nag';

/** What the janitor schedule needs; LockJanitor fills every value. */
export interface JanitorScheduleProps {
  readonly function: IFunction;
  readonly schedule: ScheduleExpression;
  readonly enabled: boolean;
}

/**
 * The EventBridge Scheduler schedule that runs the janitor, with a small retry policy (the service
 * default is 185 attempts over 24 h) and an encrypted dead-letter queue for invocations it gave up on.
 */
export class JanitorSchedule extends Construct {
  readonly schedule: Schedule;
  readonly deadLetterQueue: sqs.Queue;

  constructor(scope: Construct, id: string, props: JanitorScheduleProps) {
    super(scope, id);
    this.deadLetterQueue = new sqs.Queue(this, 'DeadLetterQueue', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const role = new iam.Role(this, 'Role', {
      description: 'tf-lock-janitor: lets EventBridge Scheduler start the janitor',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: {
            'aws:SourceAccount': Aws.ACCOUNT_ID,
            'aws:SourceArn': Stack.of(this).formatArn({
              service: 'scheduler',
              resource: 'schedule-group',
              resourceName: 'default',
            }),
          },
        },
      }),
    });
    this.schedule = new Schedule(this, 'Schedule', {
      description: 'tf-lock-janitor sweep',
      schedule: props.schedule,
      enabled: props.enabled,
      target: new LambdaInvoke(props.function, {
        role,
        input: ScheduleTargetInput.fromObject({
          source: 'tf-lock-janitor.schedule',
          scheduledTime: ContextAttribute.scheduledTime,
          executionId: ContextAttribute.executionId,
          attempt: ContextAttribute.attemptNumber,
        }),
        retryAttempts: 2,
        // A run that could not start within 10 minutes is dropped: the next one is at most a period away.
        maxEventAge: Duration.minutes(10),
        deadLetterQueue: this.deadLetterQueue,
      }),
    });
    acknowledge(this.deadLetterQueue, [
      {
        id: 'AwsSolutions::AwsSolutions-SQS3',
        reason: 'This queue is itself the dead-letter queue of the schedule',
      },
    ]);
    acknowledge(role, [
      {
        id: wildcardResourceId(this, `${props.function.functionArn}:*`),
        reason:
          'LambdaInvoke grants lambda:InvokeFunction on the function and its qualifiers (ARN:*); the function has no versions or aliases, so this reaches this one function only',
      },
    ]);
  }
}
