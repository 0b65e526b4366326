// Doctor adapter: the alert topic's subscriptions (SNS ListSubscriptionsByTopic).
import { ListSubscriptionsByTopicCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { SubscriptionFacts } from './facts';

/** Every subscription of the topic; SNS lists an unconfirmed one with the ARN `PendingConfirmation`. */
export async function subscriptionsOf(sns: SNSClient, topicArn: string): Promise<SubscriptionFacts[]> {
  const subs: SubscriptionFacts[] = [];
  let token: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken: token }),
    );
    for (const s of page.Subscriptions ?? [])
      subs.push({
        protocol: s.Protocol ?? '',
        endpoint: s.Endpoint ?? '',
        pending: s.SubscriptionArn === 'PendingConfirmation',
      });
    token = page.NextToken;
  } while (token);
  return subs;
}
