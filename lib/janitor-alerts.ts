// CDK: the alert topic, its e-mail subscriptions and the chat channels.
import { Aws, Names, RemovalPolicy } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { AUDIENCE_ATTRIBUTE, CHAT_ONLY_AUDIENCE } from '../lambda/core/contract';

/** A Slack channel already authorised in Amazon Q Developer in chat applications (AWS Chatbot). */
export interface SlackChannel {
  /** The workspace id (console: Chatbot > Slack workspace), e.g. `T0123ABCD`. */
  readonly workspaceId: string;
  /** The channel id (Slack: channel details), e.g. `C0123ABCD`. */
  readonly channelId: string;
}

/** A Microsoft Teams channel already authorised in Amazon Q Developer in chat applications (AWS Chatbot). */
export interface TeamsChannel {
  /** The team id, a GUID (`groupId` in the channel link). */
  readonly teamId: string;
  /** The channel id, `19:...@thread.tacv2`, plain or URL-encoded as in the channel link. */
  readonly channelId: string;
  /** The Microsoft Entra tenant id, a GUID (`tenantId` in the channel link). */
  readonly tenantId: string;
}

/**
 * A chat channel as the Release button needs it: who may act for the channel, and its CloudFormation resource,
 * on which the button links a custom action and a guardrail (the Slack L2 has no prop for either).
 */
export interface ChatChannel {
  readonly kind: 'slack' | 'teams';
  /** The channel's role, assumed by chatbot.amazonaws.com for every command run from the channel. */
  readonly grantee: iam.IGrantable;
  readonly configuration:
    | chatbot.CfnSlackChannelConfiguration
    | chatbot.CfnMicrosoftTeamsChannelConfiguration;
  /** The ARNs of the guardrail policies the channel has now. */
  readonly guardrailPolicyArns: readonly string[];
}

/** Where the janitor's notifications and alarms go; LockJanitor fills every value. */
export interface JanitorAlertsProps {
  /** @default - a new SSL-only topic */
  readonly topic?: sns.ITopic;
  /** Encrypt the new topic with a new customer-managed key; ignored when `topic` is given. */
  readonly encrypt: boolean;
  readonly emails: readonly string[];
  readonly slack?: SlackChannel;
  readonly teams?: TeamsChannel;
}

/**
 * The filter policy of each e-mail subscription: e-mail gets every message but the chat-only ones. The janitor
 * publishes its run messages and release results with the message attribute `audience` = `all`, and each
 * stale-lock chat notification (one per lock, with the Release button) with `audience` = `chat`
 * (lambda/core/message/sns.ts); CloudWatch alarms carry no attribute. Values of one key are OR'ed, and `exists:
 * false` matches a message without the attribute (SNS developer guide, "AND/OR logic", "Key matching",
 * "Anything-but matching"). `exists` comes first: moto 5.2 tries the values in order and fails a missing attribute
 * at `anything-but` before it reaches `exists`, while SNS takes them as a set.
 */
export const EMAIL_FILTER_POLICY = {
  [AUDIENCE_ATTRIBUTE]: [{ exists: false }, { 'anything-but': [CHAT_ONLY_AUDIENCE] }],
} as const;

/**
 * The guardrail of the chat channels: they show notifications, so read-only CloudWatch at most; the Release button
 * (JanitorReleaseButton) adds a second guardrail that allows only invoking the janitor.
 */
const CHAT_GUARDRAIL = 'CloudWatchReadOnlyAccess';

/**
 * The alert topic (SSL-only; KMS-encrypted on request), its e-mail subscriptions and the optional chat channels.
 *
 * Why the topic is not encrypted at rest by default: CloudWatch alarms can publish to an encrypted topic only
 * when the key policy lets `cloudwatch.amazonaws.com` use the key, and the AWS-managed key `alias/aws/sns` cannot
 * be changed (https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html#compatibility-with-aws-services);
 * so encryption needs a customer-managed key. That key costs $1 a month, and with the yearly rotation
 * AwsSolutions-KMS5 asks for, each of the first two rotations adds $1 (AWS KMS pricing): $3 a month from the
 * third year, more than the whole janitor otherwise costs (docs/cost.md). The topic holds each message only until
 * it is delivered, and delivers it as plain e-mail; transport is TLS-only. Where at-rest encryption is required,
 * `encrypt` (LockJanitorProps.encryptAlertTopic) creates the key, or bring a topic with your own key.
 */
