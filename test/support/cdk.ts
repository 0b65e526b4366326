// Test support: synthesize a LockJanitor without bundling, and read IAM statements out of its template.
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { LockJanitor, type LockJanitorProps } from '../../lib/lock-janitor';

/** An app that skips esbuild (the template keeps an asset placeholder); bundled-handler.test.ts really bundles. */
export const unbundledApp = (context: Record<string, unknown> = {}) =>
  new App({ context: { 'aws:cdk:bundling-stacks': [], ...context } });

/** `new LockJanitor(stack, 'J', props)` in a fresh env-agnostic stack. */
export function janitorStack(props: LockJanitorProps = {}): { stack: Stack; janitor: LockJanitor } {
  const stack = new Stack(unbundledApp(), 'Test');
  return { stack, janitor: new LockJanitor(stack, 'J', props) };
}

/** The template of one LockJanitor built from props. */
export const synthJanitor = (props: LockJanitorProps = {}): Template =>
  Template.fromStack(janitorStack(props).stack);

export type Statement = {
  Sid?: string;
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
};

/** Every statement of every identity policy in the template. */
export function statements(template: Template): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (r) => r.Properties.PolicyDocument.Statement as Statement[],
  );
}

export const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** The statements that name an action (Allow or Deny). */
export const grantsOf = (template: Template, action: string) =>
  statements(template).filter((s) => list(s.Action).includes(action));

/** The statement with this Sid; fails the test when there is none. */
export function statement(template: Template, sid: string): Statement {
  const found = statements(template).find((s) => s.Sid === sid);
  if (!found) throw new Error(`no statement ${sid} in ${statements(template).map((s) => s.Sid)}`);
  return found;
}

/** A lock table's ARN as the stack renders it (the stack's own region unless one is given). */
export const tableArn = (name: string, region?: string) => ({
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ...(region ? [`:dynamodb:${region}:`] : [':dynamodb:', { Ref: 'AWS::Region' }, ':']),
      { Ref: 'AWS::AccountId' },
      `:table/${name}`,
    ],
  ],
});

/** The names the ARNs of one statement end in, e.g. `["tf-locks-*"]`. */
export const tableNames = (s: Statement | undefined): string[] =>
  s ? list(s.Resource).map((arn) => JSON.stringify(arn).replace(/^.*:table\/(.*?)"\]\]\}$/, '$1')) : [];

export const ref = (template: Template, type: string) => ({
  Ref: Object.keys(template.findResources(type))[0],
});
export const arnOf = (template: Template, type: string) => ({
  'Fn::GetAtt': [Object.keys(template.findResources(type))[0], 'Arn'],
});
