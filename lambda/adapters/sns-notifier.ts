// Adapter: the Notifier port over SNS Publish.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { RenderedMessage } from '../core/message/sns';
import type { Notifier } from '../core/ports';

/**
 * Publishes a rendered message with one SNS publish (`MessageStructure: json`): e-mail text for
 * `default`/`email`, an Amazon Q Developer custom notification for `https` (Chatbot). SNS errors propagate: the
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
        MessageStructure: 'json',
      }),
    );
  }
}
