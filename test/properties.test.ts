// Tests: property-based checks of parsing, judging and messages under hostile input.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import * as fc from 'fast-check';
import { goTimestamp, marshalLockInfo } from '../bin/demo/terraform-lock';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { DynamoStateStore, listAudit } from '../lambda/adapters/dynamo-state-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { PolicyError } from '../lambda/core/errors';
import { judge } from '../lambda/core/judge';
import { classifyItem, type LockInfo, type RawItem } from '../lambda/core/lock-item';
import { MODES, type PolicyInput, parsePolicy, parsePolicyJson } from '../lambda/core/policy';
import type { AuditRecord, LockStore, Notifier, StateStore } from '../lambda/core/ports';
import type { RunReport } from '../lambda/core/report';
import {
  allItems,
  createLockTable,
  createStateTable,
  lockIds,
  putItems,
  testClient,
  uniqueName,
} from './support/dynamo';
import { HOUR, NOW, sweepTables, withOverrides } from './support/janitor';

const client = testClient();
afterAll(() => client.destroy());

const DAY = 24 * HOUR;
const FIELDS = ['ID', 'Operation', 'Info', 'Who', 'Version', 'Created', 'Path'] as const;

// ---- arbitraries -------------------------------------------------------------------------------------------

/** Text that trips up parsers and escapers: Go-escaped characters, RTL marks, emoji, NUL, lone surrogates. */
const oddText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constantFrom(
    '',
    ' ',
    '<&>',
    '\u2028\u2029',
    '\u202eRTL',
    'é',
    '🔒',
    '\\',
    '"',
    '\n',
    'ELECTRO\\victorsh@LOGRUS',
    '\0',
  ),
);

/** `Created` as Go writes it (any age, some in the future), and the shapes other writers or bugs produce. */
const createdText = fc.oneof(
  fc
    .tuple(fc.integer({ min: -2 * DAY, max: 30 * DAY }), fc.constantFrom('', '1', '123456', '000789'))
    .map(([age, sub]) => goTimestamp(NOW - age, sub)),
  fc.constantFrom(
    '',
    'yesterday',
    '2025-03-14T09:26:53+02:00',
    '2025-02-30T00:00:00Z',
    '2016-12-31T23:59:60Z',
    '0000-01-01T00:00:00Z',
    '9999-12-31T23:59:59.999999999Z',
    '2025-03-14 09:26:53.589793238 +0000 UTC',
    '2025-03-14T09:26:53.1234567890Z',
  ),
  oddText,
);

const lockIdText = fc.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

const lockInfo: fc.Arbitrary<LockInfo> = fc.record({
  ID: fc.oneof(lockIdText, oddText),
  Operation: fc.oneof(
    fc.constantFrom('OperationTypePlan', 'OperationTypeApply', 'init', 'migration'),
    oddText,
  ),
  Info: fc.oneof(fc.constant(''), oddText),
  Who: fc.oneof(fc.constantFrom('runner@ip-10-0-1-2', '@host', 'alice@mbp'), oddText),
  Version: fc.oneof(fc.constantFrom('1.9.8', '1.10.0'), oddText),
  Created: createdText,
  Path: oddText,
});

/** A lock as Terraform takes it: realistic fields, mostly aged 0 to 10 days, sometimes an odd `Created`. */
const terraformLockInfo = (lockId: string): fc.Arbitrary<LockInfo> =>
  fc.record({
    ID: lockIdText,
    Operation: fc.constantFrom('OperationTypePlan', 'OperationTypeApply', 'OperationTypeRefresh'),
    Info: fc.constant(''),
    Who: fc.constantFrom('runner@ip-10-0-1-2', 'alice@mbp', 'DOMAIN\\bob@WS01'),
    Version: fc.constantFrom('1.5.7', '1.9.8', '1.10.0'),
    Created: fc.oneof(
      {
        weight: 4,
        arbitrary: fc.integer({ min: 0, max: 10 * DAY }).map((age) => goTimestamp(NOW - age, '123456')),
      },
      createdText,
    ),
    Path: fc.constant(lockId),
  });

