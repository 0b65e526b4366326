// CDK: the central release function the chat button invokes; it reaches member janitors, and nothing else.
import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { CentralReleaseEnvironment } from '../../lambda/core/contract';
import { CENTRAL_RELEASE_BUILD } from '../bundling';
import { acknowledge, wildcardResourceId } from '../nag';
import { nodejsBundling } from '../nodejs-bundling';
import { nodeRuntime } from '../runtime';
import { CENTRAL_RELEASE_FUNCTION_NAME, MEMBER_FUNCTION_NAME } from './names';

export interface CentralReleaseProps {
  readonly organizationId: string;
  /** The regions the StackSet deploys the janitor to. */
  readonly regions: readonly string[];
}

/**
 * A small function (lambda/central-release.ts) that forwards `{"release": {..., "account"}}` to the janitor
 * of that member account. Its role may invoke only functions named MEMBER_FUNCTION_NAME, in the StackSet's
 * regions, owned by the organization (`aws:ResourceOrgID`); each member function admits only this role.
 */
export class CentralRelease extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: CentralReleaseProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tf-lock-janitor: forwards chat releases to member janitors',
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
    const memberFunctions = props.regions.map((region) =>
      stack.formatArn({
        service: 'lambda',
        region,
        account: '*',
        resource: 'function',
        resourceName: MEMBER_FUNCTION_NAME,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeMemberJanitors',
        actions: ['lambda:InvokeFunction'],
        resources: memberFunctions,
        // Members of the organization only, never this account (a janitor here is not a member janitor).
        conditions: {
          StringEquals: { 'aws:ResourceOrgID': props.organizationId },
          StringNotEquals: { 'aws:ResourceAccount': stack.account },
        },
      }),
    );
    this.function = new NodejsFunction(this, 'Function', {
      functionName: CENTRAL_RELEASE_FUNCTION_NAME,
      entry: CENTRAL_RELEASE_BUILD.entryPoints[0],
      handler: 'handler',
      description: 'tf-lock-janitor: forwards chat releases to the janitor of a member account',
      runtime: nodeRuntime(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.minutes(1),
      role: this.role,
      logGroup,
      retryAttempts: 0,
      environment: {
        MEMBER_FUNCTION_NAME,
        MEMBER_REGIONS: props.regions.join(','),
        NODE_OPTIONS: '--enable-source-maps',
      } satisfies CentralReleaseEnvironment,
      // The project's Lambda bundle options (lib/bundling.ts); the runtime's SDK v3 provides @aws-sdk/client-lambda.
      bundling: nodejsBundling(CENTRAL_RELEASE_BUILD),
    });
    acknowledge(this.role, [
      ...memberFunctions.map((arn) => ({
        id: wildcardResourceId(this, arn),
        reason:
          'The member janitors live in accounts the StackSet reaches over time; the statement allows only the fixed janitor name in the StackSet regions, within the organization (aws:ResourceOrgID)',
      })),
    ]);
  }
}
