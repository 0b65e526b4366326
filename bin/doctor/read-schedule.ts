// Doctor adapter: the EventBridge Scheduler schedules that start the function, and the depth of their dead-letter queues.

import { GetScheduleCommand, ListSchedulesCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { QueueFacts, ScheduleFacts } from './facts';

/** Every schedule (all groups) whose target is the function (its ARN, qualified or not). */
export async function schedulesOf(scheduler: SchedulerClient, functionArn: string): Promise<ScheduleFacts[]> {
  const found: ScheduleFacts[] = [];
  let token: string | undefined;
  do {
    const page = await scheduler.send(new ListSchedulesCommand({ NextToken: token }));
    for (const s of page.Schedules ?? []) {
      const arn = s.Target?.Arn ?? '';
      if (arn !== functionArn && !arn.startsWith(`${functionArn}:`)) continue;
      const full = await scheduler.send(new GetScheduleCommand({ Name: s.Name, GroupName: s.GroupName }));
      found.push({
        name: full.Name ?? s.Name ?? '',
        group: full.GroupName ?? s.GroupName ?? 'default',
        state: full.State ?? s.State ?? 'unknown',
        expression: full.ScheduleExpression ?? '',
        deadLetterArn: full.Target?.DeadLetterConfig?.Arn,
      });
    }
    token = page.NextToken;
  } while (token);
  return found;
}

/** A queue's depth from its ARN (`arn:aws:sqs:REGION:ACCOUNT:NAME`): messages waiting and in flight. */
export async function queueDepth(sqs: SQSClient, queueArn: string): Promise<QueueFacts> {
  const [, , , , account, name = ''] = queueArn.split(':');
  const { QueueUrl } = await sqs.send(
    new GetQueueUrlCommand({ QueueName: name, QueueOwnerAWSAccountId: account }),
  );
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return {
    name,
    url: QueueUrl ?? '',
    visible: Number(Attributes.ApproximateNumberOfMessages ?? 0),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0),
  };
}
