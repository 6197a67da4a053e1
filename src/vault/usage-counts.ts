/**
 * One owner's usage counts not yet in Keycloak (docs/resolution.md#caching-and-usage): per key its
 * last use and uses, and per key and UTC day its requests and tokens. Plain values and pure functions
 * shared by the usage tracker (its memory), the Redis ledger (src/scale/redis-usage.ts) and the
 * views. Guard: counts only ever add up (uses and day figures are sums, a last use is the later one),
 * so counts added in any order, by any instance, give the same total.
 */
import type { ProviderId } from '../providers/registry.js';
import { addTo, type DayFigures, type UtcDate } from './daily-usage.js';
import { combineUsage, type KeyUsage } from './ports.js';

export type UsageBatch = Map<ProviderId, Map<string, KeyUsage>>;
/** Per provider, key id and UTC day: figures counted and not yet written. */
export type DailyBatch = Map<ProviderId, Map<string, Map<UtcDate, DayFigures>>>;

export interface OwnerCounts {
  readonly usage: UsageBatch;
  readonly daily: DailyBatch;
}

/**
 * Counts set apart for one write to Keycloak. The id goes with the write (the owner's
 * `byok_usage_batch`), so a batch retried after a write whose answer was lost is not added twice.
 */
export interface StagedBatch {
  readonly id: string;
  readonly counts: OwnerCounts;
}

export const emptyCounts = (): OwnerCounts => ({ usage: new Map(), daily: new Map() });

export const countsEmpty = (counts: OwnerCounts): boolean => counts.usage.size === 0 && counts.daily.size === 0;

/** Adds one key's use (uses summed, the later last use kept), in place. */
export function addUse(into: UsageBatch, provider: ProviderId, keyId: string, used: KeyUsage): void {
  let byKey = into.get(provider);
  if (!byKey) into.set(provider, (byKey = new Map()));
  byKey.set(keyId, combineUsage(byKey.get(keyId), used));
}

/** Adds one key's figures of a day, in place. */
export function addDayOf(into: DailyBatch, provider: ProviderId, keyId: string, date: UtcDate, figures: DayFigures): void {
  let byKey = into.get(provider);
  if (!byKey) into.set(provider, (byKey = new Map()));
  addTo(byKey, keyId, date, figures);
}

/** Adds `from` to `into`, in place; returns `into`. */
export function addCounts(into: OwnerCounts, from: OwnerCounts): OwnerCounts {
  for (const [provider, byKey] of from.usage) for (const [keyId, used] of byKey) addUse(into.usage, provider, keyId, used);
  for (const [provider, byKey] of from.daily) {
    for (const [keyId, days] of byKey) for (const [date, figures] of days) addDayOf(into.daily, provider, keyId, date, figures);
  }
  return into;
}

/** The sum of the parts given (undefined ones skipped); undefined when there is none. */
export function sumCounts(parts: ReadonlyArray<OwnerCounts | undefined>): OwnerCounts | undefined {
  let sum: OwnerCounts | undefined;
  for (const part of parts) if (part && !countsEmpty(part)) addCounts((sum ??= emptyCounts()), part);
  return sum;
}

/** Serves (uses) in the counts: what a log line says was lost or kept. */
export const servesIn = (counts: OwnerCounts): number => [...counts.usage.values()].reduce((sum, byKey) => sum + [...byKey.values()].reduce((n, used) => n + used.uses, 0), 0);
