// Doctor core: what the doctor reads about a deployed janitor, as plain data (the adapters fill it, the judges read it).
import type { JanitorEnvironment } from '../../lambda/core/contract';

/** The function's configuration (Lambda GetFunction). */
export type FunctionFacts = {
  readonly name: string;
  readonly arn: string;
  /** `Active`, `Pending`, `Inactive`, `Failed`. */
  readonly state?: string;
  readonly stateReason?: string;
  /** `Successful`, `InProgress`, `Failed`. */
  readonly lastUpdateStatus?: string;
  readonly roleArn: string;
  /** Its environment variables: the janitor's, as its construct sets them. */
  readonly env: JanitorEnvironment;
  /** Reserved concurrency; 0 means the function can never run. */
  readonly reservedConcurrency?: number;
  /** Where its logs go: the custom log group the construct makes, else /aws/lambda/NAME. */
  readonly logGroup: string;
};

/** One EventBridge Scheduler schedule that targets the function. */
export type ScheduleFacts = {
  readonly name: string;
  readonly group: string;
  readonly state: string;
  readonly expression: string;
  /** The target's dead-letter queue ARN. */
  readonly deadLetterArn?: string;
};

/** One subscription of the alert topic (ListSubscriptionsByTopic). */
export type SubscriptionFacts = {
  readonly protocol: string;
  readonly endpoint: string;
  /** SNS lists an unconfirmed subscription with the ARN `PendingConfirmation`. */
  readonly pending: boolean;
};

/** One of the function's result lines in its log group: a run's summary, or a failed invocation. */
export type RunLine = {
  readonly timeMs: number;
  readonly kind: 'run' | 'failed';
  /** For a run: it ended without errors (`counts.errors` is 0 and it was not cut off). */
  readonly complete: boolean;
  readonly errors: number;
  readonly locks?: number;
  readonly stale?: number;
  /** For a failed invocation: the error's message. */
  readonly error?: string;
};

/** The decision recorded for an action asked about that IAM's answer did not evaluate (not shown allowed). */
export const NOT_EVALUATED = 'not evaluated';

/** The IAM simulation's answer for one place the policy names: the actions the role may not take there. */
export type AccessFacts = {
  /** e.g. `table tf-locks-* in eu-west-1`, `bucket acme-tfstate*`. */
  readonly place: string;
  readonly denied: readonly { readonly action: string; readonly decision: string }[];
};

/** The dead-letter queue's depth. */
export type QueueFacts = {
  readonly name: string;
  readonly url: string;
  readonly visible: number;
  readonly inFlight: number;
};

/** A chat channel configuration that shows the alert topic, with the commands of the custom actions linked to it. */
export type ChatChannelFacts = {
  readonly kind: 'slack' | 'teams';
  readonly name: string;
  /** `ENABLED` or `DISABLED` (absent when the API did not say). */
  readonly state?: string;
  readonly commands: readonly string[];
};
