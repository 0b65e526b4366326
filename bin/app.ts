// The CDK app: reads the janitor settings from CDK context and deploys one JanitorStack, or an organization.
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { JanitorError } from '../lambda/core/errors';
import { readJanitorContext } from '../lib/janitor-context';
import { JanitorStack } from '../lib/janitor-stack';
import { readOrganizationContext } from '../lib/organization/organization-context';
import { addOrganizationStacks } from '../lib/organization/organization-stack';

/** cdk-nag AwsSolutions on an app: the deployed stacks, and the member template the StackSet carries. */
const nag = (app: App) => Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: false }));

// One env-agnostic janitor stack configured from context (cdk.json or -c); with `-c organization='{...}'`,
// the organization deployment instead (docs/organization.md).
const app = new App();
try {
  const settings = readJanitorContext((key) => app.node.tryGetContext(key));
  const organization = readOrganizationContext(app.node.tryGetContext('organization'));
  if (organization) addOrganizationStacks(app, 'TfLockJanitorOrganization', organization, settings, nag);
  else new JanitorStack(app, 'TfLockJanitor', settings);
} catch (e) {
  // A configuration mistake gets its message, not a stack trace.
  if (!(e instanceof JanitorError)) throw e;
  console.error(`tf-lock-janitor: the context in cdk.json or -c is not valid.\n${e.message}`);
  process.exit(1);
}
nag(app);
