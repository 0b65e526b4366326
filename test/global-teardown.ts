// Test harness: stops dynalite.
import type { LocalDynamo } from '../bin/demo/local-dynamo';

export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __DYNALITE__?: LocalDynamo }).__DYNALITE__?.close();
}
