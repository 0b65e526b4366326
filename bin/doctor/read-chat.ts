// Doctor adapter: the chat channel configurations on the alert topic and the custom actions linked to each.
import { type ChatbotAuth, chatbotCall } from './chatbot-api';
import type { ChatChannelFacts } from './facts';

type Channel = {
  ChatConfigurationArn?: string;
  ConfigurationName?: string;
  SnsTopicArns?: string[];
  State?: string;
  ChannelName?: string;
  SlackChannelName?: string;
};

/** Pages of one Chatbot list operation (NextToken in, NextToken out). */
async function listAll<T>(
  auth: ChatbotAuth,
  region: string,
  path: string,
  key: string,
  body: object = {},
): Promise<T[]> {
  const items: T[] = [];
  let token: string | undefined;
  do {
    const page = await chatbotCall<Record<string, unknown>>(auth, region, path, {
      ...body,
      ...(token ? { NextToken: token } : {}),
    });
    items.push(...((page[key] as T[] | undefined) ?? []));
    token = page.NextToken as string | undefined;
  } while (token);
  return items;
}

/**
 * The Slack and Teams channel configurations that show the topic, each with the custom actions linked to it
 * (ListAssociations, then GetCustomAction for each custom action ARN).
 */
export async function readChatChannels(
  auth: ChatbotAuth,
  region: string,
  topicArn: string,
): Promise<ChatChannelFacts[]> {
  const slack = await listAll<Channel>(
    auth,
    region,
    '/describe-slack-channel-configurations',
    'SlackChannelConfigurations',
  );
  const teams = await listAll<Channel>(
    auth,
    region,
    '/list-ms-teams-channel-configurations',
    'TeamChannelConfigurations',
  );
  const channels = [
    ...slack.map((c) => ({ kind: 'slack' as const, c })),
    ...teams.map((c) => ({ kind: 'teams' as const, c })),
  ].filter(({ c }) => c.SnsTopicArns?.includes(topicArn));
  const facts: ChatChannelFacts[] = [];
  for (const { kind, c } of channels) {
    const arn = c.ChatConfigurationArn ?? '';
    const linked = await listAll<{ Resource?: string }>(auth, region, '/list-associations', 'Associations', {
      ChatConfiguration: arn,
    });
    const commands: string[] = [];
    for (const { Resource } of linked) {
      if (!Resource?.includes(':custom-action/')) continue;
      const { CustomAction } = await chatbotCall<{
        CustomAction?: { Definition?: { CommandText?: string } };
      }>(auth, region, '/get-custom-action', { CustomActionArn: Resource });
      if (CustomAction?.Definition?.CommandText) commands.push(CustomAction.Definition.CommandText);
    }
    facts.push({ kind, name: c.ConfigurationName ?? arn, state: c.State, commands });
  }
  return facts;
}