export class JanitorAlerts extends Construct {
  readonly topic: sns.ITopic;
  /** The topic's key, when this construct created the topic. */
  readonly key?: kms.Key;
  /** The chat channels configured (Slack, Teams), for the Release button. */
  readonly chatChannels: ChatChannel[] = [];

  constructor(scope: Construct, id: string, props: JanitorAlertsProps) {
    super(scope, id);
    if (props.topic) {
      this.topic = props.topic;
    } else if (!props.encrypt) {
      this.topic = new sns.Topic(this, 'Topic', { displayName: 'tf-lock-janitor', enforceSSL: true });
    } else {
      this.key = new kms.Key(this, 'Key', {
        description: 'tf-lock-janitor: encrypts the alert topic',
        enableKeyRotation: true,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // CloudWatch alarms publish to an encrypted topic only if the key lets the service use it.
      letServicePublishWith(this.key, 'CloudWatchAlarmsPublish', 'cloudwatch.amazonaws.com');
      this.topic = new sns.Topic(this, 'Topic', {
        displayName: 'tf-lock-janitor',
        masterKey: this.key,
        enforceSSL: true,
      });
    }
    const filterPolicy = {
      [AUDIENCE_ATTRIBUTE]: new sns.SubscriptionFilter([...EMAIL_FILTER_POLICY[AUDIENCE_ATTRIBUTE]]),
    };
    for (const email of props.emails)
      this.topic.addSubscription(new EmailSubscription(email, { filterPolicy }));
    const guardrail = iam.ManagedPolicy.fromAwsManagedPolicyName(CHAT_GUARDRAIL);
    if (props.slack) {
      const slack = new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: this.chatName('slack'),
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        notificationTopics: [this.topic],
        guardrailPolicies: [guardrail],
      });
      this.chatChannels.push({
        kind: 'slack',
        grantee: slack,
        configuration: slack.node.defaultChild as chatbot.CfnSlackChannelConfiguration,
        guardrailPolicyArns: [guardrail.managedPolicyArn],
      });
    }
    if (props.teams) {
      const role = new iam.Role(this, 'TeamsRole', {
        description:
          'tf-lock-janitor: Teams channel (notifications, and the Release button if the janitor can release)',
        assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
      });
      const teams = new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName: this.chatName('teams'),
        iamRoleArn: role.roleArn,
        teamId: props.teams.teamId,
        // CloudFormation wants the id URL-encoded (`19%3A...%40thread.tacv2`), as in the channel link.
        teamsChannelId: props.teams.channelId.includes('%')
          ? props.teams.channelId
          : encodeURIComponent(props.teams.channelId),
        teamsTenantId: props.teams.tenantId,
        snsTopicArns: [this.topic.topicArn],
        guardrailPolicies: [guardrail.managedPolicyArn],
      });
      this.chatChannels.push({
        kind: 'teams',
        grantee: role,
        configuration: teams,
        guardrailPolicyArns: [guardrail.managedPolicyArn],
      });
    }
  }

  /** Chat configuration names are unique per account: 1-128 characters of A-Z a-z 0-9 - _. */
  private chatName(kind: string): string {
    return `${Names.uniqueResourceName(this, { maxLength: 120, separator: '-', allowedSpecialCharacters: '-_' })}-${kind}`;
  }
}

/**
 * Lets an AWS service of this account (CloudWatch alarms, EventBridge rules) publish to a topic encrypted with
 * `key`: SNS calls KMS as the publisher, so the key policy must allow the service, for this account only.
 */
export function letServicePublishWith(key: kms.IKey, sid: string, service: string): void {
  key.addToResourcePolicy(
    new iam.PolicyStatement({
      sid,
      principals: [new iam.ServicePrincipal(service)],
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: ['*'],
      conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
    }),
  );
}
