// CDK: the LockJanitor construct's props, each with its default.
import type { Duration } from 'aws-cdk-lib';
import type { Code } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ScheduleExpression } from 'aws-cdk-lib/aws-scheduler';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { PolicyInput } from '../lambda/core/policy';
import type { SlackChannel, TeamsChannel } from './janitor-alerts';

/** How a LockJanitor is configured. Everything has a default; the policy is the one thing to think about. */
export interface LockJanitorProps {
  /**
   * The janitor policy (README "The policy"), checked here with the schema the function checks at cold start.
   * @default {} - mode "alert", every table, one rule that alerts on locks older than 4h
   */
  readonly policy?: PolicyInput;
  /**
   * When the janitor runs: a rate, or a cron with a time zone; checked at synth (`rate(N unit)`, six cron
   * fields with `?` in one of the day fields). @default ScheduleExpression.rate(Duration.minutes(15))
   */
  readonly schedule?: ScheduleExpression;
  /** Whether the schedule runs; `false` pauses the janitor and keeps everything else. @default true */
  readonly enabled?: boolean;
  /** E-mail addresses subscribed to the alert topic (each must confirm once). @default - none */
  readonly alertEmails?: readonly string[];
  /**
   * The topic for run notifications and alarms. If it is KMS-encrypted, its key policy must let
   * `cloudwatch.amazonaws.com` use the key, or alarms cannot publish.
   * @default - a new SSL-only topic (encrypted only with `encryptAlertTopic`)
   */
  readonly alertTopic?: ITopic;
  /**
   * Encrypt the new alert topic at rest with a new customer-managed KMS key (yearly rotation) that lets
   * CloudWatch alarms publish. Costs $1 a month, growing to $3 after two rotations (KMS pricing). Ignored when
   * `alertTopic` is given.
   * @default false
   */
  readonly encryptAlertTopic?: boolean;
  /**
   * The function's name, fixed so that commands can name it: the chat Release button's command must fit 100
   * characters once deployed, which a generated name (~60 characters) does not. Checked at synth: 1-64 letters,
   * digits, `-` or `_`; with a chat channel and release ability, short enough for the button (15 characters in an
   * environment-agnostic stack, 20 in `eu-west-1`). Unique per account and region: give a second janitor another.
   * Changing it replaces the function.
   * @default 'tf-lock-janitor'
   */
  readonly functionName?: string;
  /**
   * A Slack channel that shows the notifications; with a "Release lock" button on stale-lock notifications when
   * the function can release (mode `delete` or `allowRelease`). @default - none
   */
  readonly slack?: SlackChannel;
  /** A Microsoft Teams channel that shows the notifications, with the Release button as for `slack`. @default - none */
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
   * on the tables, and chat channels get the Release button. Without it, only a janitor in mode `delete` can
   * release (and only then has the button).
   * @default false
   */
  readonly allowRelease?: boolean;
  /**
   * The second acknowledgement a policy with `"allowShortDurations": true` needs to synthesize: such a janitor
   * may delete a lock minutes or seconds old, after two runs seconds apart. For test and demo stacks only; without
   * it synth fails, so a production stack cannot carry `allowShortDurations` by accident.
   * @default false
   */
  readonly acknowledgeUnsafeShortDurations?: boolean;
  /**
   * Every run count as a CloudWatch metric (locks, stale, alerted, deleted, changed, skipped, errors) and a
   * dashboard of them. Off, the function emits only `errors`, which the run-errors alarm needs; the other
   * counts stay in the run's summary log line (CloudWatch Logs Insights can chart them). Costs about $1.80 a
   * month more (6 metrics at $0.30), plus $3 for the dashboard beyond an account's 3 free ones.
   * @default false
   */
  readonly detailedMonitoring?: boolean;
  /**
   * The function's code, already bundled with the handler exported from `index.js` (e.g. `Code.fromBucket`
   * where no CDK asset can be used, as in a StackSet template).
   * @default - lambda/handler.ts bundled by esbuild at synth
   */
  readonly code?: Code;
}
