// CDK: the deployable stack that composes one LockJanitor.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { LockJanitor, type LockJanitorProps } from './lock-janitor';

/** The stack's own settings plus the janitor's (bin/app.ts reads the latter from CDK context). */
export interface JanitorStackProps extends StackProps, LockJanitorProps {}

/**
 * The deployable stack: one LockJanitor and the names an operator needs as outputs. It only composes;
 * reading configuration is the app's job. Environment-agnostic, so `cdk synth` needs no AWS account.
 */
export class JanitorStack extends Stack {
  readonly janitor: LockJanitor;

  constructor(scope: Construct, id: string, props: JanitorStackProps = {}) {
    super(scope, id, {
      description: 'tf-lock-janitor: removes stale Terraform/OpenTofu state locks',
      ...props,
    });
    this.janitor = new LockJanitor(this, 'Janitor', props);
    const { janitor } = this;
    new CfnOutput(this, 'FunctionName', { value: janitor.function.functionName });
    new CfnOutput(this, 'TopicArn', { value: janitor.topic.topicArn });
    new CfnOutput(this, 'StateTableName', { value: janitor.stateTable.tableName });
    new CfnOutput(this, 'ScheduleName', { value: janitor.schedule.scheduleName });
    if (janitor.dashboard) new CfnOutput(this, 'DashboardName', { value: janitor.dashboard.dashboardName });
  }
}
