// Starts dynalite, an in-process DynamoDB engine, for the demo, tests and benchmarks.
import type { AddressInfo } from 'node:net';

// dynalite ships no type declarations; this is the part of its API we use.
type DynaliteServer = {
  listen(port: number, host: string, cb: () => void): void;
  address(): AddressInfo | string | null;
  close(cb: (err?: Error) => void): void;
  on(event: 'error', cb: (err: Error) => void): void;
};
type Dynalite = (opts: Record<string, number>) => DynaliteServer;

/** The part of dynalite's store (`dynalite/db`) whose key streams are patched below. */
type PrefixedDb = {
  createKeyStream(o?: object): unknown;
  createValueStream(o?: object): unknown;
  rangeBounded?: true;
};
type DynaliteStore = { db: PrefixedDb; tableDb: PrefixedDb; getTagDb(name: string): PrefixedDb };
type DynaliteDb = { create(options: object): DynaliteStore; rangePatched?: true };

/**
 * dynalite 4 keeps every table's items, tags and table records in one sorted store under prefixes, and its
 * ListTables and ListTagsOfResource stream the keys of the whole store, dropping those without the prefix: each
 * call walks every item of every table, so a suite or benchmark with many tables pays a quadratic term that
 * DynamoDB never charges. This bounds both streams to their prefix's range (the same answers, in the same order).
 */
function boundKeyStreams(): void {
  const db = require('dynalite/db') as DynaliteDb;
  if (db.rangePatched) return;
  const create = db.create;
  const bound = (main: PrefixedDb, sub: PrefixedDb, prefix: string): PrefixedDb => {
    if (sub.rangeBounded) return sub;
    // The prefix ends with "~" (table names cannot hold one); "\x7f" is the next character, in bytes too.
    const range = { gte: prefix, lt: `${prefix.slice(0, -1)}\x7f` };
    const keys = sub.createKeyStream.bind(sub);
    sub.createKeyStream = (o?: object) => keys({ ...o, ...range });
    sub.createValueStream = () => main.createValueStream(range);
    sub.rangeBounded = true;
    return sub;
  };
  db.create = (options) => {
    const store = create(options);
    bound(store.db, store.tableDb, 'table~');
    const getTagDb = store.getTagDb.bind(store);
    store.getTagDb = (name) => bound(store.db, getTagDb(name), `tag-${name}~`);
    return store;
  };
  db.rangePatched = true;
}

/** The part of dynalite's store module (`dynalite/db`) that judges a write's condition. */
type ConditionCheck = (data: Record<string, unknown>, existing: unknown) => ConditionError | undefined;
type ConditionError = Error & { body?: Record<string, unknown> };
type DynaliteConditions = { checkConditional: ConditionCheck; returnsOld?: true };

/**
 * DynamoDB answers a write whose condition failed with the item as it stood when the request asks for it
 * (`ReturnValuesOnConditionCheckFailure: ALL_OLD`, on PutItem, UpdateItem and DeleteItem; nothing when there
 * was no item); dynalite 4 drops the parameter. This accepts it (`ALL_OLD` or `NONE`, as DynamoDB validates
 * it) and puts the item in the error's body under `Item`, where DynamoDB puts it.
 */
function returnOldOnConditionFailure(): void {
  const db = require('dynalite/db') as DynaliteConditions;
  if (db.returnsOld) return;
  for (const action of ['putItem', 'updateItem', 'deleteItem']) {
    const validation = require(`dynalite/validations/${action}`) as { types: Record<string, unknown> };
    validation.types.ReturnValuesOnConditionCheckFailure = { type: 'String', enum: ['ALL_OLD', 'NONE'] };
  }
  const check = db.checkConditional;
  db.checkConditional = (data, existing) => {
    const err = check(data, existing);
    if (err?.body && existing && data.ReturnValuesOnConditionCheckFailure === 'ALL_OLD')
      err.body = { ...err.body, Item: existing };
    return err;
  };
  db.returnsOld = true;
}

/** A DynamoDB-compatible engine running in this process, on a free loopback port. */
export type LocalDynamo = { readonly endpoint: string; close(): Promise<void> };

/** Starts dynalite in memory on 127.0.0.1 with instant table creation and deletion. */
export async function startDynalite(): Promise<LocalDynamo> {
  // Required here, not on import: the installed package leaves dynalite out (bin/demo/dynalite-check.ts).
  const dynalite = require('dynalite') as Dynalite;
  boundKeyStreams();
  returnOldOnConditionFailure();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve()))),
  };
}
