// Tests: the doctor's Chatbot reads, pinned: no engine plays Amazon Q Developer (Chatbot), so a stand-in checks each request.
import { LambdaClient } from '@aws-sdk/client-lambda';
import { chatbotCall, chatbotRegion } from '../bin/doctor/chatbot-api';
import { readChatChannels } from '../bin/doctor/read-chat';
import { releaseCommand } from '../lib/release-command';
import { type Seen, standIn } from './support/chatbot-stand-in';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:tf-lock-janitor-alerts';
const ACTION = 'arn:aws:chatbot::123456789012:custom-action/tf-lock-janitor-release-eu-west-1';
const SLACK = 'arn:aws:chatbot::123456789012:chat-configuration/slack-channel/ops';
const TEAMS = 'arn:aws:chatbot::123456789012:chat-configuration/microsoft-teams-channel/ops-teams';

/** The real channel data, as DescribeSlackChannelConfigurations / ListMicrosoftTeamsChannelConfigurations return it. */
function chatbotApi(call: Seen): { body: object } {
  switch (call.path) {
    case '/describe-slack-channel-configurations':
      // Two pages: the doctor must follow NextToken.
      return call.body.NextToken
        ? {
            body: {
              SlackChannelConfigurations: [
                {
                  ChatConfigurationArn: SLACK,
                  ConfigurationName: 'ops',
                  SnsTopicArns: [TOPIC],
                  State: 'ENABLED',
                },
              ],
            },
          }
        : {
            body: {
              SlackChannelConfigurations: [
                {
                  ChatConfigurationArn: `${SLACK}-other`,
                  ConfigurationName: 'other',
                  SnsTopicArns: ['arn:aws:sns:eu-west-1:123456789012:other'],
                  State: 'ENABLED',
                },
              ],
              NextToken: 'page-2',
            },
          };
    case '/list-ms-teams-channel-configurations':
      return {
        body: {
          TeamChannelConfigurations: [
            {
              ChatConfigurationArn: TEAMS,
              ConfigurationName: 'ops-teams',
              SnsTopicArns: [TOPIC],
              State: 'DISABLED',
            },
          ],
        },
      };
    case '/list-associations':
      return { body: { Associations: call.body.ChatConfiguration === SLACK ? [{ Resource: ACTION }] : [] } };
    case '/get-custom-action':
      return {
        body: {
          CustomAction: {
            CustomActionArn: ACTION,
            ActionName: 'tf-lock-janitor-release-eu-west-1',
            Definition: { CommandText: releaseCommand('tf-lock-janitor', 'eu-west-1') },
          },
        },
      };
    default:
      return { body: {} };
  }
}

describe('reading chat channels through the Chatbot API (pinned requests; no engine exists)', () => {
  const saved = { ...process.env };
  const lambda = new LambdaClient({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
  });
  const auth = { credentials: lambda.config.credentials, sha256: lambda.config.sha256 };
  afterEach(() => {
    process.env = { ...saved };
  });
  afterAll(() => lambda.destroy());

  it('reads the channels that show the topic, with the commands of the custom actions linked to each', async () => {
    // Prepare
    const api = await standIn(chatbotApi);
    process.env.AWS_ENDPOINT_URL_CHATBOT = api.endpoint;

    // Act
    const channels = await readChatChannels(auth, 'eu-west-1', TOPIC);

    // Assess
    expect(channels).toEqual([
      {
        kind: 'slack',
        name: 'ops',
        state: 'ENABLED',
        commands: [releaseCommand('tf-lock-janitor', 'eu-west-1')],
      },
      { kind: 'teams', name: 'ops-teams', state: 'DISABLED', commands: [] },
    ]);
    expect(api.seen.map((s) => [s.path, s.body])).toEqual([
      ['/describe-slack-channel-configurations', {}],
      ['/describe-slack-channel-configurations', { NextToken: 'page-2' }],
      ['/list-ms-teams-channel-configurations', {}],
      ['/list-associations', { ChatConfiguration: SLACK }],
      ['/get-custom-action', { CustomActionArn: ACTION }],
      ['/list-associations', { ChatConfiguration: TEAMS }],
    ]);
    for (const { headers } of api.seen) {
      // SigV4 for the service `chatbot` in the region called, over the JSON body.
      expect(headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/chatbot\/aws4_request, SignedHeaders=[a-z0-9;-]*content-type;host[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
      );
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-amz-content-sha256'] ?? headers['x-amz-date']).toBeDefined();
    }
    await api.close();
  });

  it("throws the service's error type and message (AccessDeniedException), so the check says what was refused", async () => {
    const api = await standIn(() => ({
      status: 403,
      type: 'AccessDeniedException',
      body: { Message: 'not allowed' },
    }));
    process.env.AWS_ENDPOINT_URL_CHATBOT = api.endpoint;
    await expect(chatbotCall(auth, 'us-east-2', '/list-associations', {})).rejects.toMatchObject({
      name: 'AccessDeniedException',
      message: 'not allowed',
    });
    await api.close();
  });

  it.each([
    ['eu-west-1', 'eu-west-1'],
    ['us-west-2', 'us-west-2'],
    ['eu-central-1', 'us-east-2'],
    ['ap-south-1', 'us-east-2'],
  ])('asks Chatbot for a janitor in %s in %s (its API runs in four regions)', (region, api) => {
    expect(chatbotRegion(region)).toBe(api);
  });
});
