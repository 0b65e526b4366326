// Demo: whether dynalite (the demo's DynamoDB engine, an optional peer of the package) can be loaded here.
import { JanitorError } from '../../lambda/core/errors';

/** What `demo` says when dynalite is absent: a package install leaves it out (no CDK app needs it). */
export const DYNALITE_MISSING =
  'the demo needs dynalite (an in-process DynamoDB), which installing the package leaves out: ' +
  'add it with `npm install --no-save dynalite@4.0.0`, or run the demo from a clone with `npm ci && npm start`';

/** Throws a JanitorError saying how to get dynalite when it cannot be resolved from here. */
export function assertDynalite(): void {
  try {
    require.resolve('dynalite');
  } catch {
    throw new JanitorError(DYNALITE_MISSING);
  }
}
