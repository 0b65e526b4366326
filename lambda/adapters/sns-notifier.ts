// Adapter: the Notifier port over SNS Publish.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { hasNews, renderMessage } from '../core/message/sns';
import type { Notifier } from '../core/ports';
import type { RunReport } from '../core/report';

/**
 * Tells people about a run with one SNS publish: e-mail text for `default`/`email`, an Amazon Q Developer
 * custom notification for `https` (Chatbot). Publishes nothing when the run has no news. SNS errors
 * propagate: the caller records the failed notification.
 */
export class SnsNotifier implements Notifier {
  constructor(
    private readonly client: SNSClient,
    private readonly topicArn: string,
  ) {}

  async notify(report: RunReport): Promise<boolean> {
    if (!hasNews(report)) return false;
    const message = renderMessage(report);
    await this.client.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: message.subject,
        Message: message.json,
        MessageStructure: 'json',
      }),
    );
    return true;
  }
}
