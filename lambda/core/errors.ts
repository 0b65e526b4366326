// Core: the janitor's error family (JanitorError, PolicyError, UsageError).
/** The root of tf-lock-janitor's errors: a message that says what failed and what to do next. */
export class JanitorError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The policy is not valid; the message names each bad field and what would be valid. */
export class PolicyError extends JanitorError {
  constructor(
    message: string,
    readonly issues: readonly string[] = [],
  ) {
    super(message);
  }
}

/** Bad command-line usage or configuration (exit code 2). */
export class UsageError extends JanitorError {}

/** `Name: message`, the form AWS errors are best recognised by. */
export function describeError(e: unknown): string {
  // The SDK's HTTP handler rejects a call whose abort signal fired with an AbortError ("Request aborted").
  if (e instanceof Error && e.name === 'AbortError') return 'abandoned: the run was told to stop';
  if (e instanceof Error) return e.name && e.name !== 'Error' ? `${e.name}: ${e.message}` : e.message;
  return String(e);
}