/** LockInfo JSON one edit away from valid: a key missing or of another type, extra keys, cut short, wrapped. */
const nearValidInfo = lockInfo.chain((info) => {
  const go = marshalLockInfo(info);
  return fc.oneof(
    fc.constantFrom(...FIELDS).map((k) => JSON.stringify({ ...info, [k]: undefined })),
    fc.tuple(fc.constantFrom(...FIELDS), fc.jsonValue()).map(([k, v]) => JSON.stringify({ ...info, [k]: v })),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 3 }).map((x) => JSON.stringify({ ...x, ...info })),
    fc.nat().map((n) => go.slice(0, n % (go.length + 1))),
    fc.string({ maxLength: 5 }).map((tail) => go + tail),
    fc.constantFrom(
      JSON.stringify(info, null, 2),
      JSON.stringify([info]),
      JSON.stringify({ Info: info }),
      JSON.stringify(go),
      `\ufeff${go}`,
      `{"__proto__":${go}}`,
      go.replace('"ID":', '"ID":"",'.concat('"ID":')),
      go.replace(/"ID":"[^"]*"/, '"ID":null'),
    ),
  );
});

/** Everything an `Info` string can be: Terraform's bytes, near misses, JSON, noise, and big strings. */
const infoText = fc.oneof(
  lockInfo.map(marshalLockInfo),
  nearValidInfo,
  fc.json(),
  oddText,
  fc
    .tuple(fc.integer({ min: 1_000, max: 40_000 }), fc.constantFrom('{"ID":"', '', '[', '{"ID":"x","Who":"'))
    .map(([n, head]) => head + 'a'.repeat(n)),
);

/** A DynamoDB attribute value of any type, nested a little. */
const attributeValue: fc.Arbitrary<object> = fc.letrec<{ value: object }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.string().map((S) => ({ S })),
    fc.integer().map((n) => ({ N: String(n) })),
    fc.uint8Array({ minLength: 1, maxLength: 8 }).map((B) => ({ B })),
    fc.boolean().map((BOOL) => ({ BOOL })),
    fc.constant({ NULL: true }),
    fc.uniqueArray(fc.string({ minLength: 1 }), { minLength: 1, maxLength: 3 }).map((SS) => ({ SS })),
    fc.array(tie('value'), { maxLength: 3 }).map((L) => ({ L })),
    fc
      .dictionary(fc.string({ minLength: 1, maxLength: 8 }), tie('value'), { maxKeys: 3 })
      .map((M) => ({ M })),
  ),
})).value;

/**
 * Attribute names a writer may use. Not `__proto__`: DynamoDB takes it, but the JavaScript SDK cannot send it (its
 * marshalling sets the object's prototype instead), so no seeding here could write it; the janitor's projection
 * never reads it anyway.
 */
const attributeName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).filter((name) => name !== '__proto__'),
  fc.constantFrom('Info', 'Digest', 'ID', 'info', 'Path', 'Created', 'TTL'),
);

const md5 = fc.stringMatching(/^[0-9a-f]{32}$/);

/** One item of a lock table under `lockId`, of every kind Terraform, Terragrunt or a stray writer leaves. */
function tableItem(lockId: string): fc.Arbitrary<Record<string, object>> {
  const LockID = { S: lockId };
  const base = fc.oneof(
    {
      weight: 4,
      arbitrary: terraformLockInfo(lockId).map((i) => ({ LockID, Info: { S: marshalLockInfo(i) } })),
    },
    lockInfo
      .filter((i) => i.ID !== '')
      .map((i) => ({ LockID, Info: { S: marshalLockInfo({ ...i, Path: lockId }) } })),
    infoText.map((S) => ({ LockID, Info: { S } })),
    md5.map((S) => ({ LockID, Digest: { S } })),
    fc.constant({ LockID }),
    attributeValue.map((Info) => ({ LockID, Info })),
    fc.tuple(infoText, md5).map(([info, digest]) => ({ LockID, Info: { S: info }, Digest: { S: digest } })),
  );
  return fc.oneof(
    { weight: 3, arbitrary: base },
    fc
      .tuple(base, fc.dictionary(attributeName, attributeValue, { maxKeys: 3 }))
      .map(([item, extra]) => ({ ...extra, ...item })),
  );
}

/** Up to `max` items with distinct LockIDs (valid Unicode, so DynamoDB keeps them distinct). */
const tableItems = (max: number) =>
  fc
    .uniqueArray(
      fc.oneof(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }),
        fc.string({ minLength: 1, maxLength: 30 }).map((p) => `acme/${p}.tfstate`),
      ),
      { maxLength: max },
    )
    .chain((ids) => fc.tuple(...ids.map(tableItem)));

