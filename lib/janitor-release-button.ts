// CDK: the "Release lock" button on stale-lock chat notifications: a custom action, its channel links and its IAM.
import { Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { RELEASE_PAYLOAD_KEY } from '../lambda/core/contract';
import type { ChatChannel } from './janitor-alerts';
import {
  ADDITIONAL_CONTEXT_PATH,
  PAYLOAD_VARIABLE,
  RELEASE_BUTTON_TEXT,
  releaseActionName,
  releaseCommand,
} from './release-command';

/** What the button needs; LockJanitor fills every value and has checked the name (release-command.ts). */
export interface JanitorReleaseButtonProps {
  readonly function: IFunction;
  /** The function's fixed name, as the command names it. */
  readonly functionName: string;
  /** The channels that show the button; each gets the link, the invoke permission and the guardrail. */
  readonly channels: readonly ChatChannel[];
}

/**
 * An Amazon Q Developer (AWS Chatbot) custom action that runs
 * `lambda invoke --function-name NAME --region REGION --payload $payload /dev/stdout` from a "Release lock" button.
 * `$payload` is the notification's `additionalContext.releasePayload` (base64 JSON of the release request), and the
 * button shows only on notifications that carry one: the janitor's stale-lock notifications.
 *
 * Each channel's role may `lambda:InvokeFunction` on this function's ARN only, and the channel gets a
 * customer-managed guardrail allowing exactly that, next to its read-only one: guardrails cap what any command from
 * the channel may do, so without it the button's command is denied.
 *
 * Confirmed (Amazon Q Developer API and CloudFormation references): the resource's shape and limits, commands
 * written without `aws`, a 15 s limit on a command run from chat. Seen only in public code: the variable path and
 * `NotificationType: "Custom"`. Unconfirmed: whether chat's `lambda invoke` reads `--payload` as base64 like AWS
 * CLI v2 and what it does with the outfile. docs/chat-button.md lists each with its source.
 */
export class JanitorReleaseButton extends Construct {
  readonly action: chatbot.CfnCustomAction;
  /** The guardrail policy that lets the channels invoke the janitor and nothing else. */
  readonly guardrail: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: JanitorReleaseButtonProps) {
    super(scope, id);
    const region = Stack.of(this).region;
    this.action = new chatbot.CfnCustomAction(this, 'Action', {
      actionName: releaseActionName(props.functionName, region),
      definition: { commandText: releaseCommand(props.functionName, region) },
      attachments: [
        {
          // Custom notifications (`source: "custom"`) have the type "Custom" in public custom-action code.
          notificationType: 'Custom',
          buttonText: RELEASE_BUTTON_TEXT,
          variables: { [PAYLOAD_VARIABLE]: `${ADDITIONAL_CONTEXT_PATH}${RELEASE_PAYLOAD_KEY}` },
          // Without criteria a button shows on every notification; only stale-lock ones carry a release payload.
          criteria: [{ operator: 'HAS_VALUE', variableName: PAYLOAD_VARIABLE }],
        },
      ],
    });
    const invoke = () =>
      new iam.PolicyStatement({
        sid: 'ReleaseLocksThroughTheJanitor',
        actions: ['lambda:InvokeFunction'],
        resources: [props.function.functionArn],
      });
    this.guardrail = new iam.ManagedPolicy(this, 'Guardrail', {
      description:
        'tf-lock-janitor: chat guardrail that allows the Release button, invoking the janitor, only',
      statements: [invoke()],
    });
    for (const channel of props.channels) {
      const { configuration } = channel;
      configuration.customizationResourceArns = [
        ...(configuration.customizationResourceArns ?? []),
        this.action.attrCustomActionArn,
      ];
      configuration.guardrailPolicies = [...channel.guardrailPolicyArns, this.guardrail.managedPolicyArn];
      channel.grantee.grantPrincipal.addToPrincipalPolicy(invoke());
    }
  }
}
