// Run: discovers the lock tables of a region (list, describe, filter, opt-out tag).

import { describeError } from '../core/errors';
import type { Policy } from '../core/policy';
import type { LockStore, TableDescription } from '../core/ports';
import { emptyTable, type TableReport } from '../core/report';
import { mapBounded } from './bounded';
import type { JanitorLogger } from './options';

/** A table the janitor will read. */
export type LockTable = { readonly region: string; readonly name: string; readonly arn: string };

export type Discovery = {
  readonly tables: LockTable[];
  /** Tables that could not be described, and regions whose tables could not be listed. */
  readonly failures: TableReport[];
  readonly warnings: string[];
};

/** A lock table has exactly one key: the hash key `LockID` of type S (Terraform's required schema). */
export function isLockTableSchema(table: TableDescription): boolean {
  const [key, ...rest] = table.keySchema;
  return (
    rest.length === 0 &&
    key?.name === 'LockID' &&
    key.keyType === 'HASH' &&
    table.attributeTypes.LockID === 'S'
  );
}

/** A table name passes when some include glob matches it and no exclude glob does. */
export function isSelected(name: string, tables: Policy['tables']): boolean {
  return tables.include.some((g) => g.test(name)) && !tables.exclude.some((g) => g.test(name));
}

/** The opt-out tag is present with any value but "false". */
export function isOptedOut(tags: Readonly<Record<string, string>>, optOutTag: string): boolean {
  return optOutTag in tags && tags[optOutTag].toLowerCase() !== 'false';
}

/** Lists, describes and filters the tables of one region; never throws. */
export async function discoverTables(
  store: LockStore,
  policy: Policy,
  logger?: JanitorLogger,
): Promise<Discovery> {
  const { region } = store;
  const names: string[] = [];
  try {
    for await (const name of store.listTables()) if (isSelected(name, policy.tables)) names.push(name);
  } catch (e) {
    const error = `could not list the tables of ${region}: ${describeError(e)}`;
    logger?.error({ region, error }, 'region failed');
    return { tables: [], warnings: [], failures: [emptyTable(region, '*', error)] };
  }
  const failures: TableReport[] = [];
  const found = await mapBounded(names, 8, async (name): Promise<LockTable | undefined> => {
    let description: TableDescription;
    try {
      description = await store.describeTable(name);
    } catch (e) {
      failures.push(emptyTable(region, name, `could not describe the table: ${describeError(e)}`));
      return undefined;
    }
    if (!isLockTableSchema(description)) return undefined;
    const tag = policy.tables.optOutTag;
    if (tag === false) return { region, name, arn: description.arn };
    let tags: Record<string, string>;
    try {
      tags = await store.listTags(description.arn);
    } catch (e) {
      // Fail closed: a table whose opt-out tag cannot be read is never swept.
      failures.push(emptyTable(region, name, tagsUnreadable(tag, e)));
      return undefined;
    }
    if (isOptedOut(tags, tag)) {
      logger?.info({ region, table: name, tag }, 'table opted out');
      return undefined;
    }
    return { region, name, arn: description.arn };
  });
  return { tables: found.filter((t): t is LockTable => t !== undefined), failures, warnings: [] };
}

function tagsUnreadable(tag: string, e: unknown): string {
  return (
    `skipped: its tags could not be read, so the opt-out tag "${tag}" could not be checked (fail closed): ` +
    `${describeError(e)}. Grant dynamodb:ListTagsOfResource; on a server without tagging (DynamoDB Local) ` +
    'set tables.optOutTag to false and use tables.exclude'
  );
}
