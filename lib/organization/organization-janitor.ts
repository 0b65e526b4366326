// CDK: OrganizationJanitor: the janitor in every account of some OUs (a StackSet), heard and acted on centrally.
import { Aws, CfnOutput, Fn } from 'aws-cdk-lib';
import { CfnStackSet } from 'aws-cdk-lib/aws-cloudformation';
import { Construct } from 'constructs';
import { UsageError } from '../../lambda/core/errors';
import { JanitorAlerts, type SlackChannel, type TeamsChannel } from '../janitor-alerts';
import { CentralAlerts } from './central-alerts';
import { CentralRelease } from './central-release';
import { DEFAULT_CODE_BUCKET_PREFIX } from './code-bucket-stack';
import type { MemberJanitorProps, MemberParameter } from './member-janitor-stack';
import { type MemberAppHook, memberTemplateBody } from './member-template';
import { STACK_SET_NAME } from './names';

export interface OrganizationJanitorProps {
  /** The organization (`o-...`): every cross-account grant is conditioned on it. */
  readonly organizationId: string;
  /** The OUs (or the root `r-...`) whose accounts get the janitor, including accounts added later. */
  readonly organizationalUnits: readonly string[];
  /** The regions of each account where a janitor runs (each sweeps its own region unless the policy says). */
  readonly regions: readonly string[];
  /** The key of the janitor's bundle in the code buckets (JanitorCodeStack.codeKey). */
  readonly codeKey: string;
  /** The code buckets are `<prefix>-<region>`. @default DEFAULT_CODE_BUCKET_PREFIX */
  readonly codeBucketPrefix?: string;
  /** The janitor each member account gets (policy, schedule, ...). @default {} with `allowRelease: true` */
  readonly janitor?: MemberJanitorProps;
  /** `DELEGATED_ADMIN` when deploying from a delegated administrator account. @default 'SELF' */
  readonly callAs?: 'SELF' | 'DELEGATED_ADMIN';
  /** Keep the janitor's stack (and state table) in an account that leaves the OUs. @default false */
  readonly retainStacksOnAccountRemoval?: boolean;
  /** How many accounts a StackSet operation deploys to at once, in percent. @default 25 */
  readonly maxConcurrentPercentage?: number;
  /** How many accounts may fail per region before the operation stops, in percent. @default 10 */
  readonly failureTolerancePercentage?: number;
  /** E-mail addresses subscribed to the central topic (each confirms once). @default - none */
  readonly alertEmails?: readonly string[];
  readonly slack?: SlackChannel;
  readonly teams?: TeamsChannel;
  /** Called with the member template's app before synth, e.g. to add cdk-nag. @default - none */
  readonly memberAppHook?: MemberAppHook;
}

/**
 * tf-lock-janitor for an organization, deployed once in the management account or a delegated administrator:
 * a service-managed StackSet that deploys the janitor to every account of the OUs (auto-deployment), one
 * central alert topic (and channels) that every member janitor publishes to, and a central release function
 * the chat Release button invokes. The janitor's code must be in the code buckets (JanitorCodeStack).
 */
export class OrganizationJanitor extends Construct {
  readonly stackSet: CfnStackSet;
  readonly alerts: CentralAlerts;
  readonly release: CentralRelease;
  /** The member template, as the StackSet's TemplateBody. */
  readonly templateBody: string;

  constructor(scope: Construct, id: string, props: OrganizationJanitorProps) {
    super(scope, id);
    const janitor: MemberJanitorProps = {
      ...props.janitor,
      allowRelease: props.janitor?.allowRelease ?? true,
    };
    checkRegions(props.regions, janitor);
    this.alerts = new CentralAlerts(this, 'Alerts', { organizationId: props.organizationId });
    new JanitorAlerts(this, 'Channels', {
      topic: this.alerts.topic,
      encrypt: false,
      emails: props.alertEmails ?? [],
      slack: props.slack,
      teams: props.teams,
    });
    this.release = new CentralRelease(this, 'Release', {
      organizationId: props.organizationId,
      regions: props.regions,
    });
    this.templateBody = memberTemplateBody(
      { janitor, organizationId: props.organizationId, codeKey: props.codeKey },
      props.memberAppHook,
    );
    const parameters: Record<MemberParameter, string> = {
      AlertTopicArn: this.alerts.topic.topicArn,
      AlertKeyArn: this.alerts.key.keyArn,
      AlarmBusArn: this.alerts.bus.eventBusArn,
      CentralReleaseRoleArn: this.release.role.roleArn,
      CodeBucketPrefix: props.codeBucketPrefix ?? DEFAULT_CODE_BUCKET_PREFIX,
    };
    this.stackSet = new CfnStackSet(this, 'StackSet', {
      stackSetName: STACK_SET_NAME,
      description:
        'tf-lock-janitor: removes stale Terraform/OpenTofu state locks in every account of the OUs',
      permissionModel: 'SERVICE_MANAGED',
      autoDeployment: {
        enabled: true,
        retainStacksOnAccountRemoval: props.retainStacksOnAccountRemoval ?? false,
      },
      callAs: props.callAs ?? 'SELF',
      // The member template names its roles (the central policies admit them by ARN).
      capabilities: ['CAPABILITY_NAMED_IAM'],
      managedExecution: { Active: true },
      operationPreferences: {
        regionConcurrencyType: 'PARALLEL',
        maxConcurrentPercentage: props.maxConcurrentPercentage ?? 25,
        failureTolerancePercentage: props.failureTolerancePercentage ?? 10,
      },
      stackInstancesGroup: [
        {
          deploymentTargets: { organizationalUnitIds: [...props.organizationalUnits] },
          regions: [...props.regions],
        },
      ],
      parameters: Object.entries(parameters).map(([parameterKey, parameterValue]) => ({
        parameterKey,
        parameterValue,
      })),
      templateBody: this.templateBody,
    });
    new CfnOutput(this, 'AlertTopicArn', { value: this.alerts.topic.topicArn });
    new CfnOutput(this, 'ReleaseFunctionName', { value: this.release.function.functionName });
    new CfnOutput(this, 'StackSetName', { value: Fn.join('', [STACK_SET_NAME, ' in ', Aws.REGION]) });
  }
}

/** Each region's janitor sweeps its own region; a policy listing regions would sweep them from every one. */
function checkRegions(regions: readonly string[], janitor: MemberJanitorProps): void {
  const policyRegions = (janitor.policy as { regions?: unknown } | undefined)?.regions;
  if (regions.length > 1 && policyRegions !== undefined) {
    throw new UsageError(
      'policy.regions: the organization deploys a janitor to each of organization.regions, and each sweeps its own region; leave policy.regions out, or deploy to one region and list the regions to sweep in policy.regions',
    );
  }
}
