// Tests: the construct and the Lambda read each shared fact from its one home (lambda/core/contract.ts) and agree.
import { PROJECTION } from '../lambda/adapters/dynamo-scan';
import { auditPk, INTENT_PK, sightingPk } from '../lambda/adapters/state-keys';
import { readConfig, renderOptionsOf } from '../lambda/config';
import {
  AUDIENCE_ATTRIBUTE,
  AUDIT_KEY_PREFIX,
  CHAT_BUTTON_REQUESTER,
  CHAT_ONLY_AUDIENCE,
  LOCK_ATTRIBUTES,
  mayDelete,
  RELEASE_PAYLOAD_KEY,
} from '../lambda/core/contract';
import { renderMessages } from '../lambda/core/message/sns';
import type { Mode } from '../lambda/core/policy';
import { viaOfRequester } from '../lambda/core/release';
import { statement, statements, synthJanitor } from './support/cdk';
import { lockReport, runReport } from './support/reports';

const TABLES = { include: ['tf-locks'] };

describe('who may delete', () => {
  it.each([
    ['report', false],
    ['report', true],
    ['alert', false],
    ['alert', true],
    ['delete', false],
    ['delete', true],
  ] as [Mode, boolean][])(
    'mode %s, allowRelease %s: the role gets DeleteItem exactly when the deployed Lambda offers releases',
    (mode, allowRelease) => {
      const template = synthJanitor({ policy: { mode, tables: TABLES }, allowRelease });
      const granted = statements(template).some((s) => s.Sid === 'DeleteLocks');
      const [fn] = Object.values(template.findResources('AWS::Lambda::Function')).filter(
        (r) => r.Properties.Environment?.Variables?.POLICY !== undefined,
      );
      const { POLICY, RELEASE_ALLOWED } = fn.Properties.Environment.Variables;
      const config = readConfig({ AWS_REGION: 'eu-west-1', POLICY, RELEASE_ALLOWED });
      expect(granted).toBe(mayDelete(mode, allowRelease));
      expect(renderOptionsOf(config).janitor?.canRelease).toBe(granted);
    },
  );
});

describe('the readable attributes', () => {
  it('are the IAM dynamodb:Attributes condition and exactly the Scan/GetItem projection', () => {
    const read = statement(synthJanitor({ policy: { tables: TABLES } }), 'ReadLockAttributes');
    expect(read.Condition?.['ForAllValues:StringEquals']).toEqual({
      'dynamodb:Attributes': [...LOCK_ATTRIBUTES],
    });
    const names = PROJECTION.ExpressionAttributeNames as Record<string, string>;
    expect(Object.values(names)).toEqual([...LOCK_ATTRIBUTES]);
    expect(PROJECTION.ProjectionExpression.split(', ').map((p) => names[p])).toEqual([...LOCK_ATTRIBUTES]);
  });
});

describe('the protected key prefix', () => {
  it('is the one IAM keeps from change, every audit partition starts with it, no other partition does', () => {
    const keep = statement(synthJanitor(), 'KeepAuditRecords');
    expect(keep.Condition?.['ForAnyValue:StringLike']).toEqual({
      'dynamodb:LeadingKeys': [`${AUDIT_KEY_PREFIX}*`],
    });
    expect(auditPk('eu-west-1', 'tf-locks').startsWith(AUDIT_KEY_PREFIX)).toBe(true);
    for (const pk of [sightingPk('eu-west-1', 'tf-locks'), INTENT_PK])
      expect(pk.startsWith(AUDIT_KEY_PREFIX)).toBe(false);
  });
});

describe('the Release button contract', () => {
  it("reads the payload key the Lambda's stale-lock notification carries, whose requester the Lambda knows as the button", () => {
    const template = synthJanitor({
      policy: { mode: 'delete' },
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
    });
    const [action] = Object.values(template.findResources('AWS::Chatbot::CustomAction'));
    const variables = action.Properties.Attachments[0].Variables as Record<string, string>;
    expect(Object.values(variables)).toEqual([`event.metadata.additionalContext.${RELEASE_PAYLOAD_KEY}`]);

    const janitor = { functionName: 'tf-lock-janitor', region: 'eu-west-1', canRelease: true };
    const [, stale] = renderMessages(runReport([lockReport()], { tables: [] }), { janitor });
    const payload = stale.chat.metadata.additionalContext[RELEASE_PAYLOAD_KEY];
    const { release } = JSON.parse(Buffer.from(payload, 'base64').toString('utf8'));
    expect(release.requestedBy).toBe(CHAT_BUTTON_REQUESTER);
    expect(viaOfRequester(release.requestedBy)).toBe('chat-button');
  });
});

describe('the chat-only audience', () => {
  it('is what e-mail subscriptions filter out, and what the Lambda gives its stale-lock notifications alone', () => {
    const template = synthJanitor({ alertEmails: ['ops@example.com'] });
    const [subscription] = Object.values(template.findResources('AWS::SNS::Subscription'));
    expect(subscription.Properties.FilterPolicy).toEqual({
      [AUDIENCE_ATTRIBUTE]: [{ exists: false }, { 'anything-but': [CHAT_ONLY_AUDIENCE] }],
    });

    const janitor = { functionName: 'tf-lock-janitor', region: 'eu-west-1', canRelease: true };
    const [run, stale] = renderMessages(runReport([lockReport()], { tables: [] }), { janitor });
    expect(run.audience).not.toBe(CHAT_ONLY_AUDIENCE);
    expect(stale.audience).toBe(CHAT_ONLY_AUDIENCE);
  });
});
