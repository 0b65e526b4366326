// CDK: the central alert topic, its customer-managed key and the event bus for member alarms, org-scoped.
import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { letServicePublishWith } from '../janitor-alerts';
import { alarmForwarderRoleName, memberRoleArnPattern, memberRoleName } from './names';

export interface CentralAlertsProps {
  readonly organizationId: string;
}

/**
 * One topic for every member janitor: a customer-managed key (the AWS-managed SNS key cannot be shared across
 * accounts), a topic policy and a key policy that admit only the janitor roles of the organization
 * (`aws:PrincipalOrgID` and `aws:PrincipalArn`), and an event bus that takes the janitors' alarm state changes
 * from the organization's forwarder roles and publishes them to the topic.
 */
export class CentralAlerts extends Construct {
  readonly topic: sns.Topic;
  readonly key: kms.Key;
  readonly bus: events.EventBus;

  constructor(scope: Construct, id: string, props: CentralAlertsProps) {
    super(scope, id);
    const { partition } = Stack.of(this);
    const fromMembers = (rolePattern: string) => ({
      StringEquals: { 'aws:PrincipalOrgID': props.organizationId },
      ArnLike: { 'aws:PrincipalArn': memberRoleArnPattern(partition, rolePattern) },
    });
    this.key = new kms.Key(this, 'Key', {
      description: 'tf-lock-janitor: encrypts the central alert topic',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MemberJanitorsPublish',
        principals: [new iam.AnyPrincipal()],
        actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
        resources: ['*'],
        conditions: fromMembers(memberRoleName('*')),
      }),
    );
    letServicePublishWith(this.key, 'AlarmEventsPublish', 'events.amazonaws.com');
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'tf-lock-janitor',
      masterKey: this.key,
      enforceSSL: true,
    });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MemberJanitorsPublish',
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromMembers(memberRoleName('*')),
      }),
    );
    this.bus = new events.EventBus(this, 'AlarmBus', {
      description: "tf-lock-janitor: member janitors' alarm state changes",
    });
    this.bus.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MemberAlarmsArrive',
        principals: [new iam.AnyPrincipal()],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: fromMembers(alarmForwarderRoleName('*')),
      }),
    );
    const rule = new events.Rule(this, 'AlarmsToTopic', {
      eventBus: this.bus,
      description: "tf-lock-janitor: member janitors' alarm state changes, to the alert topic",
      eventPattern: { source: ['aws.cloudwatch'], detailType: ['CloudWatch Alarm State Change'] },
    });
    // A bare target: aws-events-targets' SnsTopic would also let any EventBridge rule publish and use the key.
    rule.addTarget({ bind: () => ({ id: 'AlertTopic', arn: this.topic.topicArn }) });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'MemberAlarmsPublish',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { ArnEquals: { 'aws:SourceArn': rule.ruleArn } },
      }),
    );
  }
}
