/**
 * The owners' read-through cache (docs/resolution.md#caching-and-usage) on a fake clock: freshness, one load in flight per key,
 * invalidation that wins over a load in flight, stale-if-error only for an unreachable Keycloak,
 * "no such owner" remembered only for negativeTtlMs and dropped by invalidation and expiry, expiry on
 * demand, and the LRU bounds.
 */
import { AppError } from '../../src/errors.js';
import { createLoadingCache, NOT_CACHED } from '../../src/vault/loading-cache.js';
import { createFakeClock } from '../support/clock.js';

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function cacheOver(load: (key: string) => Promise<string | undefined>, options: { ttlMs?: number; staleIfErrorMs?: number; max?: number; negativeTtlMs?: number } = {}) {
  const clock = createFakeClock();
  const loads: string[] = [];
  const cache = createLoadingCache<string>({
    load: (key) => {
      loads.push(key);
      return load(key);
    },
    ttlMs: options.ttlMs ?? 10_000,
    staleIfErrorMs: options.staleIfErrorMs ?? 0,
    max: options.max ?? 100,
    ...(options.negativeTtlMs === undefined ? {} : { negativeTtlMs: options.negativeTtlMs }),
    clock,
  });
  return { cache, clock, loads };
}

describe('loading cache', () => {
  test('an entry is served from memory for ttlMs on the clock, then loaded again', async () => {
    let version = 0;
    const { cache, clock, loads } = cacheOver(async () => `v${++version}`);
    expect(await cache.get('a')).toBe('v1');
    clock.advance(9_999);
    expect(await cache.get('a')).toBe('v1');
    clock.advance(1);
    expect(await cache.get('a')).toBe('v2');
    expect(loads).toEqual(['a', 'a']);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, loads: 2, size: 1 });
  });

  test('many callers missing at once share one load', async () => {
    const gate = deferred<string>();
    const { cache, loads } = cacheOver(() => gate.promise);
    const answers = Promise.all(Array.from({ length: 50 }, () => cache.get('a')));
    gate.resolve('value');
    expect(await answers).toEqual(Array(50).fill('value'));
    expect(loads).toEqual(['a']);
  });

  test('an invalidation during a load detaches it: its late result is not stored, the next read loads afresh', async () => {
    const gates = [deferred<string>(), deferred<string>()];
    let call = 0;
    const { cache, loads } = cacheOver(() => (gates[call++] as ReturnType<typeof deferred<string>>).promise);
    const early = cache.get('a');
    cache.invalidate('a'); // a write happened after the load started
    const late = cache.get('a');
    gates[1]?.resolve('after the write');
    gates[0]?.resolve('before the write');
    expect(await early).toBe('before the write');
    expect(await late).toBe('after the write');
    expect(await cache.get('a')).toBe('after the write');
    expect(loads).toEqual(['a', 'a']);
  });

  test('while Keycloak is unavailable an entry is served up to staleIfErrorMs past its TTL, and no longer', async () => {
    let down = false;
    const { cache, clock } = cacheOver(
      async () => {
        if (down) throw new AppError('KEYCLOAK_UNAVAILABLE');
        return 'cached';
      },
      { ttlMs: 1_000, staleIfErrorMs: 5_000 },
    );
    await cache.get('a');
    down = true;
    clock.advance(5_999);
    expect(await cache.get('a')).toBe('cached');
    expect(cache.stats().staleServed).toBe(1);
    clock.advance(1);
    await expect(cache.get('a')).rejects.toMatchObject({ code: 'KEYCLOAK_UNAVAILABLE' });
  });

  test('other failures are never hidden by a stale entry', async () => {
    let fail = false;
    const { cache, clock } = cacheOver(
      async () => {
        if (fail) throw new Error('a bug');
        return 'cached';
      },
      { ttlMs: 1_000, staleIfErrorMs: 60_000 },
    );
    await cache.get('a');
    fail = true;
    clock.advance(1_000);
    await expect(cache.get('a')).rejects.toThrow('a bug');
  });

  test('without negativeTtlMs, "no such owner" is not cached: it is asked again on the next read', async () => {
    const { cache, loads } = cacheOver(async () => undefined);
    expect(await cache.get('gone')).toBeUndefined();
    expect(await cache.get('gone')).toBeUndefined();
    expect(loads).toEqual(['gone', 'gone']);
  });

  describe('"not found" remembered for negativeTtlMs', () => {
    test('1,000 reads of an unknown key within negativeTtlMs make one load; after it, one more', async () => {
      const { cache, clock, loads } = cacheOver(async () => undefined, { negativeTtlMs: 30_000 });
      for (let i = 0; i < 1_000; i += 1) expect(await cache.get('unknown')).toBeUndefined();
      expect(loads).toEqual(['unknown']);
      clock.advance(29_999);
      expect(await cache.get('unknown')).toBeUndefined();
      expect(loads).toHaveLength(1);
      clock.advance(1);
      expect(await cache.get('unknown')).toBeUndefined();
      expect(loads).toHaveLength(2);
    });

    test('invalidate (a write, an admin event naming the id) makes an owner created after the miss found at the next read', async () => {
      let exists = false;
      const { cache, loads } = cacheOver(async (key) => (exists ? `${key} is here` : undefined), { negativeTtlMs: 600_000 });
      expect(await cache.get('new-user')).toBeUndefined();
      exists = true;
      expect(await cache.get('new-user')).toBeUndefined(); // still remembered as missing
      cache.invalidate('new-user');
      expect(await cache.get('new-user')).toBe('new-user is here');
      expect(loads).toHaveLength(2);
    });

    test('expireAll drops "not found" entries found before its boundary (or all), not later ones', async () => {
      const { cache, clock, loads } = cacheOver(async () => undefined, { negativeTtlMs: 600_000 });
      await cache.get('old');
      clock.advance(1_000);
      const boundary = clock.now();
      await cache.get('new');
      cache.expireAll(boundary);
      await cache.get('old');
      await cache.get('new');
      expect(loads).toEqual(['old', 'new', 'old']);
      cache.expireAll();
      await cache.get('new');
      expect(loads).toEqual(['old', 'new', 'old', 'new']);
    });

    test('an owner that appears replaces its "not found"; one that disappears replaces its entry', async () => {
      let exists = false;
      const { cache, clock } = cacheOver(async () => (exists ? 'here' : undefined), { ttlMs: 1_000, negativeTtlMs: 60_000 });
      expect(await cache.get('a')).toBeUndefined();
      exists = true;
      cache.invalidate('a');
      expect(await cache.get('a')).toBe('here');
      exists = false;
      clock.advance(1_000); // the entry is due: reloaded, and now missing
      expect(await cache.get('a')).toBeUndefined();
      exists = true;
      expect(await cache.get('a')).toBeUndefined(); // remembered as missing, not served the old entry
    });

    test('a flood of unknown keys is bounded by max and does not push real entries out', async () => {
      const { cache, loads } = cacheOver(async (key) => (key.startsWith('real') ? key : undefined), { max: 3, negativeTtlMs: 60_000 });
      for (const key of ['real-1', 'real-2', 'real-3']) await cache.get(key);
      for (let i = 0; i < 100; i += 1) await cache.get(`unknown-${i}`);
      const before = loads.length;
      for (const key of ['real-1', 'real-2', 'real-3']) expect(await cache.get(key)).toBe(key);
      expect(loads.length).toBe(before); // all three still cached
      await cache.get('unknown-0'); // long pushed out of the 3 "not found" entries kept: asked again
      expect(loads.length).toBe(before + 1);
    });
  });

  test('expireAll(loadedBefore) makes only entries loaded before that time due, and they stay usable if Keycloak is down', async () => {
    let down = false;
    let version = 0;
    const { cache, clock } = cacheOver(
      async (key) => {
        if (down) throw new AppError('KEYCLOAK_UNAVAILABLE');
        return `${key}${++version}`;
      },
      { ttlMs: 60_000, staleIfErrorMs: 60_000 },
    );
    await cache.get('old');
    clock.advance(1_000);
    const boundary = clock.now();
    await cache.get('new');
    cache.expireAll(boundary);
    expect(await cache.get('new')).toBe('new2'); // still fresh: no load
    expect(await cache.get('old')).toBe('old3'); // reloaded
    cache.expireAll();
    down = true;
    expect(await cache.get('old')).toBe('old3'); // due, but served stale while Keycloak is down
  });

  test('the LRU bound keeps at most max entries', async () => {
    const { cache } = cacheOver(async (key) => key, { max: 3 });
    for (const key of ['a', 'b', 'c', 'd', 'e']) await cache.get(key);
    expect(cache.stats().size).toBe(3);
  });
});

describe('peek: what get would answer at once, without loading', () => {
  test('NOT_CACHED before a load, after expiry and after invalidation; the value while fresh; undefined for a fresh "not found"', async () => {
    const { cache, clock, loads } = cacheOver(async (key) => (key === 'known' ? 'value' : undefined), { ttlMs: 1_000, negativeTtlMs: 500 });
    expect(cache.peek('known')).toBe(NOT_CACHED);
    expect(loads).toEqual([]); // peeking never loads
    await cache.get('known');
    expect(cache.peek('known')).toBe('value');
    clock.advance(1_000);
    expect(cache.peek('known')).toBe(NOT_CACHED);
    await cache.get('known');
    cache.invalidate('known');
    expect(cache.peek('known')).toBe(NOT_CACHED);

    await cache.get('gone');
    expect(cache.peek('gone')).toBeUndefined();
    clock.advance(500);
    expect(cache.peek('gone')).toBe(NOT_CACHED);
    expect(loads).toEqual(['known', 'known', 'gone']);
  });
});
