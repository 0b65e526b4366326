// Run: discovers the lock tables of a region (list or name, describe, filter) and admits each by its opt-out tag.

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

/**
 * Lists (or names), describes and filters the lock tables of one region; never throws. The opt-out tag is
 * checked later, by `admission`, while the table's first page is read. (The sweep itself does not wait for a
 * region's whole list: it describes and reads each name as `tableNames` yields it.)
 */
export async function discoverTables(
  store: LockStore,
  policy: Policy,
  logger?: JanitorLogger,
): Promise<Discovery> {
  const names: string[] = [];
  const listed = await tableNames(store, policy, (name) => names.push(name), logger);
  if (listed) return { tables: [], warnings: [], failures: [listed] };
  const failures: TableReport[] = [];
  const found = await mapBounded(names, 8, async (name) => {
    const described = await describeLockTable(store, name);
    if (described && !('arn' in described)) failures.push(described);
    return described && 'arn' in described ? described : undefined;
  });
  return { tables: found.filter((t): t is LockTable => t !== undefined), failures, warnings: [] };
}

/**
 * Hands each table name of the region that the policy selects to `found` as soon as it is listed (or each name
 * the policy names outright); never throws: a region whose tables cannot be listed is returned as a failed
 * `*` table report (undefined when the listing completed).
 */
export async function tableNames(
  store: LockStore,
  policy: Policy,
  found: (name: string) => void,
  logger?: JanitorLogger,
): Promise<TableReport | undefined> {
  const { region } = store;
  try {
    for await (const name of candidateNames(store, policy.tables))
      if (isSelected(name, policy.tables)) found(name);
    return undefined;
  } catch (e) {
    const error = `could not list the tables of ${region}: ${describeError(e)}`;
    logger?.error({ region, error }, 'region failed');
    return emptyTable(region, '*', error);
  }
}

/**
 * The table if it is a lock table (Terraform's schema); undefined when the region has no such table (one named
 * outright) or it is not a lock table; a failed table report when it cannot be described. Never throws.
 */
export async function describeLockTable(
  store: LockStore,
  name: string,
): Promise<LockTable | TableReport | undefined> {
  const { region } = store;
  let description: TableDescription | undefined;
  try {
    description = await store.describeTable(name);
  } catch (e) {
    return emptyTable(region, name, `could not describe the table: ${describeError(e)}`);
  }
  // A table named outright that this region does not have is simply not here (as if it were not listed).
  if (!description || !isLockTableSchema(description)) return undefined;
  return { region, name, arn: description.arn };
}

/** Whether the opt-out tag lets the janitor sweep a table: yes, no (opted out), or no with a failure to report. */
export type Admission =
  | { readonly admitted: true }
  | { readonly admitted: false; readonly failure?: TableReport };

/**
 * The table's opt-out tag check; never throws. Fail closed: a table whose tags cannot be read is not swept, and
 * that is reported. With `optOutTag: false` every table is admitted without a call.
 */
export async function admission(
  store: LockStore,
  table: LockTable,
  policy: Policy,
  logger?: JanitorLogger,
): Promise<Admission> {
  const tag = policy.tables.optOutTag;
  if (tag === false) return { admitted: true };
  let tags: Record<string, string>;
  try {
    tags = await store.listTags(table.arn);
  } catch (e) {
    return { admitted: false, failure: emptyTable(table.region, table.name, tagsUnreadable(tag, e)) };
  }
  if (!isOptedOut(tags, tag)) return { admitted: true };
  logger?.info({ region: table.region, table: table.name, tag }, 'table opted out');
  return { admitted: false };
}

/**
 * The names to describe: when every include glob names one table outright, those names (DescribeTable answers
 * whether each exists, so ListTables would only repeat it); otherwise every table of the region.
 */
async function* candidateNames(store: LockStore, tables: Policy['tables']): AsyncIterable<string> {
  const literals = tables.include.map((g) => g.literal);
  if (literals.every((name): name is string => name !== undefined)) yield* new Set(literals);
  else yield* store.listTables();
}

/** Why a table whose tags cannot be read is left alone, and how to fix it (also on DynamoDB Local). */
export function tagsUnreadable(tag: string, e: unknown): string {
  return (
    `skipped: its tags could not be read, so the opt-out tag "${tag}" could not be checked (fail closed): ` +
    `${describeError(e)}. Grant dynamodb:ListTagsOfResource; on a server without tagging (DynamoDB Local) ` +
    'set tables.optOutTag to false and use tables.exclude'
  );
}
