// Tests: the chat Release button: its command within Amazon Q Developer's limits, its links, its IAM and guardrail.
import { Stack, Token } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { UsageError } from '../lambda/core/errors';
import type { PolicyInput } from '../lambda/core/policy';
import { LockJanitor, type LockJanitorProps } from '../lib/lock-janitor';
import {
  functionNameProblem,
  LONGEST_REGION_LENGTH,
  MAX_COMMAND_LENGTH,
  releaseButtonProblem,
  releaseCommand,
} from '../lib/release-command';
import { arnOf, list, type Statement, synthJanitor, unbundledApp } from './support/cdk';

const TEAM = '8a3c1f2e-1b2c-4d5e-9f00-112233445566';
const TENANT = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
const slack = { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' };
const teams = { teamId: TEAM, channelId: '19:abc123@thread.tacv2', tenantId: TENANT };
const deletes: PolicyInput = { mode: 'delete' };
const READ_ONLY = {
  'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/CloudWatchReadOnlyAccess']],
};
const regional = (text: string, rest: string) => ({
  'Fn::Join': ['', [text, { Ref: 'AWS::Region' }, ...(rest ? [rest] : [])]],
});

/** A LockJanitor in a stack pinned to `region`. */
function synthIn(region: string, props: LockJanitorProps): Template {
  const stack = new Stack(unbundledApp(), 'Test', { env: { region } });
  new LockJanitor(stack, 'J', props);
  return Template.fromStack(stack);
}

const only = (t: Template, type: string) => {
  const found = Object.entries(t.findResources(type));
  expect(found).toHaveLength(1);
  return { id: found[0][0], properties: found[0][1].Properties };
};

/** The statements of the inline policies on the role a channel configuration names. */
function channelRoleStatements(t: Template, type: string): Statement[] {
  const roleId = only(t, type).properties.IamRoleArn['Fn::GetAtt'][0];
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: roleId }]))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

describe('the command a button runs', () => {
  it('invokes the named function in its region with the payload variable, and prints the answer', () => {
    expect(releaseCommand('tf-lock-janitor', 'eu-west-1')).toBe(
      'lambda invoke --function-name tf-lock-janitor --region eu-west-1 --payload $payload /dev/stdout',
    );
  });

  it('fits 100 characters with the default name in the longest region', () => {
    expect(releaseCommand('tf-lock-janitor', 'x'.repeat(LONGEST_REGION_LENGTH))).toHaveLength(
      MAX_COMMAND_LENGTH,
    );
  });

  it.each(['tf-lock-janitor', 'a', 'Ops_Janitor-2', 'x'.repeat(64)])(
    'accepts the function name %s',
    (name) => {
      expect(functionNameProblem(name)).toBeUndefined();
    },
  );

  it.each([
    '',
    'tf lock janitor',
    'tf.lock.janitor',
    'x'.repeat(65),
    'arn:aws:lambda:eu-west-1:1:function:x',
  ])('rejects the function name %j, saying what a name may hold', (name) => {
    expect(functionNameProblem(name)).toMatch(/^functionName: .* is not a Lambda function name; use 1-64/);
  });

  it.each([
    ['tf-lock-janitor', 'an unknown region', undefined],
    ['tf-lock-janitor-prod', 'eu-west-1', 'eu-west-1'],
    ['x'.repeat(15), 'ap-southeast-1', 'ap-southeast-1'],
  ])('lets %s have a button in %s', (name, _label, region) => {
    expect(releaseButtonProblem(name, region)).toBeUndefined();
  });

  it.each([
    [
      'tf-lock-janitor1',
      'an unknown region',
      undefined,
      /101 characters long in a region of up to 14 .* at most 15 characters, or give the stack an explicit region/,
    ],
    [
      'tf-lock-janitor-prod1',
      'eu-west-1',
      'eu-west-1',
      /101 characters long in eu-west-1, .* at most 20 characters$/,
    ],
    ['x'.repeat(16), 'ap-southeast-1', 'ap-southeast-1', /at most 15 characters$/],
  ])(
    'refuses %s a button in %s, naming functionName and the longest name that fits',
    (name, _label, region, message) => {
      expect(releaseButtonProblem(name, region)).toMatch(
        /^functionName: ".*" \(\d+ characters\) makes the chat Release button/,
      );
      expect(releaseButtonProblem(name, region)).toMatch(message);
    },
  );
});

