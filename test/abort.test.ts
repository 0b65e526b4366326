// Tests: every AWS call carries the run's call signal, so an endpoint that never answers cannot hold a run or the CLI.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoClientFactory, lockStoreFactory } from '../bin/cli-context';
import { awsClientConfig } from '../lambda/adapters/aws-client-config';
import { DynamoLockStore } from '../lambda/adapters/dynamo-lock-store';
import { MemoryStateStore } from '../lambda/adapters/memory-state-store';
import { parsePolicy } from '../lambda/core/policy';
import { release } from '../lambda/run/release';
import { sweep } from '../lambda/run/sweep';

const CLI = join(__dirname, '..', 'bin', 'tf-lock-janitor.cjs');

/** A TCP server that accepts every connection, reads what is sent and never answers; counts open sockets. */
async function silentServer(): Promise<{
  url: string;
  open: () => number;
  seen: () => number;
  close(): Promise<void>;
}> {
  const sockets = new Set<Socket>();
  let seen = 0;
  const server: Server = createServer((socket) => {
    seen++;
    sockets.add(socket);
    socket.on('data', () => undefined);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    open: () => sockets.size,
    seen: () => seen,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

const until = async (condition: () => boolean) => {
  while (!condition()) await new Promise((r) => setTimeout(r, 20));
};

describe('the call signal', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  let client: DynamoDBClient;
  beforeEach(async () => {
    silent = await silentServer();
    // The default timeouts (15 s a request, 6 attempts): only the signal can end these calls early.
    client = new DynamoDBClient(
      awsClientConfig({
        region: 'us-east-1',
        endpoint: silent.url,
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      }),
    );
  });
  afterEach(async () => {
    client.destroy();
    await silent.close();
  });

  it('abandons a sweep call in flight when it aborts: the socket is closed and the place reported', async () => {
    // Prepare
    const abandon = new AbortController();
    const store = new DynamoLockStore(client, 'us-east-1');
    // Act
    const run = sweep({
      policy: parsePolicy({}),
      regions: ['us-east-1'],
      lockStores: () => store,
      state: new MemoryStateStore({ singleRun: true }),
      now: new Date(),
      runId: 'abort-test',
      callSignal: abandon.signal,
    });
    await until(() => silent.open() > 0);
    abandon.abort();
    const report = await run;
    // Assess: the ListTables call was cut (its connection closed), not left to its 15 s timeout.
    expect(report.tables).toEqual([
      expect.objectContaining({
        region: 'us-east-1',
        name: '*',
        error: expect.stringContaining('abandoned'),
      }),
    ]);
    await until(() => silent.open() === 0);
    expect(silent.open()).toBe(0);
  });

  it('abandons a release call in flight when it aborts', async () => {
    const abandon = new AbortController();
    const run = release(
      { region: 'us-east-1', id: 'x', table: 'locks', lockId: 'acme/a.tfstate' },
      {
        store: new DynamoLockStore(client, 'us-east-1'),
        policy: parsePolicy({}),
        regions: ['us-east-1'],
        now: new Date(),
        runId: 'abort-test',
        callSignal: abandon.signal,
      },
    ).catch((e: Error) => e);
    await until(() => silent.open() > 0);
    abandon.abort();
    const result = await run;
    expect(JSON.stringify(result, Object.getOwnPropertyNames(result))).toMatch(/abort/i);
    await until(() => silent.open() === 0);
  });

  it('without any signal, reports a silent endpoint after the call timeouts, naming the place', async () => {
    // Prepare: the CLI's own clients, with short timeouts so the test does not wait the real 6 x 15 s.
    const quick = dynamoClientFactory({ endpoint: silent.url, timeouts: { requestTimeoutMs: 200 } });
    // Act
    const report = await sweep({
      policy: parsePolicy({}),
      regions: ['eu-west-1'],
      lockStores: lockStoreFactory(quick),
      state: new MemoryStateStore({ singleRun: true }),
      now: new Date(),
      runId: 'silent-test',
    });
    // Assess
    expect(report.couldNotRead).toEqual([
      expect.objectContaining({
        kind: 'region',
        region: 'eu-west-1',
        reason: expect.stringMatching(/TimeoutError/),
      }),
    ]);
    quick('eu-west-1').destroy();
  });

  it('is passed by every client.send of the adapters', () => {
    const dir = join(__dirname, '..', 'lambda', 'adapters');
    const offences = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => {
        const text = readFileSync(join(dir, f), 'utf8');
        const calls = [...text.matchAll(/client\.send\(/g)].map((m) => m.index ?? 0);
        return calls
          .filter((at) => !sendArguments(text, at + 'client.send('.length).includes('callOptions()'))
          .map((at) => `${f}:${text.slice(0, at).split('\n').length}`);
      });
    expect(offences).toEqual([]);
  });
});

/** The text between `client.send(` and its closing parenthesis. */
function sendArguments(text: string, from: number): string {
  let depth = 1;
  let i = from;
  while (depth > 0 && i < text.length) {
    if ('([{'.includes(text[i])) depth++;
    else if (')]}'.includes(text[i])) depth--;
    i++;
  }
  return text.slice(from, i - 1);
}

describe('the CLI against an endpoint that accepts connections and never answers', () => {
  let silent: Awaited<ReturnType<typeof silentServer>>;
  beforeEach(async () => {
    silent = await silentServer();
  });
  afterEach(() => silent.close());

  it.each([
    ['list', 'SIGINT', 130],
    ['sweep', 'SIGINT', 130],
    ['sweep', 'SIGTERM', 143],
  ] as const)(
    '%s ends on the first %s with the partial report and exit %i',
    async (command, signal, exit) => {
      // Prepare
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: '',
        AWS_SECRET_ACCESS_KEY: '',
        AWS_REGION: '',
        AWS_PROFILE: '',
      };
      const args = [CLI, command, '--endpoint', silent.url, '--region', 'eu-west-1', '--region', 'us-east-1'];
      const child = spawn(process.execPath, [...args, '--json'], { env });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => {
        stdout += d;
      });
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        // Act: once both regions' calls are in flight (each would otherwise wait 6 × 15 s), one signal.
        await until(() => silent.seen() >= 2);
        child.kill(signal);
        const sentAt = Date.now();
        const code = await exited;
        // Assess: a generous bound relative to the signal (the calls alone would take 90 s).
        expect(Date.now() - sentAt).toBeLessThan(30_000);
        expect(code).toBe(exit);
        expect(stderr).toContain(`${signal}: stopping; the partial report follows`);
        const report = JSON.parse(stdout);
        for (const region of ['eu-west-1', 'us-east-1'])
          expect(report.tables).toContainEqual(
            expect.objectContaining({
              region,
              error: `could not list the tables of ${region}: abandoned: the run was told to stop`,
            }),
          );
      } finally {
        child.kill('SIGKILL');
      }
    },
  );

  it.each(['doctor', 'test-alert'])(
    '%s ends on the first SIGINT with exit 130 and says it has no verdict',
    async (command) => {
      // Prepare: every AWS service of the doctor behind the silent endpoint.
      const env = {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'x',
        AWS_SECRET_ACCESS_KEY: 'y',
        AWS_REGION: '',
        AWS_PROFILE: '',
        AWS_ENDPOINT_URL: silent.url,
      };
      const child = spawn(
        process.execPath,
        [CLI, command, '--function', 'janitor', '--region', 'eu-west-1'],
        {
          env,
        },
      );
      let stderr = '';
      child.stderr.on('data', (d) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        // Act: once its first call is in flight (it would otherwise wait out its timeouts), one SIGINT.
        await until(() => silent.seen() >= 1);
        child.kill('SIGINT');
        const sentAt = Date.now();
        const code = await exited;
        // Assess: a generous bound relative to the signal (the calls alone take 40 s and more).
        expect(Date.now() - sentAt).toBeLessThan(30_000);
        expect(code).toBe(130);
        expect(stderr).toContain(`${command} was interrupted before it finished: no verdict`);
      } finally {
        child.kill('SIGKILL');
      }
    },
  );
});
