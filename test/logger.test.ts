// Tests: the Lambda's logger writes the lines pino wrote (same fields, errors, cycles), at its level, whole.
import { pino } from 'pino';
import { createLogger, type LogLevel, setRequestId } from '../lambda/logger';

type Line = Record<string, unknown>;

// The real fs module, the one the logger's writes reach.
const fs = jest.requireActual<typeof import('node:fs')>('node:fs');

/** pino configured as lambda/logger.ts configured it before it stopped loading pino. */
function pinoLines(level: string, requestId: () => string | undefined): { lines: Line[]; log: pino.Logger } {
  const lines: Line[] = [];
  const log = pino(
    {
      level,
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      mixin: () => {
        const id = requestId();
        return id ? { requestId: id } : {};
      },
    },
    { write: (s: string) => lines.push(JSON.parse(s) as Line) },
  );
  return { lines, log };
}

function ownLines(level: string): { lines: Line[]; raw: string[]; log: ReturnType<typeof createLogger> } {
  const raw: string[] = [];
  const log = createLogger(level, { write: (s) => raw.push(s) });
  return {
    raw,
    log,
    get lines() {
      return raw.map((s) => JSON.parse(s) as Line);
    },
  };
}

const sameTime = (l: Line) => ({ ...l, timestamp: 'T' });

describe('the Lambda logger', () => {
  afterEach(() => setRequestId(undefined));

  it('writes the lines pino wrote: fields, level, request id, message last, errors with their causes', () => {
    let id: string | undefined;
    const ref = pinoLines('info', () => id);
    const own = ownLines('info');
    const cause = new Error('socket hang up');
    const err = Object.assign(new Error('DescribeTable failed', { cause }), {
      name: 'ResourceNotFoundException',
      $metadata: { httpStatusCode: 400, attempts: 1 },
      // An error-like field is written as an error of its own.
      inner: new TypeError('bad page'),
    });
    const aggregate = new AggregateError([new Error('one'), new RangeError('two')], 'both failed');
    const cases: [LogLevel, object, string | undefined, string | undefined][] = [
      ['info', { runId: 'r1', counts: { locks: 2 }, regions: ['us-east-1'] }, 'run started', undefined],
      ['warn', { table: 't', nested: { deep: [1, { a: null }] } }, 'run finished', 'req-1'],
      ['error', { err }, 'invocation failed', 'req-2'],
      ['error', { err: aggregate }, 'invocation failed', undefined],
      ['error', { err: 'not an error', other: new Error('nested errors are plain objects') }, 'x', undefined],
      ['info', { message: 'a field named message', requestId: 'field wins' }, 'the message wins', 'req-3'],
      ['info', { undefinedField: undefined, date: new Date(0) }, undefined, undefined],
      ['debug', { hidden: true }, 'below the level', 'req-4'],
      ['fatal', {}, 'above it', undefined],
    ];
    for (const [level, obj, msg, requestId] of cases) {
      id = requestId;
      setRequestId(requestId);
      ref.log[level](obj, msg);
      own.log[level](obj, msg);
    }
    expect(own.lines).toHaveLength(8);
    expect(own.lines.map(sameTime)).toEqual(ref.lines.map(sameTime));
    expect(own.lines[2]).toMatchObject({
      level: 'ERROR',
      requestId: 'req-2',
      err: {
        type: 'Error',
        message: 'DescribeTable failed: socket hang up',
        name: 'ResourceNotFoundException',
      },
    });
    expect(own.raw.every((s) => s.endsWith('}\n') && s.indexOf('\n') === s.length - 1)).toBe(true);
    expect(Date.parse(String(own.lines[0].timestamp))).toBeGreaterThan(Date.now() - 60_000);
  });

  it('writes what plain JSON cannot hold instead of throwing: a cycle as pino does, a bigint as its digits', () => {
    const ref = pinoLines('info', () => undefined);
    const own = ownLines('info');
    const loop: Record<string, unknown> = { name: 'loop', shared: { n: 1 } };
    loop.self = loop;
    loop.again = loop.shared;
    ref.log.info({ loop }, 'cyclic');
    own.log.info({ loop }, 'cyclic');
    expect(sameTime(own.lines[0])).toEqual(sameTime(ref.lines[0]));
    expect(own.lines[0].loop).toEqual({
      name: 'loop',
      shared: { n: 1 },
      self: '[Circular]',
      again: { n: 1 },
    });
    own.log.info({ big: 2n ** 64n }, 'bigint');
    expect(own.lines[1].big).toBe('18446744073709551616');
  });

  it('logs nothing at level silent, and refuses a level it does not know, naming LOG_LEVEL and the levels', () => {
    const own = ownLines('silent');
    own.log.fatal({}, 'never');
    expect(own.raw).toEqual([]);
    expect(() => createLogger('verbose')).toThrow(
      'LOG_LEVEL "verbose" is not a log level: use one of trace, debug, info, warn, error, fatal, silent',
    );
    expect(() => createLogger('toString')).toThrow(/LOG_LEVEL "toString"/);
  });

  it('writes to stdout synchronously, the rest of a line a pipe took only part of included, after a busy pipe', () => {
    const written: Buffer[] = [];
    let calls = 0;
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation(((fd: number, data: string | Buffer) => {
      if (fd !== 1) throw new Error(`unexpected write to fd ${fd}`);
      calls++;
      // A full non-blocking pipe, once.
      if (calls === 2)
        throw Object.assign(new Error('EAGAIN: resource temporarily unavailable'), { code: 'EAGAIN' });
      // A pipe that takes at most 10 bytes a write.
      const bytes = Buffer.from(data).subarray(0, 10);
      written.push(bytes);
      return bytes.length;
    }) as typeof fs.writeSync);
    try {
      createLogger('info').info({ long: 'é'.repeat(20) }, 'split');
    } finally {
      spy.mockRestore();
    }
    const line = Buffer.concat(written).toString();
    expect(calls).toBeGreaterThan(4);
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toMatchObject({ level: 'INFO', long: 'é'.repeat(20), message: 'split' });
  });

  it('lets a write error other than a busy pipe through, as pino did', () => {
    const spy = jest.spyOn(fs, 'writeSync').mockImplementation((() => {
      throw Object.assign(new Error('EPIPE: broken pipe'), { code: 'EPIPE' });
    }) as typeof fs.writeSync);
    try {
      expect(() => createLogger('info').info({}, 'lost')).toThrow('EPIPE');
    } finally {
      spy.mockRestore();
    }
  });
});
