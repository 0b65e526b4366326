// Benchmark: runs one sweep for timing.
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { pino } from 'pino';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import type { RenderedMessage } from '../lambda/core/message/sns';
import { type Mode, parsePolicy } from '../lambda/core/policy';
import type { Notifier, StateStore } from '../lambda/core/ports';
import type { RunReport } from '../lambda/core/report';
import { type SweepOptions, sweep } from '../lambda/run/sweep';
import { REGION } from './fixture';
import { TimedLockStore } from './timed-store';

/** A sweep's report and the wall time its discovery took (see `TimedLockStore`). */
export type BenchSweep = { readonly report: RunReport; readonly discoveryMs: number };

/**
 * A notifier that takes every message as SNS would (the run renders and publishes each one) and keeps only its
 * size: what the Lambda's run does with its messages, without a topic.
 */
export class SizingNotifier implements Notifier {
  messages = 0;
  bytes = 0;

  async publish(message: RenderedMessage): Promise<void> {
    this.messages++;
    this.bytes += Buffer.byteLength(message.json);
  }
}

/** What the Lambda's sweep has that the CLI's has not: its kept lines, its notifier and how messages name it. */
export type LambdaWay = Pick<SweepOptions, 'lines' | 'notifier' | 'render'>;

/** The sweep as the handler runs it (`lambda/handler.ts`): news lines kept, messages published to `notifier`. */
export function lambdaWay(notifier: Notifier): LambdaWay {
  return {
    lines: 'news',
    notifier,
    render: { janitor: { functionName: 'tf-lock-janitor', region: REGION, canRelease: false } },
  };
}

/**
 * The benchmark's sweep: one lock table, a policy under which the fixture's stale locks (48 h) are due for
 * deletion and the fresh ones (5 min) are kept, a cap high enough for all of them, and a pino logger writing
 * one line per lock synchronously to /dev/null (the handler's logging cost without a terminal). `way`: the
 * Lambda's kept lines and notifier (see `lambdaWay`); without it, the CLI's (every line kept, nobody told).
 */
export async function benchSweep(
  client: DynamoDBClient,
  table: string,
  mode: Mode,
  nowMs: number,
  state: StateStore = new MemoryStateStore(),
  way: LambdaWay = {},
): Promise<BenchSweep> {
  const policy = parsePolicy({
    mode,
    tables: { include: [table] },
    rules: [{ name: 'default', match: {}, alertAfter: '4h', deleteAfter: '24h' }],
    minSightings: 1,
    maxDeletionsPerRun: 10_000,
  });
  const store = new TimedLockStore(new DynamoLockStore(client, REGION));
  const report = await sweep({
    policy,
    regions: [REGION],
    lockStores: () => store,
    state,
    now: new Date(nowMs),
    runId: `bench-${mode}`,
    logger: devNullLogger(),
    ...way,
  });
  return { report, discoveryMs: store.discoveryMs };
}

let logger: ReturnType<typeof pino> | undefined;
function devNullLogger(): ReturnType<typeof pino> {
  logger ??= pino({ base: undefined }, pino.destination({ dest: '/dev/null', sync: true }));
  return logger;
}