/** Any item at all, including shapes DynamoDB never returns (values that are not attribute values). */
const anyItem: fc.Arbitrary<RawItem> = fc.oneof(
  tableItems(1).map((items) => items[0] ?? {}),
  fc.dictionary(attributeName, fc.oneof(attributeValue, fc.object(), fc.constant([]))),
  fc.tuple(fc.anything(), fc.anything()).map(([LockID, Info]) => ({ LockID, Info }) as RawItem),
  fc.tuple(oddText, fc.anything()).map(([id, S]) => ({ LockID: { S: id }, Info: { S } }) as RawItem),
);

type DurationParts = { text: string; seconds: number };
const duration: fc.Arbitrary<DurationParts> = fc
  .tuple(
    fc.integer({ min: 0, max: 90 }),
    fc.constantFrom(['s', 1], ['m', 60], ['h', 3600], ['d', 86400] as const),
  )
  .map(([n, [unit, s]]) => ({ text: `${n}${unit}`, seconds: n * (s as number) }));

const glob = fc.constantFrom(
  '*',
  'acme/*',
  '*prod*',
  '*.tfstate',
  'OperationType*',
  'runner@*',
  '?*',
  '[a-m]*',
  '*[!x]',
);

/** A rule's thresholds: alert only, delete only, both (deleteAfter >= alertAfter), or neither. */
const thresholdsOf = (deleteAfter: fc.Arbitrary<DurationParts | null>) =>
  fc
    .tuple(fc.option(duration), deleteAfter)
    .map(([a, d]) => (a && d && d.seconds < a.seconds ? [d, a] : [a, d]))
    .map(([a, d]) => ({ ...(a ? { alertAfter: a.text } : {}), ...(d ? { deleteAfter: d.text } : {}) }));
const thresholds = thresholdsOf(fc.option(duration));

// Table and operation globs must be able to match a table name or an operation (the policy refuses the others).
const tableGlob = fc.constantFrom('*', '*prod*', '*-locks', 'acme-*', '?*', '[a-m]*', '*[!x]', 's3://acme-*');
const operationGlob = fc.constantFrom(
  '*',
  'OperationType*',
  'plan',
  'apply',
  '*Plan',
  'state-*',
  '?*',
  '[a-m]*',
);
const match = fc.record(
  { table: tableGlob, lockId: glob, operation: operationGlob, who: glob },
  { requiredKeys: [] },
);

/**
 * A valid policy: any mode, cap and minSightings, up to 3 matching rules and a final catch-all. With
 * `deleting`, mostly mode delete and a catch-all that deletes, so that sweeps do delete.
 */
const policyOf = (deleting: boolean): fc.Arbitrary<PolicyInput> =>
  fc
    .record({
      mode: deleting
        ? fc.oneof({ weight: 4, arbitrary: fc.constant('delete' as const) }, fc.constantFrom(...MODES))
        : fc.constantFrom(...MODES),
      minSightings: fc.integer({ min: 1, max: deleting ? 2 : 3 }),
      maxDeletionsPerRun: fc.integer({ min: 0, max: 8 }),
      // Reachable rules only (the schema rejects a catch-all before the last rule and repeated matches).
      rules: fc.uniqueArray(
        fc.tuple(
          match.filter((m) => Object.keys(m).length > 0),
          deleting ? fc.oneof(thresholds, thresholdsOf(duration)) : thresholds,
        ),
        { maxLength: 3, selector: ([m]) => JSON.stringify(m) },
      ),
      last: deleting ? thresholdsOf(duration) : thresholds,
    })
    .map(({ rules, last, ...rest }) => ({
      ...rest,
      allowShortDurations: true,
      rules: [
        ...rules.map(([m, t], i) => ({ name: `rule-${i}`, match: m, ...t })),
        { name: 'catch-all', match: {}, ...last },
      ],
    }));
const policy = policyOf(false);

// ---- an oracle that does not use the engine --------------------------------------------------------------

/**
 * A lock as the README defines it: no `Digest`, and `Info` a string holding LockInfo JSON (an object whose LockInfo
 * fields are strings where present) with a non-empty `ID`.
 */
function looksLikeLock(item: RawItem): boolean {
  const s = (name: string) => (item[name] as { S?: unknown } | undefined)?.S;
  if (typeof s('LockID') !== 'string' || 'Digest' in item || typeof s('Info') !== 'string') return false;
  let info: unknown;
  try {
    info = JSON.parse(s('Info') as string);
  } catch {
    return false;
  }
  if (typeof info !== 'object' || info === null || Array.isArray(info)) return false;
  const fields = info as Record<string, unknown>;
  return (
    typeof fields.ID === 'string' &&
    fields.ID !== '' &&
    FIELDS.every((f) => fields[f] === undefined || fields[f] === null || typeof fields[f] === 'string')
  );
}

