// CDK: the organization deployment's stacks: one code stack per region, then the central stack with the StackSet.
import { Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { JanitorContext } from '../janitor-context';
import { JanitorCodeStack } from './code-bucket-stack';
import type { MemberAppHook } from './member-template';
import type { OrganizationSettings } from './organization-context';
import { OrganizationJanitor, type OrganizationJanitorProps } from './organization-janitor';

export interface OrganizationStackProps extends StackProps, OrganizationJanitorProps {}

/**
 * The central stack (management or delegated administrator account): the StackSet, the central topic and
 * channels, the central release function. Environment-agnostic, so `cdk synth` needs no AWS account.
 */
export class OrganizationStack extends Stack {
  readonly organization: OrganizationJanitor;

  constructor(scope: Construct, id: string, props: OrganizationStackProps) {
    super(scope, id, {
      description:
        'tf-lock-janitor: the janitor in every account of an organization (StackSet, central alerts)',
      ...props,
    });
    this.organization = new OrganizationJanitor(this, 'Organization', props);
  }
}

/** The stacks of an organization deployment (`cdk deploy --all` deploys the code stacks first). */
export type OrganizationStacks = { readonly code: JanitorCodeStack[]; readonly central: OrganizationStack };

/**
 * What bin/app.ts builds for `-c organization=...`: a code stack per region (`<id>Code-<region>`) and the
 * central stack `<id>`, which depends on them. The janitor settings from context apply to every member janitor;
 * the alert e-mails and chat channels to the central topic.
 */
export function addOrganizationStacks(
  scope: Construct,
  id: string,
  org: OrganizationSettings,
  settings: JanitorContext = {},
  memberAppHook?: MemberAppHook,
): OrganizationStacks {
  const { alertEmails, slack, teams, encryptAlertTopic: _unused, ...janitor } = settings;
  const code = org.regions.map(
    (region) =>
      new JanitorCodeStack(scope, `${id}Code-${region}`, {
        region,
        organizationId: org.organizationId,
        bucketPrefix: org.codeBucketPrefix,
      }),
  );
  const central = new OrganizationStack(scope, id, {
    ...org,
    codeKey: code[0].codeKey,
    janitor,
    alertEmails,
    slack,
    teams,
    memberAppHook,
  });
  for (const stack of code)
    central.addStackDependency(stack, 'the StackSet deploys functions whose code is in these buckets');
  return { code, central };
}
