// Lambda shell: the logger that writes Lambda-shaped JSON lines to stdout (pino's line format, without loading pino).
import { writeSync } from 'node:fs';
import type { JanitorLogger } from './core/ports';

/** The levels `LOG_LEVEL` may name, by rank (pino's names and numbers); `silent` logs nothing. */
const LEVELS = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity } as const;

/** A level a line is written at. */
export type LogLevel = Exclude<keyof typeof LEVELS, 'silent'>;

/** Where lines go: each call gets one whole line, newline included. */
export type LogDestination = { write(line: string): void };

/** The shells' logger: the engine's three levels and the others, each `(fields, message)`. */
export type Logger = JanitorLogger & { readonly level: string } & Record<
    LogLevel,
    (obj: object, msg?: string) => void
  >;

let requestId: string | undefined;

/** Sets the request id stamped on every following log line (a Lambda sandbox runs one request at a time). */
export function setRequestId(id: string | undefined): void {
  requestId = id;
}

/** Standard output, written synchronously: a line is out before Lambda can freeze the sandbox. */
const STDOUT: LogDestination = { write: (line) => writeStdout(line) };

/** How long a write waits for a full pipe to drain before it tries again (as sonic-boom, pino's destination). */
const BUSY_WRITE_MS = 100;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `line` to stdout synchronously (the log lines, the EMF metrics line): the rest of what a pipe took
 * only part of, again after a busy pipe's wait.
 */
export function writeStdout(line: string): void {
  let rest: string | Buffer = line;
  let bytes = Buffer.byteLength(line);
  for (;;) {
    let written: number;
    try {
      written = typeof rest === 'string' ? writeSync(1, rest) : writeSync(1, rest);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // A non-blocking stdout whose reader is behind: wait for it, as pino's synchronous destination did.
      if (code !== 'EAGAIN' && code !== 'EBUSY') throw e;
      Atomics.wait(sleeper, 0, 0, BUSY_WRITE_MS);
      continue;
    }
    if (written >= bytes) return;
    rest = (typeof rest === 'string' ? Buffer.from(rest) : rest).subarray(written);
    bytes = rest.length;
  }
}

/**
 * A logger shaped like Lambda's JSON logs: one line per call, `{"level":"INFO","timestamp":…,"requestId":…,
 * …fields,"message":…}` (the message wins over a field of that name), `err` written as pino writes an error (type,
 * message and stack with their causes, its own fields), anything JSON cannot hold written safely (a cycle as
 * `"[Circular]"`, a bigint as a string of its digits). It writes synchronously to stdout, as pino's docs advise for Lambda:
 * asynchronous logging loses lines when Lambda freezes the sandbox. pino itself is not loaded: it and the Node.js
 * modules it requires cost a cold start about as much as all of the janitor's own code.
 */
export function createLogger(level = 'info', destination: LogDestination = STDOUT): Logger {
  const threshold = (LEVELS as Record<string, number>)[level];
  if (threshold === undefined || !Object.hasOwn(LEVELS, level))
    throw new Error(`LOG_LEVEL "${level}" is not a log level: use one of ${Object.keys(LEVELS).join(', ')}`);
  const at =
    (name: LogLevel) =>
    (obj: object, msg?: string): void => {
      if (LEVELS[name] < threshold) return;
      destination.write(`${line(name, obj, msg)}\n`);
    };
  return {
    level,
    trace: at('trace'),
    debug: at('debug'),
    info: at('info'),
    warn: at('warn'),
    error: at('error'),
    fatal: at('fatal'),
  };
}

/** One line's JSON. */
function line(level: LogLevel, obj: object, msg: string | undefined): string {
  const fields: Record<string, unknown> = {
    level: level.toUpperCase(),
    timestamp: new Date().toISOString(),
    ...(requestId ? { requestId } : {}),
    ...obj,
  };
  if ('err' in fields) fields.err = serializeError(fields.err);
  if (msg !== undefined) {
    // Last, as pino writes it.
    delete fields.message;
    fields.message = msg;
  }
  try {
    return JSON.stringify(fields);
  } catch {
    return JSON.stringify(fields, safeReplacer());
  }
}

type ErrorLike = { readonly message: string; readonly stack?: string; readonly cause?: unknown };

function isErrorLike(value: unknown): value is ErrorLike {
  return typeof value === 'object' && value !== null && typeof (value as ErrorLike).message === 'string';
}

/** An error as pino-std-serializers writes it; anything else as it is. */
function serializeError(err: unknown, seen = new Set<unknown>()): unknown {
  if (!isErrorLike(err) || seen.has(err)) return err;
  seen.add(err);
  const ctor = (err as { constructor?: { name?: string } }).constructor;
  const out: Record<string, unknown> = {
    type: typeof ctor === 'function' ? ctor.name : (err as { name?: string }).name,
    message: withCauses(err, (e) => e.message || '', ': '),
    stack: withCauses(err, (e) => e.stack || '', '\ncaused by: '),
  };
  const errors = (err as { errors?: unknown }).errors;
  if (Array.isArray(errors)) out.aggregateErrors = errors.map((e) => serializeError(e, seen));
  for (const key in err) {
    if (out[key] !== undefined) continue;
    const value = (err as Record<string, unknown>)[key];
    if (!isErrorLike(value)) out[key] = value;
    else if (key !== 'cause' && !seen.has(value)) out[key] = serializeError(value, seen);
  }
  return out;
}

/** `part` of `err` and of each error-like cause after it, joined by `joint`. */
function withCauses(err: ErrorLike, part: (e: ErrorLike) => string, joint: string): string {
  const parts: string[] = [];
  const seen = new Set<ErrorLike>();
  let e: ErrorLike | undefined = err;
  while (e && !seen.has(e)) {
    seen.add(e);
    parts.push(part(e));
    e = isErrorLike(e.cause) ? e.cause : undefined;
  }
  return parts.join(joint);
}

/** A JSON.stringify replacer for what plain JSON cannot hold: cycles and bigints. */
function safeReplacer(): (this: unknown, key: string, value: unknown) => unknown {
  const ancestors: unknown[] = [];
  return function (this: unknown, _key: string, value: unknown): unknown {
    if (typeof value === 'bigint') return value.toString();
    if (typeof value !== 'object' || value === null) return value;
    // `this` is the object holding `value`: drop the ancestors that are not on its path.
    while (ancestors.length > 0 && ancestors[ancestors.length - 1] !== this) ancestors.pop();
    if (ancestors.includes(value)) return '[Circular]';
    ancestors.push(value);
    return value;
  };
}
