// Benchmark: an account at scale (3 regions at 5/75/200 ms, 300 lock tables, 20 state buckets): janitor / floor.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { StoredObject } from '../bin/demo/local-s3-model';
import { lockItem } from '../bin/demo/terraform-lock';
import { mapBounded } from '../lambda/core/bounded';
import { FLOOR_JS } from './account-scale-floor';
import type { Scratch } from './child-bundle';
import { type EngineProcess, startEngineProcess } from './engine';
import { benchClient, createLockTable, lockTableItems, putItems } from './fixture';
import { startLatencyProxy } from './latency-proxy';
import { CLI_JS, timedProcess, writeProcessScripts } from './process-ratio';
import { type StubBucket, startS3Stub } from './s3-stub';
import { type Stats, stats } from './stats';

/** Round trips of the three regions: the janitor's own region, a neighbour, the other side of the world. */
export const REGION_RTT_MS: Readonly<Record<string, number>> = {
  'eu-west-1': 5,
  'us-east-1': 75,
  'ap-southeast-2': 200,
};
const REGIONS = Object.keys(REGION_RTT_MS);
const HOUR = 3_600_000;

export type AccountScaleConfig = {
  readonly tables: number;
  readonly itemsPerTable: number;
  readonly buckets: number;
  /** Objects of the smallest bucket; bucket i holds (i + 1) times as many. */
  readonly objectsStep: number;
  readonly reps: number;
  /** The janitor's policy `concurrency` (places at once per region); undefined: its default. */
  readonly concurrency?: number;
};

/** One scenario: which places both sides read, and the pairs' figures. */
export type ScenarioFigures = {
  readonly name: string;
  readonly tables: number;
  readonly buckets: number;
  readonly objects: number;
  readonly janitor: Stats;
  readonly floor: Stats;
  /** Per pair, run back to back: janitor / floor. */
  readonly ratio: Stats;
  readonly janitorPeakRssMB: Stats;
  /** Requests the janitor sent in one run, by service and region. */
  readonly janitorRequests: Record<string, number>;
  readonly floorRequests: Record<string, number>;
};

export type AccountScaleFigures = {
  readonly config: AccountScaleConfig;
  readonly rttMs: Readonly<Record<string, number>>;
  readonly scenarios: ScenarioFigures[];
};

const tableName = (i: number) => `tfl-${String(i).padStart(3, '0')}`;

/**
 * Seeds one dynalite child per region (tables spread round-robin, each `itemsPerTable` items with 1 % locks)
 * and an S3 stub with `buckets` buckets of `objectsStep`, 2 × `objectsStep` ... objects (1 % of the states
 * locked by a lockfile), all behind one latency proxy; then, for each scenario, `reps` pairs of the floor
 * script and `tf-lock-janitor sweep` (mode alert, no state table), alternating which runs first, after a
 * discarded warm-up pair.
 */
