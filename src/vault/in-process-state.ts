/**
 * Single-instance implementations of the resolution state ports: round-robin cursors and cooldowns.
 * Bounded (LRU), so idle owners fall out; with REDIS_URL the shared implementations replace these
 * (docs/scale-out.md).
 */
import { LRUCache } from 'lru-cache';
import { systemClock, type Clock, type Cooldowns, type Cursors } from './ports.js';

export function createInProcessCursors(max = 100_000): Cursors {
  const counters = new LRUCache<string, { n: number }>({ max });
  return {
    next(key: string): number {
      let counter = counters.get(key);
      if (!counter) counters.set(key, (counter = { n: 0 }));
      return counter.n++;
    },
  };
}

/** Cooldowns answered synchronously (also the local mirror of the shared ones, see scale/redis-state.ts). */
export interface LocalCooldowns extends Cooldowns {
  coolDown(keyId: string, untilMs: number): void;
  clear(keyId: string): void;
  cooling(keyIds: readonly string[]): ReadonlyMap<string, number>;
}

export function createInProcessCooldowns(clock: Clock = systemClock, max = 100_000): LocalCooldowns {
  const until = new LRUCache<string, number>({ max });
  return {
    coolDown(keyId: string, untilMs: number): void {
      until.set(keyId, untilMs);
    },
    clear(keyId: string): void {
      until.delete(keyId);
    },
    cooling(keyIds: readonly string[]): ReadonlyMap<string, number> {
      if (until.size === 0) return EMPTY;
      const at = clock.now();
      const cooling = new Map<string, number>();
      for (const keyId of keyIds) {
        const end = until.get(keyId);
        if (end === undefined) continue;
        if (end > at) cooling.set(keyId, end);
        else until.delete(keyId);
      }
      return cooling;
    },
  };
}

const EMPTY: ReadonlyMap<string, number> = new Map();
