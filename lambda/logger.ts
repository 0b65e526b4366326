// Lambda shell: the pino logger shaped like Lambda's JSON logs.
import { type DestinationStream, type Logger, pino } from 'pino';

let requestId: string | undefined;

/** Sets the request id stamped on every following log line (a Lambda sandbox runs one request at a time). */
export function setRequestId(id: string | undefined): void {
  requestId = id;
}

/**
 * A pino logger shaped like Lambda's JSON logs (`level`, `timestamp`, `message`, `requestId`). It writes
 * synchronously to stdout: pino's docs warn that asynchronous logging loses lines when Lambda freezes the
 * sandbox, and transports run in worker threads that a bundle cannot load.
 */
export function createLogger(
  level = 'info',
  destination: DestinationStream = pino.destination({ dest: 1, sync: true }),
): Logger {
  return pino(
    {
      level,
      base: undefined,
      messageKey: 'message',
      timestamp: () => `,"timestamp":"${new Date().toISOString()}"`,
      formatters: { level: (label) => ({ level: label.toUpperCase() }) },
      mixin: () => (requestId ? { requestId } : {}),
    },
    destination,
  );
}
