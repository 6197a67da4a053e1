/**
 * Usage per key and per UTC day (docs/resolution.md#caching-and-usage): requests (serves of the key) and
 * the tokens the gateway read from the provider's answers. Plain values and pure functions: the usage
 * tracker counts into them, the usage writer merges them into what is stored and prunes, the stats
 * views sum them. Guards: figures only ever add up (a merge is a sum, never a replacement, so a
 * flush retried after a failure counts nothing twice as long as the batch was not written), and
 * nothing older than the retention window (`USAGE_DAYS_KEPT`) is kept or shown.
 */
import type { ProviderId } from '../providers/registry.js';

/** Structurally the gateway's TokenUsage (src/gateway/usage-meters.ts); the vault does not import the gateway. */
export interface TokenCounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
}

export interface DayFigures extends TokenCounts {
  readonly requests: number;
}

/** A UTC date, `YYYY-MM-DD`. */
export type UtcDate = string;

/** One key's figures per day. */
export type KeyDays = ReadonlyMap<UtcDate, DayFigures>;
/** Per key id, its days. */
export type DailyByKey = ReadonlyMap<string, KeyDays>;
/** Per provider, per key id, per day. */
export type DailyUsage = ReadonlyMap<ProviderId, DailyByKey>;

export const DEFAULT_USAGE_DAYS_KEPT = 30;

export const DAY_MS = 86_400_000;
export const ZERO_DAY: DayFigures = Object.freeze({ requests: 0, inputTokens: 0, outputTokens: 0 });

/** The UTC date of an instant (epoch ms). */
export const utcDate = (ms: number): UtcDate => new Date(ms).toISOString().slice(0, 10);

/** The oldest date kept when it is `nowMs`: today and the `daysKept - 1` days before it. */
export const oldestKept = (nowMs: number, daysKept: number): UtcDate => utcDate(nowMs - (Math.max(1, daysKept) - 1) * DAY_MS);

export const addDay = (a: DayFigures | undefined, b: DayFigures): DayFigures =>
  a === undefined ? b : { requests: a.requests + b.requests, inputTokens: a.inputTokens + b.inputTokens, outputTokens: a.outputTokens + b.outputTokens };

const isEmpty = (day: DayFigures) => day.requests === 0 && day.inputTokens === 0 && day.outputTokens === 0;

/** Adds `figures` to one key's day, in place (the tracker's pending maps). */
export function addTo(into: Map<string, Map<UtcDate, DayFigures>>, keyId: string, date: UtcDate, figures: DayFigures): void {
  let days = into.get(keyId);
  if (!days) into.set(keyId, (days = new Map()));
  days.set(date, addDay(days.get(date), figures));
}

/**
 * `stored` plus `pending` (each key's days summed), keeping only keys in `keep` (when given) and days
 * from `oldest` on, without empty days. The writer's merge and the views' sum alike.
 */
export function mergeDaily(stored: DailyByKey | undefined, pending: DailyByKey | undefined, oldest: UtcDate, keep?: ReadonlySet<string>): Map<string, Map<UtcDate, DayFigures>> {
  const merged = new Map<string, Map<UtcDate, DayFigures>>();
  for (const source of [stored, pending]) {
    for (const [keyId, days] of source ?? []) {
      if (keep && !keep.has(keyId)) continue;
      for (const [date, figures] of days) if (date >= oldest && !isEmpty(figures)) addTo(merged, keyId, date, figures);
    }
  }
  return merged;
}

export interface DayTotal extends DayFigures {
  date: UtcDate;
}

/** Days in ascending order, summed over the given keys' days. */
export function sumDays(keys: Iterable<KeyDays>): DayTotal[] {
  const byDate = new Map<UtcDate, DayFigures>();
  for (const days of keys) for (const [date, figures] of days) byDate.set(date, addDay(byDate.get(date), figures));
  return [...byDate]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([date, figures]) => ({ date, requests: figures.requests, inputTokens: figures.inputTokens, outputTokens: figures.outputTokens }));
}

/** The sum over every day. */
export const totalOf = (days: Iterable<DayFigures>): DayFigures => [...days].reduce<DayFigures>((sum, day) => addDay(sum, day), ZERO_DAY);
