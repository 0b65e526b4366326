// CDK: synthesizes the member janitor in an app of its own, as the StackSet's template body.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { UsageError } from '../../lambda/core/errors';
import { MemberJanitorStack, type MemberJanitorStackProps } from './member-janitor-stack';

/** CloudFormation takes a StackSet TemplateBody of at most 51,200 bytes. */
export const MAX_TEMPLATE_BODY_BYTES = 51_200;

type ValidationReport = {
  pluginReports: {
    pluginName: string;
    violations: {
      ruleName: string;
      severity?: string;
      violatingConstructs?: { constructPath?: string }[];
    }[];
  }[];
};

/**
 * Fails when a validation plugin (cdk-nag) reported a finding on the member template. Whether CDK itself
 * throws depends on how the app runs (under the CLI it only sets the exit code), so the report decides.
 */
function checkValidationReport(outdir: string): void {
  const file = path.join(outdir, 'validation-report.json');
  if (!existsSync(file)) return;
  const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  const findings = report.pluginReports.flatMap((p) =>
    p.violations
      .filter((v) => v.severity?.toLowerCase() !== 'warning' && v.severity?.toLowerCase() !== 'info')
      .map(
        (v) =>
          `${p.pluginName}: ${v.ruleName} on ${(v.violatingConstructs ?? []).map((c) => c.constructPath).join(', ')}`,
      ),
  );
  if (findings.length > 0) {
    throw new UsageError(`the member template has validation findings:\n  - ${findings.join('\n  - ')}`);
  }
}

/** Called with the member template's own app before it is synthesized: add validation plugins (cdk-nag) here. */
export type MemberAppHook = (app: App) => void;

/**
 * The member template as compact JSON. It is synthesized in a separate, env-agnostic app, so the
 * central stack embeds it and never deploys it; its outdir is a temporary directory, never the CLI's.
 */
export function memberTemplateBody(props: MemberJanitorStackProps, hook?: MemberAppHook): string {
  const outdir = mkdtempSync(path.join(tmpdir(), 'tf-lock-janitor-member-'));
  try {
    const app = new App({
      outdir,
      analyticsReporting: false,
      // Set after the CLI's context: the template carries no construct paths or asset metadata.
      postCliContext: { 'aws:cdk:enable-path-metadata': false, 'aws:cdk:enable-asset-metadata': false },
    });
    const stack = new MemberJanitorStack(app, 'TfLockJanitorMember', props);
    hook?.(app);
    const template = app.synth().getStackByName(stack.stackName).template;
    checkValidationReport(outdir);
    const body = JSON.stringify(template);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > MAX_TEMPLATE_BODY_BYTES) {
      throw new UsageError(
        `the member template is ${bytes} bytes, more than the ${MAX_TEMPLATE_BODY_BYTES} a StackSet template body may have; shorten the policy`,
      );
    }
    return body;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}
