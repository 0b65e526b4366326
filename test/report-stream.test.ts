// Tests: the CLI's --json and --output tsv sweep reports are written as locks are decided, and say what the held report says.
import type { S3Client } from '@aws-sdk/client-s3';
import { lockItem } from '../bin/demo/terraform-lock';
import { couldNotReadLines, tsvHeader, tsvRow } from '../bin/format';
import { jsonPieces } from '../bin/json-out';
import { type ReportOut, reportStream } from '../bin/report-stream';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { S3LockfileStore } from '../lambda/adapters/s3-lockfile-store';
import { type PolicyInput, parsePolicy } from '../lambda/core/policy';
import type { LockStore, Notifier, ScanPage } from '../lambda/core/ports';
import { hasErrors, type RunReport } from '../lambda/core/report';
import type { SweepOptions } from '../lambda/run/options';
import { sweep } from '../lambda/run/sweep';
import { createLockTable, putItems, testClient, uniqueName } from './support/dynamo';
import { HOUR } from './support/janitor';
import {
  createBucket,
  lockfileBody,
  putObject,
  type S3Engine,
  s3TestClient,
  startLocalEngine,
} from './support/s3';

const dynamo = testClient();
let engine: S3Engine;
let s3: S3Client;
beforeAll(async () => {
  engine = await startLocalEngine();
  s3 = s3TestClient(engine.endpoint).client;
});
afterAll(async () => {
  dynamo.destroy();
  s3?.destroy();
  await engine?.stop();
});

/** What the CLI writes, as the Io's `out` and `err` get it (each call one line or piece of lines). */
function captured(
  drain?: () => Promise<void>,
): ReportOut & { outs: string[]; stdout(): string; errs: string[] } {
  const outs: string[] = [];
  const errs: string[] = [];
  return {
    outs,
    errs,
    out: (t) => void outs.push(t),
    err: (t) => void errs.push(t),
    drain,
    stdout: () => outs.map((t) => `${t}\n`).join(''),
  };
}

const denied = () =>
  Object.assign(new Error('User is not authorized to perform this action'), {
    name: 'AccessDeniedException',
  });

/** A lock item `acme/<path>` taken now: judged 3 hours later, it is 3 hours old. */
const lockNow = (path: string) =>
  lockItem({
    bucket: 'acme',
    path,
    operation: 'OperationTypeApply',
    who: 'runner@ip-10-0-1-2',
    createdMs: Date.now(),
  });

const POLICY: PolicyInput = {
  mode: 'delete',
  minSightings: 1,
  rules: [
    { name: 'keep-fresh', match: { lockId: ['*/fresh/*'] }, alertAfter: '100h' },
    { name: 'alert-only', match: { lockId: ['*/alert/*'] }, alertAfter: '1h' },
    { name: 'cleanup', match: {}, alertAfter: '1h', deleteAfter: '2h' },
  ],
};

/** The sweep options the CLI would build (a memory for one run, no notifier), over these stores, 3 hours on. */
function cliOptions(
  prefix: string,
  lockStore: LockStore,
  extra: Partial<SweepOptions> & { buckets?: string } = {},
): SweepOptions {
  const { buckets, ...rest } = extra;
  return {
    policy: parsePolicy({
      ...POLICY,
      tables: { include: [`${prefix}-*`] },
      buckets: { include: buckets ? [buckets] : [] },
    }),
    regions: ['us-east-1'],
    lockStores: () => lockStore,
    state: new MemoryStateStore({ singleRun: true }),
    now: new Date(Date.now() + 3 * HOUR),
    runId: 'stream-run',
    ...rest,
  };
}

/** `inner` with the scan of `table` replaced. */
function scanning(
  inner: LockStore,
  table: string,
  scan: (inner: LockStore) => AsyncIterable<ScanPage>,
): LockStore {
  return {
    region: inner.region,
    listTables: () => inner.listTables(),
    describeTable: (n) => inner.describeTable(n),
    listTags: (a) => inner.listTags(a),
    scan: (t) => (t === table ? scan(inner) : inner.scan(t)),
    getItem: (t, l) => inner.getItem(t, l),
    getItems: (t, l) => inner.getItems(t, l),
    deleteIfUnchanged: (t, l, i) => inner.deleteIfUnchanged(t, l, i),
  };
}

/** A run's report as the CLI printed it when it held every line (JSON.stringify(report, null, 2)), as data. */
const heldJson = (report: RunReport) => JSON.parse([...jsonPieces(report)].join('\n'));
/** The report as data, apart from the moment the run finished. */
const timeless = (value: Record<string, unknown>) => ({ ...value, finishedAt: '<finished>' });

