// CDK: the deployable stack that composes one LockJanitor.
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { readJanitorContext } from './janitor-context';
import { LockJanitor } from './lock-janitor';

/**
 * The deployable stack: one LockJanitor configured from CDK context (see readJanitorContext for the keys).
 * Environment-agnostic, so `cdk synth` needs no AWS account or credentials.
 */
export class JanitorStack extends Stack {
  readonly janitor: LockJanitor;

  constructor(scope: Construct, id: string, props?: StackProps) {
    super(scope, id, {
      description: 'tf-lock-janitor: removes stale Terraform/OpenTofu state locks',
      ...props,
    });
    const context = readJanitorContext((key) => this.node.tryGetContext(key));
    this.janitor = new LockJanitor(this, 'Janitor', context);
    const { janitor } = this;
    new CfnOutput(this, 'FunctionName', { value: janitor.function.functionName });
    new CfnOutput(this, 'TopicArn', { value: janitor.topic.topicArn });
    new CfnOutput(this, 'StateTableName', { value: janitor.stateTable.tableName });
    new CfnOutput(this, 'ScheduleName', { value: janitor.schedule.scheduleName });
    new CfnOutput(this, 'DashboardName', { value: janitor.dashboard.dashboardName });
  }
}
