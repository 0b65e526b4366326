// Adapter: the DynamoDB lock tables as a LockSource: find tables, check their schema, read their items, delete one guarded.
import { describeError } from '../core/errors';
import type { RunFailure } from '../core/failure';
import type { LockHalf, TableHalf } from '../core/lock-half';
import { classifyItem, type LockItem } from '../core/lock-item';
import type {
  Discovered,
  FreshHalf,
  HalfPage,
  LockSource,
  PlaceCheck,
  UnreadView,
} from '../core/lock-source';
import { isSelected, type Place } from '../core/place';
import type { Policy } from '../core/policy';
import type { DeleteResult, JanitorLogger, LockStore, TableDescription } from '../core/ports';
import { emptyTable, type TableReport, type UnparseableReport } from '../core/report';

/** Terraform's digest item for a state: the lock's LockID followed by `-md5` (s3 backend `stateIDSuffix`). */
export const DIGEST_SUFFIX = '-md5';

/** DynamoDB refuses a partition key longer than this many bytes (and with it the whole BatchGetItem). */
export const MAX_KEY_BYTES = 2048;

/** What the table source needs from the run. */
export type TableSourceOptions = {
  readonly policy: Policy;
  readonly regions: readonly string[];
  readonly lockStores: (region: string) => LockStore;
  readonly logger?: JanitorLogger;
  /** Read the state digests of lock items (policy `evidence.stateWrites`, and a memory that outlives the run). */
  readonly digests?: boolean;
};

/**
 * How this process's tables are named (`arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME`): per region from a
 * description seen there, else from the partition and account of any description, so a table's ARN can be named
 * before its own description comes back. Only a name, never trusted alone: tags read by it count only when the
 * table's description shows the same ARN. `learned` settles when the first description is seen.
 */
const ARNS: {
  /** Per region, a described table's ARN without its name: how that region names its tables. */
  readonly prefixes: Map<string, string>;
  account?: { readonly partition: string; readonly id: string };
  learned: Promise<void>;
  learn: () => void;
} = (() => {
  let learn: () => void = () => {};
  const learned = new Promise<void>((resolve) => {
    learn = resolve;
  });
  return { prefixes: new Map(), learned, learn };
})();

/** The ARN a table of this name would have in `region`, when the process knows its account; else undefined. */
function namedArn(region: string, name: string): string | undefined {
  const prefix = ARNS.prefixes.get(region);
  if (prefix !== undefined) return `${prefix}${name}`;
  const a = ARNS.account;
  return a && `arn:${a.partition}:dynamodb:${region}:${a.id}:table/${name}`;
}

/** Learns how `region` names its tables, and the partition and account, from a table's ARN. */
function learnArn(region: string, name: string, arn: string): void {
  if (arn.endsWith(`:table/${name}`)) ARNS.prefixes.set(region, arn.slice(0, -name.length));
  const [prefix, partition, service, , id] = arn.split(':');
  if (prefix !== 'arn' || service !== 'dynamodb' || !partition || !id) return;
  ARNS.account = { partition, id };
  ARNS.learn();
}

/** A promise's value or its error, never rejecting (so a read started early is never an unhandled rejection). */
function settled<T>(p: Promise<T>): Promise<{ readonly value: T } | { readonly error: unknown }> {
  return p.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
}

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

/** The lock tables of the policy's regions, each region through its own client. */
export class TableSource implements LockSource {
  readonly store = 'dynamodb' as const;
  readonly pairing = 'takes' as const;
  /** Per region and table: its description (or why it has none), asked once. */
  private readonly described = new Map<string, Promise<TableDescription | undefined>>();

  constructor(private readonly opts: TableSourceOptions) {}

  report(place: Place, error?: string): TableReport {
    return emptyTable(place.region, place.name, error);
  }

  async discover(found: (place: Place) => void): Promise<Discovered> {
    const failures = await Promise.all(
      this.opts.regions.map((region) =>
        tableNames(
          this.opts.lockStores(region),
          this.opts.policy,
          (name) => found({ store: 'dynamodb', region, name }),
          this.opts.logger,
        ),
      ),
    );
    return { failures: failures.filter((f): f is TableReport => f !== undefined), warnings: [], skipped: [] };
  }

