/**
 * A clock that moves only when told (the vault's Clock port): tests advance it past an expiry, a
 * cooldown or a cache TTL instead of sleeping on the real one.
 */
import type { Clock } from '../../src/vault/ports.js';

export interface FakeClock extends Clock {
  /** Moves the clock forward by `ms` milliseconds. */
  advance(ms: number): void;
  /** The current time as an ISO-8601 string. */
  iso(): string;
}

export function createFakeClock(start: number = Date.parse('2026-01-01T00:00:00Z')): FakeClock {
  let at = start;
  return {
    now: () => at,
    advance: (ms: number) => {
      if (ms < 0) throw new RangeError('a clock does not go back');
      at += ms;
    },
    iso: () => new Date(at).toISOString(),
  };
}
