// Benchmark: table setup helpers.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type EngineProcess, startEngineProcess } from './engine';
import { benchClient, createLockTable, type Item, putItems } from './fixture';
import { since } from './stats';

/** A lock table in an engine of its own, and how long seeding it took. */
export type SeededTable = {
  readonly engine: EngineProcess;
  readonly client: DynamoDBClient;
  readonly table: string;
  readonly items: number;
  readonly seedMs: number;
};

/**
 * Runs `fn` against a fresh dynalite child holding only this table: dynalite 4 walks every item of the engine
 * for ListTables and ListTagsOfResource, so other tables would slow a sweep's discovery.
 */
export async function withSeededTable<T>(
  table: string,
  items: readonly Item[],
  fn: (seeded: SeededTable) => Promise<T>,
): Promise<T> {
  const engine = await startEngineProcess();
  const client = benchClient(engine.endpoint);
  try {
    const t0 = performance.now();
    await createLockTable(client, table);
    await putItems(client, table, items);
    return await fn({ engine, client, table, items: items.length, seedMs: since(t0) });
  } finally {
    client.destroy();
    await engine.close();
  }
}