  /** DescribeTable: a table of Terraform's lock schema; absent when the region has none of that name. */
  async check(place: Place): Promise<PlaceCheck> {
    let description: TableDescription | undefined;
    try {
      description = await this.describe(place);
    } catch (error) {
      return { kind: 'failed', reason: `could not describe the table: ${describeError(error)}`, error };
    }
    if (!description) return { kind: 'absent' };
    if (!isLockTableSchema(description))
      return { kind: 'other', what: 'not a Terraform lock table (its key must be exactly LockID, type S)' };
    return { kind: 'lock-place' };
  }

  refProblem(): undefined {
    return undefined;
  }

  /**
   * The table's tags. Once any table has been described (in any region), another's ARN can be named from its
   * name, so its tags are asked beside its description rather than after it; they count only if the description
   * then shows that very ARN (otherwise they are asked again, by the ARN it shows).
   */
  async tags(place: Place): Promise<Record<string, string>> {
    const store = this.opts.lockStores(place.region);
    const describing = this.describe(place);
    // Until the process knows its account, the first description anywhere (this one, or another region's) tells it.
    if (!ARNS.account) await Promise.race([describing.catch(() => undefined), ARNS.learned]);
    const named = namedArn(place.region, place.name);
    const early = named === undefined ? undefined : settled(store.listTags(named));
    const description = await describing;
    if (!description) throw new Error(`there is no table ${place.name} in ${place.region}`);
    if (early && description.arn === named) {
      const read = await early;
      if ('error' in read) throw read.error;
      return read.value;
    }
    return store.listTags(description.arn);
  }

  async *pages(place: Place): AsyncIterable<HalfPage> {
    for await (const page of this.opts.lockStores(place.region).scan(place.name)) {
      const halves: TableHalf[] = [];
      const unparseable: UnparseableReport[] = [];
      let digests = page.skippedDigests;
      for (const raw of page.items) {
        const item = classifyItem(raw);
        if (item.kind === 'digest') digests++;
        else if (item.kind === 'lock') halves.push(this.half(place, item));
        else {
          const entry = {
            region: place.region,
            table: place.name,
            lockId: item.lockId,
            problem: item.problem,
          };
          unparseable.push(entry);
          this.opts.logger?.warn(entry, 'unparseable item');
        }
      }
      const units = page.items.length + page.skippedDigests;
      yield { halves, unparseable, units, counts: { items: units, locks: halves.length, digests } };
    }
  }

  async readHalf(place: Place, lockId: string): Promise<FreshHalf> {
    const raw = await this.opts.lockStores(place.region).getItem(place.name, lockId);
    if (!raw) return { kind: 'missing' };
    const item = classifyItem(raw);
    if (item.kind === 'lock') return { kind: 'half', half: this.half(place, item) };
    return {
      kind: 'not-a-lock',
      what:
        item.kind === 'digest' ? 'a state digest item, not a lock' : `not a parseable lock (${item.problem})`,
    };
  }

  deleteIfUnchanged(half: LockHalf): Promise<DeleteResult> {
    const { region, table, item } = half as TableHalf;
    return this.opts.lockStores(region).deleteIfUnchanged(table, item.lockId, item.rawInfo);
  }

  /**
   * Each lock's halves with the state's digest on its lock-table half, when asked for (`digests`). The page's
   * digests (`<LockID>-md5`) are read together: one consistent BatchGetItem per table and 100 locks. Digests that
   * cannot be read are left out (logged, and added to `unread`): each sighting then keeps the write it remembers,
   * and the lock is judged from what is known. A digest key DynamoDB would refuse (a LockID of more than 2,044
   * bytes) is not asked for: that lock's state writes are unknown (logged), and its neighbours' are read as usual.
   */
  async withEvidence(locks: readonly (readonly LockHalf[])[], unread: RunFailure[]): Promise<LockHalf[][]> {
    const copy = () => locks.map((halves) => [...halves]);
    if (!this.opts.digests) return copy();
    const wanted = locks.filter(
      ([first]) => first.store === this.store && this.readable(first as TableHalf, unread),
    );
    if (wanted.length === 0) return copy();
    const digests = new Map<string, string>();
    for (const { region, table, ids } of digestIdsByTable(wanted.map(([first]) => first as TableHalf))) {
      try {
        for (const [id, item] of await this.opts.lockStores(region).getItems(table, ids)) {
          const digest = (item.Digest as { S?: unknown } | undefined)?.S;
          if (typeof digest === 'string') digests.set(digestKey(region, table, id), digest);
        }
      } catch (e) {
        const problem = `could not read ${ids.length} state digests: ${describeError(e)}`;
        this.opts.logger?.warn({ region, table, problem }, 'state digests unread');
        const message = `the state digests in ${table} could not be read: ${describeError(e)}; state writes of its locks are unknown`;
        if (!unread.some((f) => f.message === message))
          unread.push({ kind: 'evidence', region, table, message });
      }
    }
    return locks.map(([first, ...rest]) => {
      if (first.store !== this.store) return [first, ...rest];
      const digest = digests.get(digestKey(first.region, first.table, digestIdOf(first.item.lockId)));
      return digest === undefined ? [first, ...rest] : [{ ...first, digest }, ...rest];
    });
  }