const lockIdOf = (item: RawItem) => (item.LockID as { S: string }).S;

// ---- pure properties ---------------------------------------------------------------------------------------

describe('classifyItem on arbitrary items', () => {
  it('never throws, and calls an item a lock only when it is one, keeping Info byte for byte', () => {
    fc.assert(
      fc.property(anyItem, (item) => {
        const c = classifyItem(item);
        expect(['lock', 'digest', 'unparseable']).toContain(c.kind);
        if (c.kind !== 'lock') return;
        expect(looksLikeLock(item)).toBe(true);
        expect(c.lockId).toBe(lockIdOf(item));
        expect(c.rawInfo).toBe((item.Info as { S: string }).S);
        expect(c.info.ID).toBe(JSON.parse(c.rawInfo).ID);
      }),
      { numRuns: 1000 },
    );
  });

  it('reads every lock Terraform writes back exactly, whatever its fields hold', () => {
    fc.assert(
      fc.property(
        lockInfo.filter((i) => i.ID !== ''),
        fc.string({ unit: 'grapheme', minLength: 1 }),
        (info, lockId) => {
          const rawInfo = marshalLockInfo(info);
          const c = classifyItem({ LockID: { S: lockId }, Info: { S: rawInfo } });
          expect(c).toMatchObject({ kind: 'lock', lockId, rawInfo, info });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('never calls a digest, a bare LockID or an item without Info a lock', () => {
    fc.assert(
      fc.property(tableItems(1), fc.dictionary(attributeName, attributeValue), ([item], extra) => {
        if (!item) return;
        const { Info: _, ...withoutInfo } = { ...extra, ...item };
        expect(classifyItem(withoutInfo).kind).not.toBe('lock');
        expect(classifyItem({ ...item, Digest: { S: 'd41d8cd98f00b204e9800998ecf8427e' } }).kind).not.toBe(
          'lock',
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('judge on arbitrary policies, locks and sightings', () => {
  it('decides delete only past deleteAfter and after minSightings runs, with a finite age', () => {
    fc.assert(
      fc.property(
        policy,
        lockInfo.filter((i) => i.ID !== ''),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: -DAY, max: DAY }),
        (input, info, count, firstSeenAgo) => {
          const parsed = parsePolicy(input);
          const item = classifyItem({
            LockID: { S: 'acme/app.tfstate' },
            Info: { S: marshalLockInfo(info) },
          });
          if (item.kind !== 'lock') throw new Error('a marshalled LockInfo must be a lock');
          const j = judge(parsed, { table: 't', item }, NOW, { count, firstSeenMs: NOW - firstSeenAgo });
          expect(Number.isInteger(j.ageSeconds) && j.ageSeconds >= 0).toBe(true);
          const rule = parsed.rules.find((r) => r.name === j.rule);
          expect(rule).toBeDefined();
          if (j.decision !== 'delete') return;
          expect(rule?.deleteAfter).toBeDefined();
          expect(j.ageSeconds).toBeGreaterThanOrEqual(rule?.deleteAfter?.seconds ?? Infinity);
          expect(count).toBeGreaterThanOrEqual(parsed.minSightings);
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('parsePolicy on arbitrary input', () => {
  const expectPolicyOrPolicyError = (parse: () => unknown) => {
    try {
      parse();
    } catch (e) {
      expect(e).toBeInstanceOf(PolicyError);
    }
  };

  const nearPolicy = fc.record(
    {
      mode: fc.oneof(fc.constantFrom(...MODES), fc.jsonValue()),
      regions: fc.oneof(fc.constant(['eu-west-1']), fc.jsonValue()),
      tables: fc.oneof(
        fc.record(
          {
            include: fc.array(fc.oneof(glob, fc.string())),
            exclude: fc.jsonValue(),
            optOutTag: fc.jsonValue(),
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue(),
      ),
      rules: fc.oneof(
        fc.array(
          fc.record(
            {
              name: fc.oneof(fc.string(), fc.jsonValue()),
              match: fc.oneof(match, fc.jsonValue(), fc.dictionary(fc.string(), fc.string())),
              alertAfter: fc.oneof(
                duration.map((d) => d.text),
                fc.string(),
                fc.jsonValue(),
              ),
              deleteAfter: fc.oneof(
                duration.map((d) => d.text),
                fc.string(),
                fc.jsonValue(),
              ),
            },
            { requiredKeys: [] },
          ),
        ),
        fc.jsonValue(),
      ),
      minSightings: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      maxDeletionsPerRun: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
      realertAfter: fc.oneof(fc.string(), fc.jsonValue()),
    },
    { requiredKeys: [] },
  );

  it('returns a policy or throws PolicyError, never anything else, for any JSON value', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), nearPolicy, policy), (input) => {
        expectPolicyOrPolicyError(() => parsePolicy(input));
      }),
      { numRuns: 1000 },
    );
  });

  it('returns a policy or throws PolicyError for any text, JSON or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.json(),
          nearPolicy.map((p) => JSON.stringify(p)),
        ),
        (text) => {
          expectPolicyOrPolicyError(() => parsePolicyJson(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('accepts every policy built by the documented rules', () => {
    fc.assert(
      fc.property(policy, (input) => {
        expect(parsePolicy(input).rules.at(-1)?.name).toBe('catch-all');
      }),
      { numRuns: 200 },
    );
  });
});

// ---- sweeps on the real engine -----------------------------------------------------------------------------

// A failing property shrinks against dynalite; stop shrinking in time for jest to print the counterexample.
const SHRINK_WITHIN_TIMEOUT = { interruptAfterTimeLimit: 20_000, markInterruptAsFailure: true } as const;

let tables = 0;
/** A fresh table with `items`, swept as `<prefix>-*`; returns the prefix, the table and the items as stored. */
async function freshTable(
  items: readonly object[],
): Promise<{ prefix: string; table: string; stored: RawItem[] }> {
  const prefix = `${uniqueName('prop')}-${++tables}`;
  const table = `${prefix}-t`;
  await createLockTable(client, table);
  await putItems(client, table, items);
  return { prefix, table, stored: await allItems(client, table) };
}

const present = async (table: string) =>
  new Map((await allItems(client, table)).map((i) => [lockIdOf(i), i]));

describe('sweeps of random tables under random policies (dynalite)', () => {
  it('deletes only parseable locks past deleteAfter seen on minSightings runs, within the cap, never in report or alert mode', async () => {
    await fc.assert(
      fc.asyncProperty(
        tableItems(12),
        policyOf(true),
        fc.integer({ min: 1, max: 3 }),
        async (items, input, runs) => {
          const { prefix, table, stored } = await freshTable(items);
          const state = new MemoryStateStore();
          let before = new Map(stored.map((i) => [lockIdOf(i), i]));
          const ruleOf = new Map(parsePolicy(input).rules.map((r) => [r.name, r]));
          for (let run = 0; run < runs; run++) {
            const report = await sweepTables(client, prefix, input, { state });
            const after = await present(table);
            const gone = [...before.keys()].filter((id) => !after.has(id));
            for (const id of gone) expect(looksLikeLock(before.get(id) as RawItem)).toBe(true);
            if (input.mode !== 'delete') expect(gone).toEqual([]);
            expect(gone.length).toBeLessThanOrEqual(input.maxDeletionsPerRun as number);
            const deleted = report.locks.filter((l) => l.outcome === 'deleted');
            expect(deleted.map((l) => l.lockId).sort()).toEqual(gone.sort());
            for (const lock of deleted) {
              expect(lock.sightings).toBeGreaterThanOrEqual(input.minSightings as number);
              expect(lock.ageSeconds).toBeGreaterThanOrEqual(
                ruleOf.get(lock.rule)?.deleteAfter?.seconds ?? Infinity,
              );
            }
            const [t] = report.tables;
            expect(t).toMatchObject({ name: table, items: before.size });
            expect(t.locks + t.digests + t.unparseable).toBe(before.size);
            expect(t.locks).toBe([...before.values()].filter(looksLikeLock).length);
            expect(report.counts.errors).toBe(0);
            before = after;
          }
        },
      ),
      { numRuns: 20, ...SHRINK_WITHIN_TIMEOUT },
    );
  });

  it('never deletes in report or alert mode, however stale and however often seen', async () => {
    const staleLocks = fc.uniqueArray(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), {
      minLength: 1,
      maxLength: 8,
    });
    await fc.assert(
      fc.asyncProperty(staleLocks, fc.constantFrom('report', 'alert'), async (ids, mode) => {
        const items = ids.map((id) => ({
          LockID: { S: id },
          Info: { S: marshalLockInfo({ ...terraformInfo(id), Created: goTimestamp(NOW - 30 * DAY) }) },
        }));
        const { prefix, table } = await freshTable(items);
        const state = new MemoryStateStore();
        const aggressive = {
          mode,
          minSightings: 1,
          allowShortDurations: true,
          rules: [{ name: 'all', match: {}, deleteAfter: '0s' }],
        };
        for (let run = 0; run < 2; run++) {
          const report = await sweepTables(client, prefix, aggressive, { state });
          expect(report.counts).toMatchObject({ locks: ids.length, stale: ids.length, deleted: 0 });
        }
        expect(await lockIds(client, table)).toEqual([...ids].sort());
      }),
      { numRuns: 8, ...SHRINK_WITHIN_TIMEOUT },
    );
  });

  it('deletes exactly min(cap, eligible) locks across tables swept in parallel', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 3 }),
        fc.integer({ min: 0, max: 10 }),
        fc.integer({ min: 1, max: 4 }),
        async (perTable, cap, concurrency) => {
          const prefix = `${uniqueName('prop-cap')}-${++tables}`;
          const names = perTable.map((_, i) => `${prefix}-${i}`);
          for (const [i, n] of perTable.entries()) {
            await createLockTable(client, names[i]);
            await putItems(
              client,
              names[i],
              Array.from({ length: n }, (_, k) => ({
                LockID: { S: `acme/${k}.tfstate` },
                Info: {
                  S: marshalLockInfo({
                    ...terraformInfo(`acme/${k}.tfstate`),
                    Created: goTimestamp(NOW - DAY),
                  }),
                },
              })),
            );
          }
          const eligible = perTable.reduce((a, b) => a + b, 0);
          const report = await sweepTables(
            client,
            prefix,
            {
              mode: 'delete',
              minSightings: 1,
              maxDeletionsPerRun: cap,
              rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
            },
            { concurrency },
          );
          const left = (await Promise.all(names.map((n) => lockIds(client, n)))).flat().length;
          expect(report.counts.deleted).toBe(Math.min(cap, eligible));
          expect(eligible - left).toBe(Math.min(cap, eligible));
          expect(report.counts.skipped).toBe(eligible - Math.min(cap, eligible));
        },
      ),
      { numRuns: 12, ...SHRINK_WITHIN_TIMEOUT },
    );
  });

  it('never throws out of sweep when any call of any port fails, and reports every failure it met', async () => {
    const sometimes = fc.integer({ min: 0, max: 5 }).map((n) => n === 0);
    const plan = fc.record({
      listTables: sometimes,
      describeTable: sometimes,
      listTags: sometimes,
      scanPage: fc.option(fc.integer({ min: 0, max: 3 })),
      deleteCall: fc.option(fc.integer({ min: 0, max: 5 })),
      observeCall: fc.option(fc.integer({ min: 0, max: 5 })),
      auditCall: fc.option(fc.integer({ min: 0, max: 5 })),
      forgetGone: sometimes,
      markAlerted: sometimes,
      notify: sometimes,
    });
    await fc.assert(
      fc.asyncProperty(plan, fc.integer({ min: 1, max: 6 }), async (p, n) => {
        const ids = Array.from({ length: n }, (_, k) => `acme/${k}.tfstate`);
        const { prefix, table } = await freshTable(
          ids.map((id) => ({
            LockID: { S: id },
            Info: { S: marshalLockInfo({ ...terraformInfo(id), Created: goTimestamp(NOW - DAY) }) },
          })),
        );
        const met: string[] = [];
        const fault = (what: string) => {
          met.push(what);
          return Object.assign(new Error(`${what} failed`), { name: 'InjectedFault' });
        };
        const fail = (what: string) => Promise.reject(fault(what));
        const calls = { delete: 0, observe: 0, audit: 0 };
        const unobserved = new Set<string>();
        const inner = new DynamoLockStore(client, 'us-east-1', 2);
        const store: LockStore = withOverrides(inner, {
          async *listTables() {
            if (p.listTables) throw fault('listTables');
            yield* inner.listTables();
          },
          describeTable: (name) =>
            name === table && p.describeTable ? fail('describeTable') : inner.describeTable(name),
          listTags: (arn) => (p.listTags ? fail('listTags') : inner.listTags(arn)),
          async *scan(t) {
            let page = 0;
            for await (const items of inner.scan(t)) {
              if (page++ === p.scanPage) throw fault('scan');
              yield items;
            }
          },
          deleteIfUnchanged: (t, id, info) =>
            calls.delete++ === p.deleteCall ? fail('delete') : inner.deleteIfUnchanged(t, id, info),
        });
        const memory = new MemoryStateStore();
        const state: StateStore = {
          observe(key, info, now) {
            if (calls.observe++ !== p.observeCall) return memory.observe(key, info, now);
            unobserved.add(key.lockId);
            return fail('observe');
          },
          markAlerted: (k, now) => (p.markAlerted ? fail('markAlerted') : memory.markAlerted(k, now)),
          forgetGone: (s, seen, now) => (p.forgetGone ? fail('forgetGone') : memory.forgetGone(s, seen, now)),
          audit: (r: AuditRecord) => (calls.audit++ === p.auditCall ? fail('audit') : memory.audit(r)),
          recordIntent: (r) => memory.recordIntent(r),
          forgetLock: (k) => memory.forgetLock(k),
          clearIntent: (k) => memory.clearIntent(k),
          intents: () => memory.intents(),
          noteTableFailures: (f, r, now) => memory.noteTableFailures(f, r, now),
          markTableFailuresAlerted: (t, now) => memory.markTableFailuresAlerted(t, now),
          lastCompleteSweep: (t) => memory.lastCompleteSweep(t),
          audited: (i) => memory.audited(i),
          announced: (k, i) => memory.announced(k, i),
          noteCompleteSweeps: (t, now) => memory.noteCompleteSweeps(t, now),
        };
        const notifier: Notifier = { publish: () => (p.notify ? fail('notify') : Promise.resolve()) };
        const policyInput = {
          mode: 'delete' as const,
          minSightings: 1,
          maxDeletionsPerRun: 100,
          rules: [{ name: 'all', match: {}, deleteAfter: '1h' }],
        };

        const report: RunReport = await sweepTables(client, prefix, policyInput, {
          state,
          notifier,
          wrap: () => store,
        });

        expect(report.counts.errors > 0).toBe(met.length > 0);
        const left = new Set(await lockIds(client, table));
        for (const id of unobserved) expect(left.has(id)).toBe(true);
        const deleted = report.locks.filter((l) => l.outcome === 'deleted').map((l) => l.lockId);
        expect(ids.filter((id) => !left.has(id)).sort()).toEqual(deleted.sort());
      }),
      { numRuns: 25, ...SHRINK_WITHIN_TIMEOUT },
    );
  });
});

function terraformInfo(lockId: string): LockInfo {
  return {
    ID: `${Math.random().toString(16).slice(2, 10)}-0000-4000-8000-000000000000`,
    Operation: 'OperationTypePlan',
    Info: '',
    Who: 'runner@ip-10-0-1-2',
    Version: '1.9.8',
    Created: goTimestamp(NOW - DAY),
    Path: lockId,
  };
}

// ---- edges: DynamoDB's item size limit and odd LockIDs -----------------------------------------------------

const DELETE_STALE: PolicyInput = {
  mode: 'delete',
  minSightings: 2,
  rules: [{ name: 'stale', match: {}, alertAfter: '1h', deleteAfter: '2h' }],
};

async function stateTable(db: DynamoDBClient): Promise<string> {
  const name = uniqueName('prop-state');
  await createStateTable(db, name);
  return name;
}

/** Two runs (minSightings 2) with a DynamoDB state table; the second may delete. */
async function sweepTwice(prefix: string, policyInput: PolicyInput = DELETE_STALE) {
  const stateName = await stateTable(client);
  const state = new DynamoStateStore(client, stateName);
  const first = await sweepTables(client, prefix, policyInput, { state });
  const second = await sweepTables(client, prefix, policyInput, { state, now: new Date(NOW + 10 * 60_000) });
  return { first, second, stateName };
}

/** A stale Terraform lock on `lockId` whose whole item is `itemBytes` long (ASCII, padded in `Who`). */
function lockOfSize(lockId: string, itemBytes: number) {
  const info = { ...terraformInfo(lockId), Created: goTimestamp(NOW - 3 * HOUR) };
  const bare = marshalLockInfo(info).length + 'LockID'.length + lockId.length + 'Info'.length;
  const Info = marshalLockInfo({ ...info, Who: 'x'.repeat(Math.max(0, itemBytes - bare)) });
  return { LockID: { S: lockId }, Info: { S: Info } };
}

describe("items near DynamoDB's 400 KB limit", () => {
  it('classifies, judges, deletes and audits a lock whose Info is 390 KB', async () => {
    const big = lockOfSize('acme/big.tfstate', 390 * 1024);
    const { prefix, table } = await freshTable([big]);
    const { first, second, stateName } = await sweepTwice(prefix);
    expect(first.locks).toEqual([
      expect.objectContaining({ decision: 'alert', outcome: 'unsent', sightings: 1 }),
    ]);
    expect(second.locks).toEqual([
      expect.objectContaining({ decision: 'delete', outcome: 'deleted', sightings: 2 }),
    ]);
    expect(second.counts.errors).toBe(0);
    expect(await lockIds(client, table)).toEqual([]);
    const audits = await listAudit(client, stateName, 'us-east-1', table);
    expect(audits.map((a) => a.info)).toEqual([big.Info.S]);
  });

  it('reports and keeps an unparseable item of 399 KB', async () => {
    const junk = { LockID: { S: 'acme/junk.tfstate' }, Info: { S: `{"ID":"${'z'.repeat(399 * 1024)}` } };
    const { prefix, table } = await freshTable([junk]);
    const { second } = await sweepTwice(prefix);
    expect(second.unparseable).toEqual([
      { region: 'us-east-1', table, lockId: 'acme/junk.tfstate', problem: 'Info is not JSON' },
    ]);
    expect(second.counts).toMatchObject({ locks: 0, deleted: 0, errors: 0 });
    expect(await lockIds(client, table)).toEqual(['acme/junk.tfstate']);
  });

  // The audit item holds the whole Info plus ~300 bytes of its own fields, so for a lock near DynamoDB's 400 KB
  // item limit the state store keeps Info gzip-compressed: every lock DynamoDB can hold can be audited.
  it('audits the deletion of a lock item at the 400 KB limit', async () => {
    const atLimit = lockOfSize('acme/at-limit.tfstate', 400 * 1024 - 16);
    const { prefix, table } = await freshTable([atLimit]);
    const { second, stateName } = await sweepTwice(prefix);
    const audits = await listAudit(client, stateName, 'us-east-1', table);
    expect({ errors: second.failures, audits: audits.map((a) => a.info.length) }).toEqual({
      errors: [],
      audits: [atLimit.Info.S.length],
    });
  });
});

describe('odd characters in LockID', () => {
  it.each([
    ['emoji', 'acme/🔒/env:/🚀/app.tfstate'],
    ['a hash', 'acme/team#1/app.tfstate'],
    ['spaces', 'acme/my project/terraform state.tfstate'],
    ['quotes', 'acme/"quoted" \'state\'.tfstate'],
    ['newlines', 'acme/line\nbreak\r\n.tfstate'],
    ['right-to-left marks', 'acme/\u202eetats\u202c/\u200f.tfstate'],
    ['backslashes and percent signs', 'acme\\dir/%2F%00/app.tfstate'],
    ['HTML and U+2028', 'acme/<b>&amp;</b>\u2028.tfstate'],
    ['1,500 characters', `acme/${'deep/'.repeat(299)}x.tfstate`],
    ['2,040 bytes of UTF-8', `acme/${'é'.repeat(1015)}.tfstate`],
  ])(
    'classifies, judges and deletes a stale lock whose LockID has %s, and keeps its digest',
    async (_, lockId) => {
      const stale = lockOfSize(lockId, 0);
      const fresh = {
        LockID: { S: 'acme/fresh.tfstate' },
        Info: {
          S: marshalLockInfo({ ...terraformInfo('acme/fresh.tfstate'), Created: goTimestamp(NOW - 60_000) }),
        },
      };
      const digest = { LockID: { S: `${lockId}-md5` }, Digest: { S: 'd41d8cd98f00b204e9800998ecf8427e' } };
      const { prefix, table } = await freshTable([stale, fresh, digest]);
      const { first, second, stateName } = await sweepTwice(prefix);
      expect(first.counts).toMatchObject({ locks: 2, stale: 1, unsent: 1, deleted: 0, errors: 0 });
      expect(second.locks.find((l) => l.outcome === 'deleted')?.lockId).toBe(lockId);
      expect(second.counts).toMatchObject({ locks: 2, deleted: 1, errors: 0 });
      expect(second.tables[0]).toMatchObject({ items: 3, locks: 2, digests: 1, unparseable: 0 });
      expect(await lockIds(client, table)).toEqual(['acme/fresh.tfstate', `${lockId}-md5`].sort());
      const audits = await listAudit(client, stateName, 'us-east-1', table);
      expect(audits.map((a) => [a.lockId, a.info])).toEqual([[lockId, stale.Info.S]]);
    },
  );
});
