// Benchmark: small statistics helpers (median, range).
/** Median, extremes and spread of repeated measurements. */
export type Stats = {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** (max - min) / median, as a share. */
  readonly spread: number;
};

export function stats(values: readonly number[]): Stats {
  if (values.length === 0) throw new RangeError('stats of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  return { n: values.length, median, min, max, spread: median ? (max - min) / median : 0 };
}

/** `1234 ms (1200–1300, ±4 %, n=5)`. */
export function formatStats(s: Stats, unit: string, digits = 0): string {
  const f = (v: number) => v.toFixed(digits);
  return `${f(s.median)} ${unit} (${f(s.min)}–${f(s.max)}, spread ${(s.spread * 100).toFixed(0)} %, n=${s.n})`;
}

/** Milliseconds since `start` (a `performance.now()` reading). */
export function since(start: number): number {
  return performance.now() - start;
}
