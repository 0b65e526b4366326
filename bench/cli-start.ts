// Benchmark: how fast the installed CLI starts on commands that talk to AWS, against node doing the same calls.
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Scratch } from './child-bundle';
import { CLI_JS, NO_CODE_CACHE, timedProcess, writeProcessScripts } from './process-ratio';
import { type Stats, stats } from './stats';

const ROOT = path.join(__dirname, '..');

export type CliStart = {
  /** `tf-lock-janitor list` with a policy naming one absent table: load, one DescribeTable, print, exit. */
  readonly list: Stats;
  /** The same `list` without the CLI's code cache: its first run after an install or an upgrade. */
  readonly listNoCache: Stats;
  /** node loading @aws-sdk/client-dynamodb and sending the same DescribeTable. */
  readonly sdkCall: Stats;
  /** `tf-lock-janitor list` with buckets in the policy too: the S3 client loaded, one ListBuckets more. */
  readonly listBuckets: Stats;
  /** node loading both clients and sending DescribeTable and ListBuckets. */
  readonly sdkCallBuckets: Stats;
  /** `node dist/bin/main.js --version` (loads no AWS client; for reference). */
  readonly version: Stats;
  /** `node bin/tf-lock-janitor.cjs --version`: the development entry, TypeScript through tsx. */
  readonly devEntry: Stats;
  /** Per round: list / sdkCall, and listBuckets / sdkCallBuckets. */
  readonly ratio: Stats;
  readonly ratioNoCache: Stats;
  readonly ratioBuckets: Stats;
};

/** The floor of a command: require the clients, send the same first calls. Args: endpoint, SDK paths... */
const SDK_CALL_JS = `
const [endpoint, dynamo, s3] = process.argv.slice(2);
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
const { DynamoDBClient, DescribeTableCommand } = require(dynamo);
const calls = [new DynamoDBClient({ endpoint, region: 'us-east-1', credentials })
  .send(new DescribeTableCommand({ TableName: 'absent-table' })).catch((e) => { if (e.name !== 'ResourceNotFoundException') throw e; })];
if (s3) {
  const { S3Client, ListBucketsCommand } = require(s3);
  calls.push(new S3Client({ endpoint, region: 'us-east-1', credentials, forcePathStyle: true }).send(new ListBucketsCommand({})));
}
Promise.all(calls).then(() => process.stdout.write('ok'));
`;

/**
 * `reps` rounds of each command in a fresh node process, in turn, after one discarded warm-up round, against
 * `endpoint` (DynamoDB and S3 behind one loopback endpoint).
 */
export async function measureCliStart(scratch: Scratch, reps: number, endpoint: string): Promise<CliStart> {
  const { peakRss } = await writeProcessScripts(scratch);
  const policy = path.join(scratch.dir, 'cli-start-policy.json');
  const policyBuckets = path.join(scratch.dir, 'cli-start-policy-buckets.json');
  const base = { tables: { include: ['absent-table'] } };
  await writeFile(policy, JSON.stringify(base));
  await writeFile(policyBuckets, JSON.stringify({ ...base, buckets: { include: ['absent-bucket-*'] } }));
  const sdkCall = path.join(scratch.dir, 'sdk-call.cjs');
  await writeFile(sdkCall, SDK_CALL_JS);
  const dynamo = require.resolve('@aws-sdk/client-dynamodb');
  const s3 = require.resolve('@aws-sdk/client-s3');
  const list = (file: string) => [
    CLI_JS,
    'list',
    '--endpoint',
    endpoint,
    '--region',
    'us-east-1',
    '--policy',
    file,
  ];
  const commands = {
    list: list(policy),
    listNoCache: list(policy),
    sdkCall: [sdkCall, endpoint, dynamo],
    listBuckets: list(policyBuckets),
    sdkCallBuckets: [sdkCall, endpoint, dynamo, s3],
    version: [CLI_JS, '--version'],
    devEntry: [path.join(ROOT, 'bin', 'tf-lock-janitor.cjs'), '--version'],
  };
  const names = Object.keys(commands) as (keyof typeof commands)[];
  const times = Object.fromEntries(names.map((n) => [n, [] as number[]])) as Record<
    keyof typeof commands,
    number[]
  >;
  for (let round = -1; round < reps; round++) {
    for (const name of names) {
      const env = name === 'listNoCache' ? NO_CODE_CACHE : {};
      const { wallMs, stdout } = await timedProcess(peakRss, commands[name], env);
      if (name.startsWith('sdk') && stdout !== 'ok') throw new Error(`the SDK floor failed: ${stdout}`);
      if (round >= 0) times[name].push(wallMs);
    }
  }
  const per = (a: number[], b: number[]) => stats(a.map((v, i) => v / b[i]));
  return {
    list: stats(times.list),
    sdkCall: stats(times.sdkCall),
    listBuckets: stats(times.listBuckets),
    sdkCallBuckets: stats(times.sdkCallBuckets),
    version: stats(times.version),
    devEntry: stats(times.devEntry),
    listNoCache: stats(times.listNoCache),
    ratio: per(times.list, times.sdkCall),
    ratioNoCache: per(times.listNoCache, times.sdkCall),
    ratioBuckets: per(times.listBuckets, times.sdkCallBuckets),
  };
}
