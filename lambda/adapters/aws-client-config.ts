// Adapter: the configuration every AWS SDK client of the janitor gets: timeouts on every call, bounded retries.

/** How long one AWS call may take; a call past these fails with a TimeoutError instead of hanging the run. */
export type CallTimeouts = {
  /** Milliseconds to open the connection. @default 3000 */
  readonly connectionTimeoutMs?: number;
  /** Milliseconds for one request's answer once sent. @default 15000 */
  readonly requestTimeoutMs?: number;
};

/** Attempts per call: throttling and transient errors are retried with back-off before a place is reported failed. */
export const MAX_ATTEMPTS = 6;

/**
 * The client options for `new XxxClient(...)`: region, optional endpoint and credentials, bounded attempts and
 * timeouts. `throwOnRequestTimeout` matters: without it the SDK's HTTP handler only logs a warning when a
 * request outlives `requestTimeout`, and the call hangs on (@smithy/node-http-handler).
 */
export function awsClientConfig(options: {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { readonly accessKeyId: string; readonly secretAccessKey: string };
  readonly maxAttempts?: number;
  readonly timeouts?: CallTimeouts;
}) {
  return {
    region: options.region,
    maxAttempts: options.maxAttempts ?? MAX_ATTEMPTS,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    ...(options.credentials ? { credentials: { ...options.credentials } } : {}),
    requestHandler: {
      connectionTimeout: options.timeouts?.connectionTimeoutMs ?? 3_000,
      requestTimeout: options.timeouts?.requestTimeoutMs ?? 15_000,
      throwOnRequestTimeout: true,
    },
  };
}
