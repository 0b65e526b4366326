// Test harness: starts dynalite for every suite.
import { startDynalite } from '../bin/demo/local-dynamo';

/** Starts one in-process dynalite for the whole run; workers find it through DYNAMO_ENDPOINT. */
export default async function globalSetup(): Promise<void> {
  const engine = await startDynalite();
  process.env.DYNAMO_ENDPOINT = engine.endpoint;
  (globalThis as { __DYNALITE__?: typeof engine }).__DYNALITE__ = engine;
}
