/**
 * A bounded read-through cache (docs/resolution.md#caching-and-usage) over a slow, fallible loader (Keycloak):
 * - entries are fresh for `ttlMs`; the LRU bound (`max`) keeps memory flat whatever the user count;
 * - at most one load per key is in flight, however many callers miss at once;
 * - `invalidate` drops the entry and detaches any load in flight, whose late result is then not
 *   stored, so a write by this service is seen by the very next read;
 * - when the loader fails with KEYCLOAK_UNAVAILABLE, an entry up to `ttlMs + staleIfErrorMs` old is
 *   served instead;
 * - "no such owner" (undefined) is remembered for `negativeTtlMs` (0: not at all), in an LRU of its
 *   own bounded by `max` (a flood of unknown ids cannot push real entries out), so a caller looping on
 *   an unknown or deleted id costs the loader one call per `negativeTtlMs`. It is dropped by
 *   `invalidate` (a write, an admin event naming the id: a user created after a miss) and `expireAll`
 *   like any entry, and never served as stale-if-error.
 */
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';
import { systemClock, type Clock } from './ports.js';

interface Entry<V> {
  value: V;
  loadedAt: number;
}

export interface LoadingCacheOptions<V> {
  load: (key: string) => Promise<V | undefined>;
  ttlMs: number;
  staleIfErrorMs: number;
  max: number;
  /** How long "not found" is remembered; 0 (the default): not at all. */
  negativeTtlMs?: number;
  /** Decides freshness; the system clock unless given. */
  clock?: Clock;
}

export interface CacheStats {
  hits: number;
  misses: number;
  loads: number;
  staleServed: number;
  size: number;
}

export type LoadingCache<V> = ReturnType<typeof createLoadingCache<V>>;

/** `peek`'s answer when the cache cannot answer without loading. */
export const NOT_CACHED: unique symbol = Symbol('not cached');

export function createLoadingCache<V>(options: LoadingCacheOptions<V>) {
  const clock = options.clock ?? systemClock;
  const now = () => clock.now();
  const entries = new LRUCache<string, Entry<V>>({ max: options.max });
  const negativeTtlMs = options.negativeTtlMs ?? 0;
  /** Keys found missing, with when. */
  const missing = new LRUCache<string, number>({ max: options.max });
  const inflight = new Map<string, Promise<V | undefined>>();
  const stats = { hits: 0, misses: 0, loads: 0, staleServed: 0 };

  function startLoad(key: string): Promise<V | undefined> {
    stats.loads += 1;
    const flight: Promise<V | undefined> = options.load(key).then(
      (value) => {
        // Store only if this load is still the current one (no invalidation since it started).
        if (inflight.get(key) === flight) {
          inflight.delete(key);
          if (value === undefined) {
            entries.delete(key);
            if (negativeTtlMs > 0) missing.set(key, now());
          } else {
            missing.delete(key);
            entries.set(key, { value, loadedAt: now() });
          }
        }
        return value;
      },
      (error: unknown) => {
        if (inflight.get(key) === flight) inflight.delete(key);
        throw error;
      },
    );
    inflight.set(key, flight);
    return flight;
  }

  return {
    /**
     * What `get` would answer at once, without loading: the fresh value, undefined for a fresh "not
     * found", or `NOT_CACHED` (then call `get`). Counted as a hit like `get`'s. The resolve hot path
     * uses it to answer a cached owner without a promise (docs/performance.md).
     */
    peek(key: string): V | undefined | typeof NOT_CACHED {
      const entry = entries.get(key);
      const at = now();
      if (entry) {
        if (at - entry.loadedAt >= options.ttlMs) return NOT_CACHED;
        stats.hits += 1;
        return entry.value;
      }
      const missedAt = missing.get(key);
      if (missedAt === undefined || at - missedAt >= negativeTtlMs) return NOT_CACHED;
      stats.hits += 1;
      return undefined;
    },
    async get(key: string): Promise<V | undefined> {
      const entry = entries.get(key);
      const at = now();
      if (entry && at - entry.loadedAt < options.ttlMs) {
        stats.hits += 1;
        return entry.value;
      }
      const missedAt = entry ? undefined : missing.get(key);
      if (missedAt !== undefined && at - missedAt < negativeTtlMs) {
        stats.hits += 1;
        return undefined;
      }
      stats.misses += 1;
      try {
        return await (inflight.get(key) ?? startLoad(key));
      } catch (error) {
        const usable = entry && now() - entry.loadedAt < options.ttlMs + options.staleIfErrorMs;
        if (usable && error instanceof AppError && error.code === 'KEYCLOAK_UNAVAILABLE') {
          stats.staleServed += 1;
          return entry.value;
        }
        throw error;
      }
    },
    invalidate(key: string): void {
      entries.delete(key);
      missing.delete(key);
      inflight.delete(key);
    },
    /**
     * Every entry (or every entry loaded before `loadedBefore`) is due for a reload now, but stays
     * usable within the stale-if-error window (after a scale-out instance missed invalidations, or
     * when Keycloak's admin events cannot vouch for the entries: a Keycloak outage at that moment
     * still finds them). Loads in flight are detached only when every entry expires. "Not found"
     * entries from before are dropped (a user created meanwhile is found at the next read).
     */
    expireAll(loadedBefore?: number): void {
      for (const [key, missedAt] of [...missing.entries()]) if (loadedBefore === undefined || missedAt < loadedBefore) missing.delete(key);
      const due = now() - options.ttlMs;
      for (const [key, entry] of [...entries.entries()]) {
        if (entry.loadedAt > due && (loadedBefore === undefined || entry.loadedAt < loadedBefore)) {
          entries.set(key, { value: entry.value, loadedAt: due }, { noUpdateTTL: true });
        }
      }
      if (loadedBefore === undefined) inflight.clear();
    },
    stats: (): CacheStats => ({ ...stats, size: entries.size }),
  };
}
