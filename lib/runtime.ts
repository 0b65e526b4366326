// CDK: the functions' Lambda runtime: the newest Node.js the app's aws-cdk-lib knows, never older than the bundle's target.
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { BUNDLE_NODE_MAJOR } from './bundling';

/**
 * The newest `nodejsNN.x` in the consumer's `lambda.Runtime.ALL`, at least `nodejs24.x`. cdk-nag's AwsSolutions-L1
 * compares a function's runtime with that same list, so the janitor passes it with whichever aws-cdk-lib the app
 * has (2.278 knows nodejs26.x); an app that upgrades aws-cdk-lib moves to the next runtime on its next deploy.
 * The bundle targets Node.js 24 and uses nothing a later Node.js removed.
 */
export function nodeRuntime(): lambda.Runtime {
  let best = lambda.Runtime.NODEJS_24_X;
  let bestMajor = BUNDLE_NODE_MAJOR;
  for (const runtime of lambda.Runtime.ALL) {
    const major = /^nodejs(\d+)\.x$/.exec(runtime.name)?.[1];
    if (runtime.family === lambda.RuntimeFamily.NODEJS && major && Number(major) > bestMajor) {
      best = runtime;
      bestMajor = Number(major);
    }
  }
  return best;
}
