// Tests: the functions' runtime tracks the newest Node.js the app's aws-cdk-lib knows (cdk-nag AwsSolutions-L1).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JanitorStack } from '../lib/janitor-stack';
import { nodeRuntime } from '../lib/runtime';

type Report = { pluginReports: { violations: { ruleName: string }[] }[] };

/** The janitor stack's function runtimes and its cdk-nag findings, synthesized with the aws-cdk-lib as it is now. */
function synth(): { runtimes: string[]; findings: string[] } {
  const outdir = mkdtempSync(path.join(tmpdir(), 'janitor-runtime-'));
  try {
    const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [] } });
    const stack = new JanitorStack(app, 'Janitor', {});
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
    try {
      app.synth();
    } catch {
      // Findings fail synth; they are read from the report.
    }
    const file = path.join(outdir, `${stack.stackName}.template.json`);
    const template = JSON.parse(readFileSync(file, 'utf8')) as {
      Resources: Record<string, { Type: string; Properties: { Runtime?: string } }>;
    };
    const runtimes = Object.values(template.Resources)
      .filter((r) => r.Type === 'AWS::Lambda::Function')
      .map((r) => r.Properties.Runtime ?? '');
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8')) as Report;
    return { runtimes, findings: report.pluginReports.flatMap((p) => p.violations.map((v) => v.ruleName)) };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

describe('the Lambda runtime', () => {
  it("is the newest Node.js runtime of this checkout's aws-cdk-lib, at least nodejs24.x", () => {
    const newest = Math.max(
      ...lambda.Runtime.ALL.map((r) => Number(/^nodejs(\d+)\.x$/.exec(r.name)?.[1] ?? 0)),
    );
    expect(nodeRuntime().name).toBe(`nodejs${Math.max(newest, 24)}.x`);
    expect(synth().runtimes).toEqual([nodeRuntime().name]);
  });

  it('moves to a newer Node.js runtime when aws-cdk-lib adds one, and passes AwsSolutions-L1 with it', () => {
    // Prepare: the runtime aws-cdk-lib 2.278 adds (CloudFormation knows it; the constructor registers it in
    // Runtime.ALL), unless this checkout's aws-cdk-lib has it already.
    const before = lambda.Runtime.ALL.length;
    const next =
      lambda.Runtime.ALL.find((r) => r.name === 'nodejs26.x') ??
      new lambda.Runtime('nodejs26.x', lambda.RuntimeFamily.NODEJS);
    try {
      // Act
      const { runtimes, findings } = synth();
      // Assess: the janitor takes it, and cdk-nag, which compares with the same list, finds nothing.
      expect(nodeRuntime()).toBe(next);
      expect(runtimes).toEqual(['nodejs26.x']);
      expect(findings).toEqual([]);
    } finally {
      lambda.Runtime.ALL.splice(before);
    }
  });

  it('is never older than the bundle target, and ignores other families', () => {
    const before = lambda.Runtime.ALL.length;
    new lambda.Runtime('python9.99', lambda.RuntimeFamily.PYTHON);
    new lambda.Runtime('nodejs99.x', lambda.RuntimeFamily.OTHER);
    try {
      expect(Number(/^nodejs(\d+)\.x$/.exec(nodeRuntime().name)?.[1])).toBeGreaterThanOrEqual(24);
      expect(nodeRuntime().name).not.toBe('nodejs99.x');
    } finally {
      lambda.Runtime.ALL.splice(before);
    }
  });
});
