// Test support: one warm Lambda sandbox: the handler module loaded once and invoked several times in this process.
import type { Context } from 'aws-lambda';

const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

export type Invocation = { error?: Error; lines: Record<string, unknown>[]; result?: unknown };

/** A sandbox: each `invoke` runs the same loaded handler (as Lambda does while it stays warm). */
export type Sandbox = {
  invoke(event: unknown, remainingMs?: number | (() => number), requestId?: string): Promise<Invocation>;
};

/** Loads lambda/handler.ts in isolation (a cold start on the first invoke), to be invoked many times. */
export function warmSandbox(): Sandbox {
  let mod: typeof import('../../lambda/handler') | undefined;
  jest.isolateModules(() => {
    mod = require('../../lambda/handler');
  });
  let n = 0;
  return {
    async invoke(event, remainingMs = 60_000, requestId = `req-${++n}`) {
      const lines: string[] = [];
      const realWriteSync = fs.writeSync;
      // Only stdout is captured: jest itself writes its transform cache with writeSync on other descriptors.
      const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((
        fd: number,
        data: string,
        ...rest: never[]
      ) => {
        if (fd !== 1) return realWriteSync(fd, data, ...rest);
        lines.push(String(data));
        return Buffer.byteLength(String(data));
      }) as typeof fs.writeSync);
      const remaining = typeof remainingMs === 'function' ? remainingMs : () => remainingMs;
      let error: Error | undefined;
      let result: unknown;
      try {
        const context = {
          awsRequestId: requestId,
          getRemainingTimeInMillis: remaining,
        } as unknown as Context;
        result = await mod!.handler(event, context);
      } catch (e) {
        error = e as Error;
      } finally {
        spy.mockRestore();
      }
      return {
        error,
        result,
        lines: lines
          .join('')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      };
    },
  };
}