export async function accountScale(
  scratch: Scratch,
  config: AccountScaleConfig,
  nowMs: number,
  log: (text: string) => void,
): Promise<AccountScaleFigures> {
  const engines: EngineProcess[] = [];
  const stubs: { close(): Promise<void> }[] = [];
  try {
    for (const region of REGIONS) engines.push(await startEngineProcess(region));
    const byRegion = new Map(REGIONS.map((r, i) => [r, engines[i]]));
    log(`account scale: seeding ${config.tables} tables of ${config.itemsPerTable} items`);
    await mapBounded(
      Array.from({ length: config.tables }, (_, i) => i),
      8,
      async (i) => {
        const client = benchClient(engines[i % REGIONS.length].endpoint);
        try {
          await createLockTable(client, tableName(i));
          await putItems(client, tableName(i), lockTableItems(config.itemsPerTable, nowMs));
        } finally {
          client.destroy();
        }
      },
    );
    const buckets = stateBuckets(config, nowMs);
    const s3 = await startS3Stub(buckets);
    stubs.push(s3);
    const proxy = await startLatencyProxy(REGION_RTT_MS, (service, region) =>
      service === 's3' ? s3.endpoint : service === 'dynamodb' ? byRegion.get(region)?.endpoint : undefined,
    );
    stubs.push(proxy);
    const scripts = await writeProcessScripts(scratch);
    const floorJs = path.join(scratch.dir, 'account-floor.cjs');
    await writeFile(floorJs, FLOOR_JS);
    const sdks = [require.resolve('@aws-sdk/client-dynamodb'), require.resolve('@aws-sdk/client-s3')];

    const scenario = async (name: string, tables: number, withBuckets: boolean): Promise<ScenarioFigures> => {
      // Tables tfl-000 ... : the first `tables` of them, by a glob for the janitor and a regex for the floor.
      const include = tables === config.tables ? 'tfl-*' : `tfl-${String(tables / 100 - 1)}*`;
      const regex = tables === config.tables ? '^tfl-' : `^tfl-${String(tables / 100 - 1)}`;
      const used = withBuckets ? buckets : [];
      const objects = used.reduce((n, b) => n + b.objects.length, 0);
      const policyFile = path.join(scratch.dir, `account-${name}.json`);
      await writeFile(
        policyFile,
        JSON.stringify({
          mode: 'alert',
          tables: { include: [include] },
          ...(withBuckets ? { buckets: { include: ['tfstate-*'] } } : {}),
          rules: [{ name: 'default', match: {}, alertAfter: '4h', deleteAfter: '24h' }],
          minSightings: 1,
          maxDeletionsPerRun: 10_000,
          ...(config.concurrency === undefined ? {} : { concurrency: config.concurrency }),
        }),
      );
      const counted = async <T>(run: () => Promise<T>): Promise<[T, Record<string, number>]> => {
        proxy.counts.clear();
        const out = await run();
        return [out, Object.fromEntries(proxy.counts)];
      };
      const floor = async () => {
        const list = JSON.stringify(used.map((b) => ({ name: b.name, region: b.region })));
        const args = [floorJs, ...sdks, proxy.endpoint, REGIONS.join(','), regex, list];
        const r = await timedProcess(scripts.peakRss, args);
        const got = JSON.parse(r.stdout) as { tables: number; objects: number };
        if (got.tables !== tables || got.objects !== objects)
          throw new Error(`the floor read ${got.tables} tables and ${got.objects} objects`);
        return r;
      };
      const janitor = async () => {
        const regions = REGIONS.flatMap((r) => ['--region', r]);
        const args = [CLI_JS, 'sweep', '--endpoint', proxy.endpoint, ...regions, '--policy', policyFile];
        const r = await timedProcess(scripts.peakRss, [...args, '--json']);
        const report = JSON.parse(r.stdout) as {
          tables: unknown[];
          buckets: { objects: number }[];
          counts: { errors: number };
        };
        const read = report.buckets.reduce((n, b) => n + b.objects, 0);
        if (report.tables.length !== tables || read !== objects || report.counts.errors)
          throw new Error(
            `the janitor read ${report.tables.length} tables and ${read} objects with ${report.counts.errors} errors`,
          );
        return r;
      };
      const [, floorRequests] = await counted(floor);
      const [, janitorRequests] = await counted(janitor);
      const floors: number[] = [];
      const janitors: number[] = [];
      const rss: number[] = [];
      for (let i = 0; i < config.reps; i++) {
        const pair = i % 2 === 0 ? [floor, janitor] : [janitor, floor];
        for (const run of pair) {
          const r = await run();
          if (run === floor) floors.push(r.wallMs);
          else {
            janitors.push(r.wallMs);
            rss.push(r.peakRssMB);
          }
        }
        log(
          `  ${name}: pair ${i + 1}: janitor ${janitors.at(-1)?.toFixed(0)} ms, floor ${floors.at(-1)?.toFixed(0)} ms`,
        );
      }
      return {
        name,
        tables,
        buckets: used.length,
        objects,
        janitor: stats(janitors),
        floor: stats(floors),
        ratio: stats(janitors.map((j, i) => j / floors[i])),
        janitorPeakRssMB: stats(rss),
        janitorRequests,
        floorRequests,
      };
    };

    const scenarios: ScenarioFigures[] = [];
    const buckets300 = `${config.tables} tables + ${config.buckets} buckets`;
    log(`account scale: ${buckets300}, ${config.reps} pairs`);
    const only = process.env.BENCH_ACCOUNT_ONLY;
    if (only !== '100') scenarios.push(await scenario('all', config.tables, true));
    if (config.tables >= 200 && only !== 'all') {
      log(`account scale: 100 tables, ${config.reps} pairs`);
      scenarios.push(await scenario('100-tables', 100, false));
    }
    return { config, rttMs: REGION_RTT_MS, scenarios };
  } finally {
    for (const s of stubs.reverse()) await s.close();
    for (const e of engines) await e.close();
  }
}

/**
 * The state buckets: bucket i (in region i mod 3) holds (i + 1) × `objectsStep` state objects
 * `<team>/<stack>/terraform.tfstate`, and a `.tflock` beside 1 % of them (half 48 h old, half 5 min old).
 */
function stateBuckets(config: AccountScaleConfig, nowMs: number): StubBucket[] {
  const stateBody = Buffer.alloc(4096, 'x');
  return Array.from({ length: config.buckets }, (_, b) => {
    const name = `tfstate-${String(b).padStart(2, '0')}`;
    const objects: StoredObject[] = [];
    const count = (b + 1) * config.objectsStep;
    const stored = (key: string, body: Buffer, atMs: number): StoredObject => ({
      key,
      body,
      etag: `"${b}-${objects.length}"`,
      lastModifiedMs: Math.floor(atMs / 1000) * 1000,
      contentType: 'binary/octet-stream',
      versionId: 'null',
    });
    for (let i = 0; objects.length < count; i++) {
      const statePath = `team-${i % 23}/stack-${i}/terraform.tfstate`;
      objects.push(stored(statePath, stateBody, nowMs - 72 * HOUR));
      if (i % 100 === 0 && objects.length < count) {
        const createdMs = nowMs - (i % 200 === 0 ? 48 * HOUR : 5 * 60_000);
        const info = lockItem({
          bucket: name,
          path: statePath,
          operation: 'OperationTypeApply',
          who: 'ci@runner',
          createdMs,
        });
        objects.push(stored(`${statePath}.tflock`, Buffer.from(info.Info.S), createdMs));
      }
    }
    return { name, region: REGIONS[b % REGIONS.length], objects };
  });
}