  /** Asks each lock table of the region that was not read in full for the lock item of the same lock. */
  async partnerUnread(
    lock: { readonly lockId: string; readonly id: string; readonly region: string },
    unread: UnreadView,
  ): Promise<string | undefined> {
    const unlisted = unread.unlisted.get(lock.region);
    if (unlisted)
      return `the lock tables of ${lock.region} could not be listed (${unlisted}) to look for its other half`;
    for (const { place, why } of unread.places) {
      if (place.region !== lock.region) continue;
      try {
        const read = await this.readHalf(place, lock.lockId);
        if (read.kind === 'half' && (read.half as TableHalf).item.info.ID === lock.id)
          return `its other half is in lock table ${place.name}, which was not read this run (${why})`;
      } catch (e) {
        return `lock table ${place.name} (${why}) could not be asked for its other half: ${describeError(e)}`;
      }
    }
    return undefined;
  }

  private half(place: Place, item: LockItem): TableHalf {
    return { store: 'dynamodb', region: place.region, table: place.name, item };
  }

  /** The table's description, asked once per run; remembers the region's ARN prefix from it. */
  private describe(place: Place): Promise<TableDescription | undefined> {
    const key = JSON.stringify([place.region, place.name]);
    let described = this.described.get(key);
    if (!described) {
      described = this.opts.lockStores(place.region).describeTable(place.name);
      described.then(
        (d) => d && learnArn(place.region, place.name, d.arn),
        () => undefined,
      );
      this.described.set(key, described);
    }
    return described;
  }

  /** Whether the half's digest key is one DynamoDB accepts; logs the one it would refuse. */
  private readable(half: TableHalf, unread: RunFailure[]): boolean {
    const bytes = Buffer.byteLength(digestIdOf(half.item.lockId), 'utf8');
    if (bytes <= MAX_KEY_BYTES) return true;
    const problem = `its state digest key is ${bytes} bytes, longer than the 2,048 bytes DynamoDB allows in a key: not read, so its state writes are unknown`;
    this.opts.logger?.warn(
      { region: half.region, table: half.table, lockId: half.item.lockId, problem },
      'state digest unread',
    );
    unread.push({
      kind: 'evidence',
      region: half.region,
      table: half.table,
      message: `the state digest of one lock in ${half.table} could not be read: ${problem}`,
      fix: 'nothing to fix in the janitor: that lock is judged by its age alone',
    });
    return false;
  }
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
 * The names to describe: when every include glob names one table outright, those names (DescribeTable answers
 * whether each exists, so ListTables would only repeat it); otherwise every table of the region.
 */
async function* candidateNames(store: LockStore, tables: Policy['tables']): AsyncIterable<string> {
  const literals = tables.include.map((g) => g.literal);
  if (literals.every((name): name is string => name !== undefined)) yield* new Set(literals);
  else yield* store.listTables();
}

type TableDigests = { readonly region: string; readonly table: string; readonly ids: string[] };

/** The digest IDs to read, by table (a page holds one table's locks, but nothing here relies on it). */
function digestIdsByTable(halves: readonly TableHalf[]): TableDigests[] {
  const byTable = new Map<string, TableDigests>();
  for (const half of halves) {
    const key = JSON.stringify([half.region, half.table]);
    const entry = byTable.get(key) ?? { region: half.region, table: half.table, ids: [] };
    byTable.set(key, entry);
    entry.ids.push(digestIdOf(half.item.lockId));
  }
  return [...byTable.values()];
}

function digestIdOf(lockId: string): string {
  return `${lockId}${DIGEST_SUFFIX}`;
}

function digestKey(region: string, table: string, digestId: string): string {
  return JSON.stringify([region, table, digestId]);
}
