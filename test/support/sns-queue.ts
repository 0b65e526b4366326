// Test support: an SQS queue on moto subscribed to an SNS topic, standing in for chat or e-mail, and its reader.
import { SetSubscriptionAttributesCommand, type SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import type { Moto } from './moto';

/** A message as SNS delivers it to a queue (raw delivery off). */
export type Delivered = {
  Subject?: string;
  Message: string;
  MessageAttributes?: Record<string, { Value: string }>;
};

/** One call of moto's SQS JSON API. */
export async function sqs(moto: Moto, action: string, body: object): Promise<Record<string, unknown>> {
  const res = await fetch(moto.endpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `AmazonSQS.${action}`,
      // moto server tells the service from the credential scope; it does not check the signature.
      authorization:
        'AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=0',
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`SQS ${action}: ${res.status} ${text}`);
  return JSON.parse(text || '{}');
}

/** A queue subscribed to the topic, standing in for chat (no filter) or e-mail (the stack's filter policy). */
export async function subscribeQueue(
  moto: Moto,
  sns: SNSClient,
  topicArn: string,
  name: string,
  filter?: unknown,
) {
  const { QueueUrl } = (await sqs(moto, 'CreateQueue', { QueueName: name })) as { QueueUrl: string };
  const { Attributes } = (await sqs(moto, 'GetQueueAttributes', {
    QueueUrl,
    AttributeNames: ['QueueArn'],
  })) as {
    Attributes: { QueueArn: string };
  };
  const { SubscriptionArn } = await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes.QueueArn }),
  );
  if (filter)
    await sns.send(
      new SetSubscriptionAttributesCommand({
        SubscriptionArn,
        AttributeName: 'FilterPolicy',
        AttributeValue: JSON.stringify(filter),
      }),
    );
  /** The messages delivered since the last call. */
  return async (): Promise<Delivered[]> => {
    const out: Delivered[] = [];
    for (;;) {
      const { Messages = [] } = (await sqs(moto, 'ReceiveMessage', {
        QueueUrl,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 3600,
      })) as { Messages?: { Body: string }[] };
      if (Messages.length === 0) return out;
      out.push(...Messages.map((m) => JSON.parse(m.Body) as Delivered));
    }
  };
}
