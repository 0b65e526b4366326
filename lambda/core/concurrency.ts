// Core: how many places a run may read at once in each region: the range the policy and the CLI both accept.

/** The policy's `concurrency` and the CLI's `--concurrency N`: places read at once in each region. */
export const CONCURRENCY = { min: 1, max: 64 } as const;
