// The CDK app: reads the janitor settings from CDK context and deploys one JanitorStack.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JanitorError } from '../lambda/core/errors';
import { readJanitorContext } from '../lib/janitor-context';
import { JanitorStack } from '../lib/janitor-stack';

// One env-agnostic janitor stack configured from context (cdk.json or -c), checked by cdk-nag AwsSolutions.
const app = new App();
try {
  const settings = readJanitorContext((key) => app.node.tryGetContext(key));
  new JanitorStack(app, 'TfLockJanitor', settings);
} catch (e) {
  // A configuration mistake gets its message, not a stack trace.
  if (!(e instanceof JanitorError)) throw e;
  console.error(`tf-lock-janitor: the context in cdk.json or -c is not valid.\n${e.message}`);
  process.exit(1);
}
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));
