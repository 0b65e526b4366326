// CDK: the janitor Lambda function, its log group and least-privilege role.
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Duration } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import type { JanitorEnvironment } from '../lambda/core/contract';
import type { Policy } from '../lambda/core/policy';
import type { MetricsLevel } from '../lambda/metrics';
import { LAMBDA_BUILD } from './bundling';
import { grantHostCheck, grantLockfiles, grantLockTables, grantStateTable } from './janitor-grants';
import { acknowledge } from './nag';
import { nodejsBundling } from './nodejs-bundling';
import { nodeRuntime } from './runtime';

const [HANDLER_SOURCE] = LAMBDA_BUILD.entryPoints;
/** The bundle `npm run build` writes (dist/lambda-bundle), next to the compiled construct (dist/lib). */
const PREBUILT_BUNDLE = path.join(__dirname, '..', 'lambda-bundle');

/**
 * Installed as a package (compiled, no `.ts` sources, the bundle shipped beside it): the pre-built bundle, so a
 * consumer's synth needs neither esbuild nor Docker. In this repository: undefined, bundle from source.
 */
export function prebuiltCode(): lambda.Code | undefined {
  const usable = existsSync(path.join(PREBUILT_BUNDLE, 'index.js')) && !existsSync(HANDLER_SOURCE);
  return usable ? lambda.Code.fromAsset(PREBUILT_BUNDLE) : undefined;
}

/** What the janitor function needs; LockJanitor fills every value. */
export interface JanitorFunctionProps {
  /** The function's fixed, checked name (LockJanitorProps.functionName). */
  readonly functionName: string;
  /** The validated policy: it decides which tables the role may read and whether it may delete. */
  readonly policy: Policy;
  /** The policy exactly as written, passed to the function as `POLICY` and validated again at cold start. */
  readonly policyJson: string;
  readonly stateTable: ITable;
  readonly topic: ITopic;
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly logRetention: logs.RetentionDays;
  /** undefined = no reservation. */
  readonly reservedConcurrency?: number;
  /** DeleteItem on the lock tables in every mode, for single-lock releases. */
  readonly allowRelease: boolean;
  /** Which run counts the function emits as CloudWatch metrics (`METRICS`). */
  readonly metrics: MetricsLevel;
  /** Already-bundled code (`index.handler`) instead of bundling lambda/handler.ts. */
  readonly code?: lambda.Code;
}

/** The janitor's Lambda function, its log group and a role that holds only what a run needs. */
export class JanitorFunction extends Construct {
  readonly function: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: JanitorFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'tf-lock-janitor: audits Terraform lock tables',
    });
    const code = props.code ?? prebuiltCode();
    this.function = new NodejsFunction(this, 'Function', {
      functionName: props.functionName,
      entry: HANDLER_SOURCE,
      // With `code` the bundling options below are ignored and the handler names the file too.
      code,
      handler: code ? 'index.handler' : 'handler',
      description: 'tf-lock-janitor: finds stale Terraform/OpenTofu DynamoDB state locks',
      runtime: nodeRuntime(),
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      reservedConcurrentExecutions: props.reservedConcurrency,
      // Scheduler retries delivery itself; a failed run is not repeated by Lambda, the next run comes anyway.
      retryAttempts: 0,
      environment: {
        POLICY: props.policyJson,
        STATE_TABLE: props.stateTable.tableName,
        TOPIC_ARN: props.topic.topicArn,
        ...(props.allowRelease ? { RELEASE_ALLOWED: 'true' } : {}),
        METRICS: props.metrics,
        // sourceMap does not set this in aws-cdk-lib 2.276.
        NODE_OPTIONS: '--enable-source-maps',
      } satisfies JanitorEnvironment,
      // The one definition of the bundle (lib/bundling.ts), in NodejsFunction's words.
      bundling: nodejsBundling(LAMBDA_BUILD),
    });
    this.grantRun(props);
  }

  private grantRun(props: JanitorFunctionProps): void {
    const { policy, stateTable, topic } = props;
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteOwnLogs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [this.logGroup.logGroupArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DiscoverTables', actions: ['dynamodb:ListTables'], resources: ['*'] }),
    );
    const tableAcks = [
      ...grantLockTables(this, this.role, policy, props.allowRelease),
      ...grantLockfiles(this, this.role, policy, props.allowRelease),
    ];
    grantStateTable(this.role, stateTable);
    const hostCheck = grantHostCheck(this.role, policy);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'Notify', actions: ['sns:Publish'], resources: [topic.topicArn] }),
    );
    if (topic.masterKey) {
      // Publishing to an SSE topic makes SNS call KMS as the publisher.
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'EncryptNotifications',
          actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
          resources: [topic.masterKey.keyArn],
        }),
      );
    }
    acknowledge(this.role, [
      {
        id: 'AwsSolutions::AwsSolutions-IAM5[Resource::*]',
        reason: hostCheck
          ? "dynamodb:ListTables, ec2:DescribeInstances and ec2:DescribeNetworkInterfaces have no resource-level permissions; the janitor discovers lock tables with the first and, as the policy asks (evidence.ec2Hosts), checks whether lock holders' EC2 hosts still exist with the others (read-only)"
          : 'dynamodb:ListTables has no resource-level permissions; the janitor discovers lock tables with it',
      },
      ...tableAcks,
    ]);
  }
}
