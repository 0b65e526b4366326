// CDK: the LockJanitor construct, its typed props and defaults.
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { Alarm, Dashboard } from 'aws-cdk-lib/aws-cloudwatch';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { type Schedule, ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PolicyError, UsageError } from '../lambda/core/errors';
import { type PolicyInput, parsePolicy } from '../lambda/core/policy';
import { JanitorAlerts, type SlackChannel, type TeamsChannel } from './janitor-alerts';
import { JanitorFunction } from './janitor-function';
import { JanitorMonitoring } from './janitor-monitoring';
import { JanitorSchedule } from './janitor-schedule';

export type { SlackChannel, TeamsChannel } from './janitor-alerts';

/**
 * Lambda keeps all of a function's environment variables within 4 KB; the janitor's other variables
 * (topic ARN, state table name, NODE_OPTIONS) take up to about 1 KB once deployed.
 */
export const MAX_POLICY_BYTES = 3072;

/** How a LockJanitor is configured. Everything has a default; the policy is the one thing to think about. */
export interface LockJanitorProps {
  /**
   * The janitor policy (README "The policy"), checked here with the schema the function checks at cold start.
   * @default {} - mode "alert", every table, one rule that alerts on locks older than 4h
   */
  readonly policy?: PolicyInput;
  /** When the janitor runs: a rate, or a cron with a time zone. @default ScheduleExpression.rate(Duration.minutes(15)) */
  readonly schedule?: ScheduleExpression;
  /** Whether the schedule runs; `false` pauses the janitor and keeps everything else. @default true */
  readonly enabled?: boolean;
  /** E-mail addresses subscribed to the alert topic (each must confirm once). @default - none */
  readonly alertEmails?: readonly string[];
  /**
   * The topic for run notifications and alarms. If it is KMS-encrypted, its key policy must let
   * `cloudwatch.amazonaws.com` use the key, or alarms cannot publish.
   * @default - a new SSL-only topic with a customer-managed KMS key
   */
  readonly alertTopic?: ITopic;
  /** A Slack channel that shows the notifications. @default - none */
  readonly slack?: SlackChannel;
  /** A Microsoft Teams channel that shows the notifications. @default - none */
  readonly teams?: TeamsChannel;
  /**
   * Function memory in MB. Measured: one run over 20 tables and 4,000 locks (state table included) peaked under
   * 100 MB of heap with dynalite in the same process, so 256 leaves room. @default 256
   */
  readonly memorySize?: number;
  /**
   * Function timeout; a run stops cleanly 20 s before it and reports the tables it did not reach. Measured: the
   * 4,000-lock run took about 8 s against dynalite. @default Duration.minutes(5)
   */
  readonly timeout?: Duration;
  /** How long the function's logs are kept. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /**
   * Reserve a concurrency of 1 so two runs never overlap. Lambda refuses any reservation in an account whose
   * concurrency quota is still the new-account 10; set `false` there (runs stay safe: deletes are conditional).
   * @default true
   */
  readonly reserveConcurrency?: boolean;
  /**
   * Let the function release single locks (`{"release": ...}`) whatever the policy mode, by granting it
   * `dynamodb:DeleteItem` on the lock tables in every mode. Sweeps still delete only in mode `delete` (the
   * engine's mode ceiling); people then need `lambda:InvokeFunction` on the janitor instead of DeleteItem
   * on the tables. Without it, only a janitor in mode `delete` can release.
   * @default false
   */
  readonly allowRelease?: boolean;
}

/**
 * tf-lock-janitor in one statement: `new LockJanitor(this, 'Janitor', { policy, alertEmails })`. A scheduled
 * Lambda that audits Terraform/OpenTofu DynamoDB lock tables, deletes stale locks when the policy allows and
 * tells people through SNS; with its state table, least-privilege role, alarms and dashboard.
 */
export class LockJanitor extends Construct {
  readonly function: NodejsFunction;
  readonly topic: ITopic;
  /** The janitor's memory (sightings, alerts, audit of deletions); retained when the stack is deleted. */
  readonly stateTable: dynamodb.Table;
  readonly schedule: Schedule;
  readonly deadLetterQueue: Queue;
  readonly alarms: Alarm[];
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: LockJanitorProps = {}) {
    super(scope, id);
    const input = props.policy ?? {};
    const policy = parsePolicy(input);
    const policyJson = JSON.stringify(input);
    const bytes = Buffer.byteLength(policyJson, 'utf8');
    if (bytes > MAX_POLICY_BYTES) {
      const problem = `policy: is ${bytes} bytes as JSON, more than the ${MAX_POLICY_BYTES} that fit in the Lambda environment (4 KB for all variables); use fewer or shorter rules and globs`;
      throw new PolicyError(`The policy is too large:\n  - ${problem}`, [problem]);
    }
    const alertEmails = props.alertEmails ?? [];
    for (const email of alertEmails) {
      if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) {
        throw new UsageError(`alertEmails: "${email}" is not an e-mail address, such as "ops@example.com"`);
      }
    }

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
      emails: alertEmails,
      slack: props.slack,
      teams: props.teams,
    });
    this.topic = alerts.topic;
    const fn = new JanitorFunction(this, 'Function', {
      policy,
      policyJson,
      stateTable: this.stateTable,
      topic: this.topic,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.minutes(5),
      logRetention: props.logRetention ?? RetentionDays.ONE_MONTH,
      reservedConcurrency: (props.reserveConcurrency ?? true) ? 1 : undefined,
      allowRelease: props.allowRelease ?? false,
    });
    this.function = fn.function;
    const schedule = new JanitorSchedule(this, 'Schedule', {
      function: this.function,
      schedule: props.schedule ?? ScheduleExpression.rate(Duration.minutes(15)),
      enabled: props.enabled ?? true,
    });
    this.schedule = schedule.schedule;
    this.deadLetterQueue = schedule.deadLetterQueue;
    const monitoring = new JanitorMonitoring(this, 'Monitoring', {
      function: this.function,
      deadLetterQueue: this.deadLetterQueue,
      topic: this.topic,
    });
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }
}
