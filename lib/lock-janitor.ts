// CDK: the LockJanitor construct: checks its props, fills the defaults and composes the parts.
import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import type { CfnCustomAction } from 'aws-cdk-lib/aws-chatbot';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { mayDelete } from '../lambda/core/contract';
import { PolicyError, UsageError } from '../lambda/core/errors';
import { type Policy, parsePolicy } from '../lambda/core/policy';
import { JanitorAlerts } from './janitor-alerts';
import { JanitorFunction } from './janitor-function';
import { JanitorMonitoring } from './janitor-monitoring';
import { JanitorReleaseButton } from './janitor-release-button';
import { JanitorSchedule } from './janitor-schedule';
import type { LockJanitorProps } from './lock-janitor-props';
import { DEFAULT_FUNCTION_NAME, functionNameProblem, releaseButtonProblem } from './release-command';
import { scheduleProblem } from './schedule-expression';

export type { SlackChannel, TeamsChannel } from './janitor-alerts';
export type { LockJanitorProps } from './lock-janitor-props';

/**
 * Lambda keeps all of a function's environment variables within 4 KB; the janitor's other variables
 * (topic ARN, state table name, NODE_OPTIONS) take up to about 1 KB once deployed.
 */
export const MAX_POLICY_BYTES = 3072;

/**
 * tf-lock-janitor in one statement: `new LockJanitor(this, 'Janitor', { policy, alertEmails })`. A scheduled
 * Lambda that audits Terraform/OpenTofu DynamoDB lock tables, deletes stale locks when the policy allows and
 * tells people through SNS; with its state table, least-privilege role and alarms.
 */
export class LockJanitor extends Construct {
  readonly function: NodejsFunction;
  readonly topic: ITopic;
  /** The janitor's memory (sightings, alerts, audit of deletions); retained when the stack is deleted. */
  readonly stateTable: dynamodb.Table;
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;
  readonly alarms: Alarm[];
  /** The dashboard of every run count; only with `detailedMonitoring`. */
  readonly dashboard?: Dashboard;
  /**
   * The chat "Release lock" button (an AWS::Chatbot::CustomAction); only with a chat channel and when the function
   * can release (mode `delete` or `allowRelease`): a button that could only fail would be noise.
   */
  readonly releaseButton?: CfnCustomAction;

  constructor(scope: Construct, id: string, props: LockJanitorProps = {}) {
    super(scope, id);
    const { policy, policyJson } = checkedPolicy(props);
    const alertEmails = checkedEmails(props.alertEmails ?? []);
    const scheduleExpression = checkedSchedule(
      props.schedule ?? ScheduleExpression.rate(Duration.minutes(15)),
    );
    const detailedMonitoring = props.detailedMonitoring ?? false;
    const allowRelease = props.allowRelease ?? false;
    const canRelease = mayDelete(policy.mode, allowRelease);
    const wantsButton = canRelease && (props.slack !== undefined || props.teams !== undefined);
    const functionName = checkedFunctionName(this, props.functionName ?? DEFAULT_FUNCTION_NAME, wantsButton);

    this.stateTable = new dynamodb.Table(this, 'StateTable', {
      partitionKey: { name: 'pk', type: dynamodb.AttributeType.STRING },
      sortKey: { name: 'sk', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: 'expiresAt',
      // The audit trail of deletions outlives the janitor.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    const alerts = new JanitorAlerts(this, 'Alerts', {
      topic: props.alertTopic,
      encrypt: props.encryptAlertTopic ?? false,
      emails: alertEmails,
      slack: props.slack,
      teams: props.teams,
    });
    this.topic = alerts.topic;
    const fn = new JanitorFunction(this, 'Function', {
      functionName,
      policy,
      policyJson,
      stateTable: this.stateTable,
      topic: this.topic,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(5),
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      reservedConcurrency: (props.reserveConcurrency ?? true) ? 1 : undefined,
      allowRelease,
      metrics: detailedMonitoring ? 'all' : 'errors',
      code: props.code,
    });
    this.function = fn.function;
    if (wantsButton) {
      this.releaseButton = new JanitorReleaseButton(this, 'ReleaseButton', {
        function: this.function,
        functionName,
        channels: alerts.chatChannels,
      }).action;
    }
    const schedule = new JanitorSchedule(this, 'Schedule', {
      function: this.function,
      schedule: scheduleExpression,
      enabled: props.enabled ?? true,
    });
    this.schedule = schedule.schedule;
    this.deadLetterQueue = schedule.deadLetterQueue;
    const monitoring = new JanitorMonitoring(this, 'Monitoring', {
      function: this.function,
      deadLetterQueue: this.deadLetterQueue,
      topic: this.topic,
      dashboard: detailedMonitoring,
    });
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }
}

function checkedPolicy(props: LockJanitorProps): { policy: Policy; policyJson: string } {
  const input = props.policy ?? {};
  const policy = parsePolicy(input);
  const policyJson = JSON.stringify(input);
  if (policy.allowShortDurations && props.acknowledgeUnsafeShortDurations !== true) {
    const problem =
      'allowShortDurations: true is for tests and demos: a janitor deployed with it may delete a lock minutes or seconds old, after two runs seconds apart. Remove it, or, for a test stack only, also set acknowledgeUnsafeShortDurations: true (-c acknowledgeUnsafeShortDurations=true)';
    throw new PolicyError(`The policy is unsafe to deploy:\n  - ${problem}`, [problem]);
  }
  const bytes = Buffer.byteLength(policyJson, 'utf8');
  if (bytes > MAX_POLICY_BYTES) {
    const problem = `policy: is ${bytes} bytes as JSON, more than the ${MAX_POLICY_BYTES} that fit in the Lambda environment (4 KB for all variables); use fewer or shorter rules and globs`;
    throw new PolicyError(`The policy is too large:\n  - ${problem}`, [problem]);
  }
  return { policy, policyJson };
}

/** A Lambda function name; with the Release button, one whose command fits once deployed. */
function checkedFunctionName(scope: Construct, name: string, withButton: boolean): string {
  if (Token.isUnresolved(name)) {
    throw new UsageError(
      'functionName: must be a literal name, not a token, so the commands that name it can be checked at synth',
    );
  }
  const region = Stack.of(scope).region;
  const problem =
    functionNameProblem(name) ??
    (withButton ? releaseButtonProblem(name, Token.isUnresolved(region) ? undefined : region) : undefined);
  if (problem) throw new UsageError(problem);
  return name;
}

function checkedEmails(emails: readonly string[]): readonly string[] {
  for (const email of emails) {
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
      throw new UsageError(`alertEmails: "${email}" is not an e-mail address, such as "ops@example.com"`);
    }
  }
  return emails;
}

/** A schedule CloudFormation would refuse at deploy time (or one that never recurs) fails synth instead. */
function checkedSchedule(schedule: ScheduleExpression): ScheduleExpression {
  if (Token.isUnresolved(schedule.expressionString)) return schedule;
  const problem = scheduleProblem(schedule.expressionString);
  if (problem) throw new UsageError(`schedule: ${problem}`);
  return schedule;
}
