// Adapter: the Notifier port over SNS Publish.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { AUDIENCE_ATTRIBUTE } from '../core/contract';
import type { RenderedMessage } from '../core/message/sns';
import type { Notifier } from '../core/ports';
import { callOptions } from './call-signal';

/**
 * Publishes one rendered message with one SNS publish, its audience in the message attribute `audience` (e-mail
 * subscriptions filter out `chat`). `json` messages use `MessageStructure: json` (e-mail text for
 * `default`/`email`, an Amazon Q Developer custom notification for `https`); chat-only ones are the notification
 * itself, as a plain message, since SNS sends attributes only with plain messages. SNS errors propagate: the
 * caller records the failed notification.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(message: RenderedMessage): Promise<void> {
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject,
        Message: message.json,
        ...(message.structure === 'json' ? { MessageStructure: 'json' } : {}),
        MessageAttributes: { [AUDIENCE_ATTRIBUTE]: { DataType: 'String', StringValue: message.audience } },
      }),
      callOptions(),
    );
  }
}
