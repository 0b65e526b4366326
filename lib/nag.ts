// CDK: cdk-nag acknowledgement helpers.
import { Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** A cdk-nag finding the janitor accepts, with the reason a reviewer reads. */
export type Acknowledgement = { readonly id: string; readonly reason: string };

/** Acknowledges cdk-nag findings on a construct (and its children) with exact `Rule[finding]` ids. */
export function acknowledge(scope: IConstruct, acks: readonly Acknowledgement[]): void {
  if (acks.length > 0) Validations.of(scope).acknowledge(...acks);
}

/**
 * The acknowledgement id of a cdk-nag wildcard-resource finding: `AwsSolutions::AwsSolutions-IAM5[Resource::<flattened ARN>]`, where
 * `Ref`s become `<Name>` and `Fn::GetAtt`s `<Logical.Attr>` (cdk-nag's flattenCfnReference).
 */
export function wildcardResourceId(scope: IConstruct, arn: string): string {
  return `AwsSolutions::AwsSolutions-IAM5[Resource::${flatten(Stack.of(scope).resolve(arn))}]`;
}

function flatten(node: unknown): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node.replace(/\$\{/g, '<').replace(/\}/g, '>');
  const value = node as Record<string, unknown>;
  if (value['Fn::Join']) {
    const [sep, items] = value['Fn::Join'] as [string, unknown[]];
    return items.map(flatten).join(sep);
  }
  if (value['Fn::Sub']) return flatten(value['Fn::Sub']);
  if (value['Fn::GetAtt']) {
    const [resource, attribute] = value['Fn::GetAtt'] as [unknown, unknown];
    return `<${flatten(resource)}.${flatten(attribute)}>`;
  }
  if (value.Ref) return `<${flatten(value.Ref)}>`;
  return JSON.stringify(node);
}
