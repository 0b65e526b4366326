// Tests: which abort signal an AWS call carries: the run's async context, else the CLI's process-wide one.
import { callOptions, carryingSignal, carrySignalProcessWide } from '../lambda/adapters/call-signal';

describe('callOptions', () => {
  it('carries the process-wide signal of the CLI until it is ended', () => {
    // Prepare
    const cli = new AbortController();
    // Act
    const end = carrySignalProcessWide(cli.signal);
    const during = callOptions();
    end();
    // Assess
    expect(during.abortSignal).toBe(cli.signal);
    expect(callOptions()).toEqual({});
  });

  it("prefers a run's own signal (the Lambda's async context) over the process-wide one", async () => {
    // Prepare
    const cli = new AbortController();
    const run = new AbortController();
    const end = carrySignalProcessWide(cli.signal);
    try {
      // Act: a call made after an await inside the run still sees the run's signal.
      const seen = await carryingSignal(run.signal, async () => {
        await new Promise((r) => setTimeout(r, 1));
        return callOptions().abortSignal;
      });
      // Assess
      expect(seen).toBe(run.signal);
      expect(callOptions().abortSignal).toBe(cli.signal);
    } finally {
      end();
    }
  });

  it('leaves a newer process-wide signal in place when an older one ends', () => {
    // Prepare
    const first = new AbortController();
    const second = new AbortController();
    const endFirst = carrySignalProcessWide(first.signal);
    const endSecond = carrySignalProcessWide(second.signal);
    // Act
    endFirst();
    // Assess
    expect(callOptions().abortSignal).toBe(second.signal);
    endSecond();
    expect(callOptions()).toEqual({});
  });
});
