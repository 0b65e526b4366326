// Core: policy durations (`30m`, `4h`) and human ages.
const UNIT_SECONDS = { s: 1, m: 60, h: 3600, d: 86400 } as const;
const DURATION = /^(\d{1,6})(s|m|h|d)$/;

/** A policy duration: the text the user wrote (`"4h"`) and its length in seconds. */
export type Duration = { readonly text: string; readonly seconds: number };

/** Parses `90s`, `30m`, `4h`, `7d` (a whole number and one unit); undefined for anything else. */
export function parseDuration(text: string): Duration | undefined {
  const m = DURATION.exec(text);
  if (!m) return undefined;
  return { text, seconds: Number(m[1]) * UNIT_SECONDS[m[2] as keyof typeof UNIT_SECONDS] };
}

/** Renders seconds as a short human age: `45s`, `12m`, `3h 5m`, `2d 4h`. */
export function formatAge(seconds: number): string {
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) {
    const m = Math.floor((s % 3600) / 60);
    return m ? `${Math.floor(s / 3600)}h ${m}m` : `${Math.floor(s / 3600)}h`;
  }
  const h = Math.floor((s % 86400) / 3600);
  return h ? `${Math.floor(s / 86400)}d ${h}h` : `${Math.floor(s / 86400)}d`;
}
