// Tests: the construct and the Lambda read each shared fact from its one home (lambda/core/contract.ts) and agree.

import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { PROJECTION } from '../lambda/adapters/dynamo-scan';
import { auditPk, INTENT_PK, sightingPk } from '../lambda/adapters/state-keys';
import { readCentralReleaseConfig } from '../lambda/central-release';
import { readConfig, renderOptionsOf } from '../lambda/config';
import {
  AUDIENCE_ATTRIBUTE,
  AUDIT_KEY_PREFIX,
  CENTRAL_RELEASE_VARIABLES,
  CHAT_BUTTON_REQUESTER,
  CHAT_ONLY_AUDIENCE,
  JANITOR_VARIABLES,
  LAMBDA_VARIABLES,
  LOCK_ATTRIBUTES,
  mayDelete,
  NODE_OPTIONS,
  RELEASE_PAYLOAD_KEY,
  SET_BY_HAND,
} from '../lambda/core/contract';
import { renderMessages } from '../lambda/core/message/sns';
import type { Mode } from '../lambda/core/policy';
import { viaOfRequester } from '../lambda/core/release';
import { CentralRelease } from '../lib/organization/central-release';
import { MemberJanitorStack } from '../lib/organization/member-janitor-stack';
import { statement, statements, synthJanitor, unbundledApp } from './support/cdk';
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

type Env = Record<string, string | undefined>;

/** The environment variables of every Lambda function of a template that `pick` selects. */
function variablesOf(template: Template, pick: (vars: Record<string, unknown>) => boolean): Set<string> {
  const functions = Object.values(template.findResources('AWS::Lambda::Function'));
  return new Set(
    functions
      .map((f) => (f.Properties.Environment?.Variables ?? {}) as Record<string, unknown>)
      .filter(pick)
      .flatMap((vars) => Object.keys(vars)),
  );
}

/** The names `read` asks of its environment, whether set or not (every lookup is noted). */
function namesRead(read: (env: Env) => unknown, env: Env): Set<string> {
  const asked = new Set<string>();
  const noting = new Proxy(env, {
    get: (target, name) => {
      if (typeof name === 'string') asked.add(name);
      return Reflect.get(target, name);
    },
  });
  read(noting);
  return asked;
}

const minus = (a: Iterable<string>, b: Iterable<string>) => [...a].filter((x) => !new Set(b).has(x)).sort();

describe("the janitor function's environment", () => {
  // Every variable a deployed janitor can carry: allowRelease on, as an organization's member janitor.
  const isJanitor = (vars: Record<string, unknown>) => vars.POLICY !== undefined;
  const member = new MemberJanitorStack(unbundledApp(), 'Member', {
    janitor: { allowRelease: true },
    organizationId: 'o-a1b2c3d4e5',
    codeKey: 'janitor.zip',
  });
  const set = new Set([
    ...variablesOf(synthJanitor({ allowRelease: true }), isJanitor),
    ...variablesOf(Template.fromStack(member), isJanitor),
  ]);
  // What a cold start reads, given each variable the construct sets and Lambda's own (valid values, so it reads on).
  const valid: Env = { POLICY: '{}', METRICS: 'errors' };
  const read = namesRead(
    (env) => readConfig(env),
    Object.fromEntries([...set, ...LAMBDA_VARIABLES].map((name) => [name, valid[name] ?? 'x'])),
  );

  it('has only variables the Lambda reads: the construct sets none it does not (NODE_OPTIONS is for Node.js)', () => {
    expect(set.size).toBeGreaterThan(5);
    expect(minus(set, [...read, NODE_OPTIONS])).toEqual([]);
  });

  it('is read by the Lambda only where the construct, Lambda itself or a person (SET_BY_HAND) sets it', () => {
    expect(minus(read, [...set, ...LAMBDA_VARIABLES, ...SET_BY_HAND])).toEqual([]);
    expect(minus(SET_BY_HAND, read)).toEqual([]);
    expect(SET_BY_HAND.filter((name) => set.has(name))).toEqual([]);
  });

  it('is named in full by the contract the construct, the Lambda and the doctor are typed by', () => {
    expect(minus(read, LAMBDA_VARIABLES)).toEqual([...JANITOR_VARIABLES].sort());
  });
});

describe("the central release function's environment", () => {
  const app = unbundledApp();
  const stack = new Stack(app, 'Central', { env: { account: '111111111111', region: 'eu-west-1' } });
  new CentralRelease(stack, 'Release', { organizationId: 'o-a1b2c3d4e5', regions: ['eu-west-1'] });
  const set = variablesOf(Template.fromStack(stack), () => true);
  const read = namesRead(
    (env) => readCentralReleaseConfig(env),
    Object.fromEntries([...set].map((name) => [name, 'eu-west-1'])),
  );

  it('is exactly what the function reads from it, besides NODE_OPTIONS (for Node.js) and LOG_LEVEL (by hand)', () => {
    expect(minus(set, [NODE_OPTIONS])).toEqual(minus(CENTRAL_RELEASE_VARIABLES, ['LOG_LEVEL']));
    expect([...read].sort()).toEqual(minus(set, [NODE_OPTIONS]));
  });
});
