// CDK: the per-account janitor the StackSet deploys: LockJanitor with code from a bucket and the central topic.
import { Annotations, Aws, BootstraplessSynthesizer, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import type { CfnAlarm } from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { JanitorEnvironment } from '../../lambda/core/contract';
import { LockJanitor, type LockJanitorProps } from '../lock-janitor';
import { alarmForwarderRoleName, MEMBER_FUNCTION_NAME, MEMBER_ROLE_PATH, memberRoleName } from './names';

/** The janitor settings that reach member accounts; alerts and chat live centrally. */
export type MemberJanitorProps = Omit<
  LockJanitorProps,
  'alertTopic' | 'encryptAlertTopic' | 'alertEmails' | 'slack' | 'teams' | 'code'
>;

export interface MemberJanitorStackProps {
  readonly janitor: MemberJanitorProps;
  readonly organizationId: string;
  /** The bundle's key in the code buckets (janitorCode().key). */
  readonly codeKey: string;
}

/** The parameters the central stack fills in for the StackSet: values only known once it is deployed. */
export const MEMBER_PARAMETERS = [
  'AlertTopicArn',
  'AlertKeyArn',
  'AlarmBusArn',
  'CentralReleaseRoleArn',
  'CodeBucketPrefix',
] as const;
export type MemberParameter = (typeof MEMBER_PARAMETERS)[number];

/**
 * The member template: one LockJanitor (function, schedule, state table, alarms) whose code comes from the
 * region's code bucket and whose notifications go to the central topic; its alarms reach the central event
 * bus (CloudWatch alarms can notify only a topic of their own region). No topic, no asset, no nested stack:
 * the synthesizer refuses assets, since member accounts have no CDK bootstrap.
 */
export class MemberJanitorStack extends Stack {
  readonly janitor: LockJanitor;

  constructor(scope: Construct, id: string, props: MemberJanitorStackProps) {
    super(scope, id, {
      description: 'tf-lock-janitor: removes stale Terraform/OpenTofu state locks (deployed by a StackSet)',
      synthesizer: new BootstraplessSynthesizer(),
    });
    const param = (name: MemberParameter, description: string) =>
      new CfnParameter(this, name, { type: 'String', description }).valueAsString;
    const topicArn = param('AlertTopicArn', 'The central alert topic');
    const keyArn = param('AlertKeyArn', "The central alert topic's KMS key");
    const busArn = param('AlarmBusArn', "The central event bus for the janitor's alarms");
    const releaseRoleArn = param('CentralReleaseRoleArn', 'The central release function role');
    const prefix = param('CodeBucketPrefix', 'The code buckets are named <prefix>-<region>');
    const alias = new CfnParameter(this, 'AccountAlias', {
      type: 'String',
      default: '',
      description: 'A name for this account in messages (override per account); empty: the account id only',
    }).valueAsString;

    const bucket = s3.Bucket.fromBucketName(this, 'CodeBucket', Fn.join('-', [prefix, Aws.REGION]));
    Annotations.of(bucket).acknowledgeWarning(
      '@aws-cdk/aws-lambda:codeFromBucketObjectVersionNotSpecified',
      'The key names the bundle by its content hash, so a new bundle always has a new key',
    );
    this.janitor = new LockJanitor(this, 'Janitor', {
      ...props.janitor,
      alertTopic: sns.Topic.fromTopicAttributes(this, 'CentralTopic', { topicArn, keyArn }),
      code: lambda.Code.fromBucket(bucket, props.codeKey),
    });
    const fn = this.janitor.function;
    // Fixed names: the central release invokes the function by name, and the central policies admit the role by ARN.
    (fn.node.defaultChild as lambda.CfnFunction).functionName = MEMBER_FUNCTION_NAME;
    const role = fn.role?.node.defaultChild as iam.CfnRole;
    role.roleName = memberRoleName(Aws.REGION);
    role.path = MEMBER_ROLE_PATH;
    const account = { ACCOUNT_ID: Aws.ACCOUNT_ID, ACCOUNT_ALIAS: alias } satisfies JanitorEnvironment;
    for (const [name, value] of Object.entries(account)) fn.addEnvironment(name, value);
    fn.addPermission('CentralRelease', {
      principal: new iam.ArnPrincipal(releaseRoleArn),
      organizationId: props.organizationId,
      action: 'lambda:InvokeFunction',
    });
    this.forwardAlarms(busArn);
  }

  /** Alarm state changes go to the central bus (EventBridge crosses accounts and regions) instead of SNS. */
  private forwardAlarms(busArn: string): void {
    const { alarms } = this.janitor;
    for (const alarm of alarms) (alarm.node.defaultChild as CfnAlarm).alarmActions = undefined;
    const role = new iam.Role(this, 'AlarmForwarderRole', {
      roleName: alarmForwarderRoleName(Aws.REGION),
      path: MEMBER_ROLE_PATH,
      description: "tf-lock-janitor: sends the janitor's alarm state changes to the central event bus",
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com', {
        conditions: { StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID } },
      }),
    });
    new events.Rule(this, 'ForwardAlarms', {
      description: "tf-lock-janitor: the janitor's alarm state changes, to the central event bus",
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: alarms.map((a) => a.alarmArn),
      },
      targets: [new targets.EventBus(events.EventBus.fromEventBusArn(this, 'CentralBus', busArn), { role })],
    });
  }
}
