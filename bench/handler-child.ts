// Benchmark: the child process that runs the bundled handler.
import { writeSync } from 'node:fs';
import http from 'node:http';
import { createRequire } from 'node:module';

// Child-process entry (bundled by `cost.ts`, run by plain node): a Lambda cold start of the bundled handler.
// Requires the bundle (INIT), invokes it once with a Scheduler event, and writes one JSON line to fd 3 with
// the timings, peak memory and the DynamoDB requests made by operation. The handler's own log lines go to
// stdout, where the parent counts them. Args: bundle path. Config comes from the environment, as in Lambda.

type Handler = (event: unknown, context: unknown) => Promise<unknown>;

const requests: Record<string, number> = {};
const request = http.request;
// The SDK's node-http-handler looks `request` up on the module at call time, so counting here sees every call.
http.request = ((...args: Parameters<typeof http.request>) => {
  const options = args[0] as http.RequestOptions;
  const target = String((options.headers as Record<string, string>)?.['x-amz-target'] ?? options.method);
  const operation = target.split('.').pop()!;
  requests[operation] = (requests[operation] ?? 0) + 1;
  return request(...args);
}) as typeof http.request;

async function main(): Promise<void> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { handler } = createRequire(__filename)(process.argv[2]) as { handler: Handler };
  const initMs = performance.now() - t0;
  const cpu1 = process.cpuUsage();
  const timeoutMs = 300_000;
  const context = {
    awsRequestId: 'bench-request',
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    getRemainingTimeInMillis: () => timeoutMs - (performance.now() - t0),
  };
  const event = { source: 'aws.scheduler', scheduledTime: new Date().toISOString(), attempt: '1' };
  const t1 = performance.now();
  const result = (await handler(event, context)) as { complete?: boolean; counts?: object };
  const invokeMs = performance.now() - t1;
  const cpu2 = process.cpuUsage();
  const cpuMs = (a: NodeJS.CpuUsage, b: NodeJS.CpuUsage) => (b.user - a.user + b.system - a.system) / 1000;
  const line = {
    initMs,
    initCpuMs: cpuMs(cpu0, cpu1),
    invokeMs,
    invokeCpuMs: cpuMs(cpu1, cpu2),
    maxRssMB: process.resourceUsage().maxRSS / 1024,
    requests,
    complete: result.complete,
    counts: result.counts,
  };
  writeSync(3, `${JSON.stringify(line)}\n`);
}

void main();