describe('sweep and list --json and --output tsv, streamed (dynalite and the in-process S3)', () => {
  it('writes the report the held one was, as data, from locks, double locks, an unreadable table and failed deletes', async () => {
    // Prepare: table a: a double lock, a kept lock, an alert-only one and one whose delete is refused; table b
    // cannot be read; table c: 6 more locks; the bucket: the double lock's lockfile and two lockfiles of their own.
    const prefix = uniqueName('stream');
    const bucket = `${prefix}-state`.toLowerCase();
    await createBucket(s3, bucket);
    const double = lockfileBody(bucket, 'double/terraform.tfstate');
    await putObject(s3, bucket, 'double/terraform.tfstate.tflock', double.body);
    await putObject(
      s3,
      bucket,
      'single/terraform.tfstate.tflock',
      lockfileBody(bucket, 'single/terraform.tfstate').body,
    );
    await putObject(
      s3,
      bucket,
      'alert/x/terraform.tfstate.tflock',
      lockfileBody(bucket, 'alert/x/terraform.tfstate').body,
    );
    for (const name of ['a', 'b', 'c']) await createLockTable(dynamo, `${prefix}-${name}-locks`);
    await putItems(dynamo, `${prefix}-a-locks`, [
      { LockID: { S: `${bucket}/double/terraform.tfstate` }, Info: { S: double.body } },
      lockNow('fresh/app.tfstate'),
      lockNow('alert/app.tfstate'),
      lockNow('old/app.tfstate'),
    ]);
    await putItems(dynamo, `${prefix}-b-locks`, [lockNow('unseen/app.tfstate')]);
    await putItems(
      dynamo,
      `${prefix}-c-locks`,
      ['fresh', 'alert', 'old'].flatMap((kind) => [
        lockNow(`${kind}/c1.tfstate`),
        lockNow(`${kind}/c2.tfstate`),
      ]),
    );
    const refusing = scanning(new DynamoLockStore(dynamo, 'us-east-1', 2), `${prefix}-b-locks`, () => ({
      [Symbol.asyncIterator]: () => ({ next: () => Promise.reject(denied()) }),
    }));
    const lockStore: LockStore = { ...refusing, deleteIfUnchanged: async () => Promise.reject(denied()) };
    const lockfiles = new S3LockfileStore(s3);
    lockfiles.deleteLockfileIfUnchanged = async () => Promise.reject(denied());
    // One place at a time: the order decided is the report's order. Each run its own memory, as each CLI run.
    const now = new Date(Date.now() + 3 * HOUR);
    const options = () =>
      cliOptions(prefix, lockStore, {
        buckets: bucket,
        lockfileStores: () => lockfiles,
        concurrency: 1,
        now,
      });

    // Act: the run with every line held, as the CLI printed it; then streamed as JSON, then as TSV.
    const held = await sweep(options());
    const json = captured();
    const jsonStream = reportStream('json', json, options());
    const streamed = await sweep({ ...options(), lines: { stream: jsonStream.locks } });
    await jsonStream.end({ ...streamed, auditFile: { path: '/tmp/audit.jsonl', appended: 0 } });
    const tsv = captured();
    const tsvStream = reportStream('tsv', tsv, options());
    const tsvRun = await sweep({ ...options(), lines: { stream: tsvStream.locks } });
    await tsvStream.end(tsvRun);

    // Assess: the fixture has what it should: doubles, kept, unsent and failed lines, a table not read.
    expect(held.locks.filter((l) => l.double)).toHaveLength(2);
    expect(new Set(held.locks.map((l) => l.outcome))).toEqual(new Set(['kept', 'unsent', 'failed']));
    expect(held.counts).toMatchObject({ locks: 12, stale: 9, unsent: 4, errors: 7 });
    expect(held.couldNotRead).toEqual([
      expect.objectContaining({ kind: 'table', name: `${prefix}-b-locks` }),
    ]);
    expect(hasErrors(held)).toBe(true);
    // The same counts (a double lock is one lock), so the same exit code; nothing held but the tally.
    expect(streamed.counts).toEqual(held.counts);
    expect(tsvRun.counts).toEqual(held.counts);
    expect(streamed.locks).toEqual([]);
    expect(streamed.folded?.locks).toBe(12);
    // The JSON parses to the held report with the auditFile, its members in the streamed order.
    const doc = JSON.parse(json.stdout());
    expect(timeless(doc)).toEqual(
      timeless({ ...heldJson(held), auditFile: { path: '/tmp/audit.jsonl', appended: 0 } }),
    );
    expect(Object.keys(doc)).toEqual([
      'runId',
      'startedAt',
      'mode',
      'regions',
      'locks',
      'finishedAt',
      'tables',
      'buckets',
      'unparseable',
      'resolved',
      'warnings',
      'failures',
      'couldNotRead',
      'counts',
      'auditFile',
    ]);
    // Pretty as JSON.stringify writes it, 2 spaces.
    const { locks, runId, startedAt, mode, regions, ...rest } = doc;
    expect(json.stdout()).toBe(
      `${JSON.stringify({ runId, startedAt, mode, regions, locks, ...rest }, null, 2)}\n`,
    );
    // The TSV: the held lines, and what could not be read on stderr.
    expect(tsv.stdout()).toBe(
      [tsvHeader('sweep'), ...held.locks.map((l) => tsvRow(l, 'sweep'))].map((l) => `${l}\n`).join(''),
    );
    expect(tsv.errs).toEqual([...couldNotReadLines(held)]);

    // list: the same run read-only (mode report), its document as it was held: where each lock is, no judgement.
    const listOptions = () => {
      const o = options();
      return { ...o, policy: { ...o.policy, mode: 'report' as const } };
    };
    const listHeld = await sweep(listOptions());
    const listJson = captured();
    const listStream = reportStream('json', listJson, listOptions(), 'list');
    await listStream.end(await sweep({ ...listOptions(), lines: { stream: listStream.locks } }));
    const listTsv = captured();
    const listTsvStream = reportStream('tsv', listTsv, listOptions(), 'list');
    await listTsvStream.end(await sweep({ ...listOptions(), lines: { stream: listTsvStream.locks } }));
    const { tables, buckets, unparseable, warnings, couldNotRead, counts } = listHeld;
    const listed = listHeld.locks.map(({ rule, decision, outcome, reason, notify, sightings, ...l }) => l);
    expect(listed).toHaveLength(13);
    const listDoc = {
      locks: listed,
      tables,
      buckets,
      unparseable,
      warnings,
      couldNotRead,
      errors: counts.errors,
    };
    expect(listJson.stdout()).toBe(`${JSON.stringify(listDoc, null, 2)}\n`);
    expect(listTsv.stdout()).toBe(
      [tsvHeader('list'), ...listHeld.locks.map((l) => tsvRow(l, 'list'))].map((l) => `${l}\n`).join(''),
    );
    expect(listTsv.errs).toEqual([...couldNotReadLines(listHeld)]);
  });

  it('with a message to send (--topic-arn), streams only the locks that are not news; the rest follow it, alerted', async () => {
    // Prepare: 4 young locks and 2 stale ones, alerted by the run's message.
    const prefix = uniqueName('stream-topic');
    await createLockTable(dynamo, `${prefix}-locks`);
    await putItems(dynamo, `${prefix}-locks`, [
      ...[1, 2, 3, 4].map((n) => lockNow(`fresh/${n}.tfstate`)),
      ...[1, 2].map((n) => lockNow(`alert/${n}.tfstate`)),
    ]);
    const messages: string[] = [];
    const notifier: Notifier = { publish: async (m) => void messages.push(JSON.stringify(m.text)) };
    const now = new Date(Date.now() + 3 * HOUR);
    const options = () =>
      cliOptions(prefix, new DynamoLockStore(dynamo, 'us-east-1', 100), { notifier, now });
    const streamedIds: string[][] = [];

    // Act
    const held = await sweep(options());
    const out = captured();
    const stream = reportStream('json', out, options());
    const streamed = await sweep({
      ...options(),
      lines: {
        stream: async (locks) => {
          streamedIds.push(locks.flatMap((lines) => lines.map((l) => l.lockId)));
          await stream.locks(locks);
        },
      },
    });
    await stream.end(streamed);

    // Assess: the young locks went out as decided; the stale ones waited for the message and say it was sent.
    expect(streamedIds.flat().sort()).toEqual([1, 2, 3, 4].map((n) => `acme/fresh/${n}.tfstate`));
    expect(streamed.locks.map((l) => [l.lockId, l.outcome])).toEqual(
      expect.arrayContaining([
        ['acme/alert/1.tfstate', 'alerted'],
        ['acme/alert/2.tfstate', 'alerted'],
      ]),
    );
    expect(streamed.counts).toEqual(held.counts);
    expect(streamed.counts).toMatchObject({ locks: 6, stale: 2, alerted: 2, errors: 0 });
    // The same message as with every line held (the run's times aside).
    // An e-mail digest and one chat notification per stale lock, each run.
    expect(messages).toHaveLength(6);
    const timeless = (m: string) => m.replace(/\d{4}-\d\d-\d\dT[\d:.]+Z/g, '<time>');
    expect(messages.slice(3).map(timeless)).toEqual(messages.slice(0, 3).map(timeless));
    const byId = (a: { lockId: string }, b: { lockId: string }) => a.lockId.localeCompare(b.lockId);
    const doc = JSON.parse(out.stdout());
    expect({ ...doc, finishedAt: '', locks: doc.locks.sort(byId) }).toEqual({
      ...heldJson(held),
      finishedAt: '',
      locks: heldJson(held).locks.sort(byId),
    });
  });

  it('writes the first table’s lines while the second is still being read', async () => {
    // Prepare: two tables; the second one's Scan waits until the test lets it go.
    const prefix = uniqueName('stream-live');
    const first = ['old/1.tfstate', 'fresh/2.tfstate', 'fresh/3.tfstate'].map((p) => `acme/first/${p}`);
    await createLockTable(dynamo, `${prefix}-a-locks`);
    await createLockTable(dynamo, `${prefix}-b-locks`);
    await putItems(dynamo, `${prefix}-a-locks`, [
      lockNow('first/old/1.tfstate'),
      lockNow('first/fresh/2.tfstate'),
      lockNow('first/fresh/3.tfstate'),
    ]);
    await putItems(dynamo, `${prefix}-b-locks`, [lockNow('second/old/app.tfstate')]);
    let letGo!: () => void;
    const gate = new Promise<void>((resolve) => {
      letGo = resolve;
    });
    const store = scanning(new DynamoLockStore(dynamo, 'us-east-1', 100), `${prefix}-b-locks`, (inner) => ({
      async *[Symbol.asyncIterator]() {
        await gate;
        yield* inner.scan(`${prefix}-b-locks`);
      },
    }));
    const options = cliOptions(prefix, { ...store, deleteIfUnchanged: async () => Promise.reject(denied()) });
    const out = captured();
    const stream = reportStream('json', out, options);
    const written = () => first.filter((id) => out.stdout().includes(`"lockId": "${id}"`));

    // Act
    let ended = false;
    const run = sweep({ ...options, lines: { stream: stream.locks } }).finally(() => {
      ended = true;
    });
    for (let i = 0; i < 500 && written().length < 2; i++) await new Promise((r) => setTimeout(r, 20));

    // Assess: the first table's locks are written (all but the last, held back until it is known whether a comma
    // follows it), while the run is still going and the second table not yet read.
    const early = out.stdout();
    expect(ended).toBe(false);
    expect(written()).toHaveLength(2);
    expect(early).not.toContain('second/old');
    expect(early).not.toContain('"counts"');
    letGo();
    const report = await run;
    await stream.end(report);
    const doc = JSON.parse(out.stdout());
    expect(doc.locks.map((l: { lockId: string }) => l.lockId).sort()).toEqual(
      [...first, 'acme/second/old/app.tfstate'].sort(),
    );
    expect(doc.counts).toMatchObject({ locks: 4, stale: 2, errors: 2 });
  });

  it('reads no further while stdout has not drained what was written', async () => {
    // Prepare: 25 locks read 10 a page; the first drain waits until the test lets it go.
    const prefix = uniqueName('stream-drain');
    await createLockTable(dynamo, `${prefix}-locks`);
    await putItems(
      dynamo,
      `${prefix}-locks`,
      Array.from({ length: 25 }, (_, i) => lockNow(`fresh/${i}.tfstate`)),
    );
    let pages = 0;
    const store = scanning(new DynamoLockStore(dynamo, 'us-east-1', 10), `${prefix}-locks`, (inner) => ({
      async *[Symbol.asyncIterator]() {
        for await (const page of inner.scan(`${prefix}-locks`)) {
          pages++;
          yield page;
        }
      },
    }));
    let drained!: () => void;
    let drains = 0;
    const out = captured(() => {
      drains++;
      return drains === 1
        ? new Promise<void>((resolve) => {
            drained = resolve;
          })
        : Promise.resolve();
    });
    const options = cliOptions(prefix, store);
    const stream = reportStream('json', out, options);

    // Act
    const run = sweep({ ...options, lines: { stream: stream.locks } });
    for (let i = 0; i < 500 && drains === 0; i++) await new Promise((r) => setTimeout(r, 20));
    // What would happen next (the next page read, handled and written) is given time to happen, and must not.
    await new Promise((r) => setTimeout(r, 300));

    // Assess: one piece written (the head and the first page), one page read, until stdout drains.
    expect(out.outs).toHaveLength(1);
    expect(pages).toBe(1);
    drained();
    const report = await run;
    await stream.end(report);
    expect(pages).toBe(3);
    expect(JSON.parse(out.stdout()).locks).toHaveLength(25);
    expect(report.counts).toMatchObject({ locks: 25, stale: 0, errors: 0 });
  });
});