describe.each([
  ['Slack', { slack }, 'AWS::Chatbot::SlackChannelConfiguration'],
  ['Teams', { teams }, 'AWS::Chatbot::MicrosoftTeamsChannelConfiguration'],
])('a %s channel of a janitor that can release', (_name, channel, type) => {
  const t = synthJanitor({ policy: deletes, ...channel });

  it('has a "Release lock" button on notifications carrying a release payload', () => {
    const action = only(t, 'AWS::Chatbot::CustomAction').properties;
    expect(action).toEqual({
      ActionName: regional('tf-lock-janitor-release-', ''),
      Definition: {
        CommandText: regional(
          'lambda invoke --function-name tf-lock-janitor --region ',
          ' --payload $payload /dev/stdout',
        ),
      },
      Attachments: [
        {
          NotificationType: 'Custom',
          ButtonText: 'Release lock',
          Variables: { payload: 'event.metadata.additionalContext.releasePayload' },
          Criteria: [{ Operator: 'HAS_VALUE', VariableName: 'payload' }],
        },
      ],
    });
  });

  it('links the button to the channel and adds the invoke guardrail next to the read-only one', () => {
    const action = only(t, 'AWS::Chatbot::CustomAction').id;
    const guardrail = only(t, 'AWS::IAM::ManagedPolicy').id;
    t.hasResourceProperties(type, {
      CustomizationResourceArns: [{ 'Fn::GetAtt': [action, 'CustomActionArn'] }],
      GuardrailPolicies: [READ_ONLY, { Ref: guardrail }],
    });
  });

  it('lets the channel role and the guardrail invoke this function only, and nothing else', () => {
    const invoke = {
      Sid: 'ReleaseLocksThroughTheJanitor',
      Effect: 'Allow',
      Action: 'lambda:InvokeFunction',
      Resource: arnOf(t, 'AWS::Lambda::Function'),
    };
    expect(channelRoleStatements(t, type)).toEqual([invoke]);
    const guardrail = only(t, 'AWS::IAM::ManagedPolicy').properties;
    expect(guardrail.PolicyDocument.Statement).toEqual([invoke]);
    // A guardrail caps the channel; it is attached to no identity.
    expect([guardrail.Roles, guardrail.Users, guardrail.Groups]).toEqual([undefined, undefined, undefined]);
  });
});

describe('when there is a button', () => {
  it('a janitor with allowRelease in mode alert has it too, on both channels', () => {
    const t = synthJanitor({ allowRelease: true, slack, teams });
    const action = { 'Fn::GetAtt': [only(t, 'AWS::Chatbot::CustomAction').id, 'CustomActionArn'] };
    for (const type of [
      'AWS::Chatbot::SlackChannelConfiguration',
      'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
    ]) {
      t.hasResourceProperties(type, { CustomizationResourceArns: [action] });
      expect(list(channelRoleStatements(t, type)[0].Action)).toEqual(['lambda:InvokeFunction']);
    }
  });

  it.each<[string, LockJanitorProps]>([
    ['the default policy (alert)', { slack, teams }],
    ['mode report', { policy: { mode: 'report' }, slack, teams }],
    ['mode alert without allowRelease', { policy: { mode: 'alert' }, allowRelease: false, slack, teams }],
  ])(
    'none with %s: the function cannot release, so no action, no invoke, no extra guardrail',
    (_name, props) => {
      const t = synthJanitor(props);
      t.resourceCountIs('AWS::Chatbot::CustomAction', 0);
      t.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
      for (const type of [
        'AWS::Chatbot::SlackChannelConfiguration',
        'AWS::Chatbot::MicrosoftTeamsChannelConfiguration',
      ]) {
        const channel = only(t, type).properties;
        expect(channel.CustomizationResourceArns).toBeUndefined();
        expect(channel.GuardrailPolicies).toEqual([READ_ONLY]);
        expect(channelRoleStatements(t, type)).toEqual([]);
      }
    },
  );

  it('none without a chat channel, even when the function can release', () => {
    const t = synthJanitor({ policy: deletes, allowRelease: true });
    t.resourceCountIs('AWS::Chatbot::CustomAction', 0);
    t.resourceCountIs('AWS::IAM::ManagedPolicy', 0);
  });
});

describe('functionName', () => {
  it('names the function tf-lock-janitor by default, and the given name otherwise, in the command too', () => {
    synthJanitor().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'tf-lock-janitor' });
    const t = synthIn('eu-west-1', { functionName: 'tf-janitor-ops', policy: deletes, slack });
    t.hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'tf-janitor-ops' });
    const action = only(t, 'AWS::Chatbot::CustomAction').properties;
    expect(action.ActionName).toBe('tf-janitor-ops-release-eu-west-1');
    expect(action.Definition.CommandText).toBe(
      'lambda invoke --function-name tf-janitor-ops --region eu-west-1 --payload $payload /dev/stdout',
    );
  });

  it('fails synth when the button command would not fit, and says which name fits', () => {
    const props = { functionName: 'tf-lock-janitor-prod', policy: deletes, teams };
    expect(() => synthJanitor(props)).toThrow(UsageError);
    expect(() => synthJanitor(props)).toThrow(
      /functionName: "tf-lock-janitor-prod" \(20 characters\) makes the chat Release button's command 105 characters long .* at most 15 characters, or give the stack an explicit region/,
    );
    expect(() => synthIn('eu-west-1', props)).not.toThrow();
    expect(() => synthIn('eu-west-1', { ...props, functionName: 'tf-lock-janitor-prod1' })).toThrow(
      /at most 20 characters/,
    );
  });

  it('allows a longer name where there is no button (no chat channel, or no release ability)', () => {
    const functionName = 'tf-lock-janitor-for-the-platform-team';
    expect(() => synthJanitor({ functionName, policy: deletes })).not.toThrow();
    expect(() => synthJanitor({ functionName, slack })).not.toThrow();
  });

  it.each([
    [
      'a name with spaces',
      'tf lock janitor',
      /functionName: "tf lock janitor" is not a Lambda function name/,
    ],
    ['a name of 65 characters', 'x'.repeat(65), /is not a Lambda function name; use 1-64 letters/],
    ['a token', Token.asString({ Ref: 'Name' }), /functionName: must be a literal name, not a token/],
  ])('fails synth for %s, naming functionName', (_label, functionName, message) => {
    expect(() => synthJanitor({ functionName })).toThrow(UsageError);
    expect(() => synthJanitor({ functionName })).toThrow(message);
  });
});
