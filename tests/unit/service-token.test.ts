/**
 * Token cache behaviour over time, with a fake token endpoint and a fake clock (the real endpoint is
 * covered by tests/integration/service-token.test.ts).
 */
import { createServiceTokenCache } from '../../src/keycloak/service-token.js';

function fakeEndpoint(lifetimeSeconds = 300) {
  const state = { requests: 0, fail: false, pending: [] as Array<() => void> };
  const endpoint: typeof fetch = async () => {
    state.requests += 1;
    const n = state.requests;
    if (state.fail) throw new TypeError('fetch failed');
    await new Promise<void>((resolve) => state.pending.push(resolve));
    return new Response(JSON.stringify({ access_token: `token-${n}`, expires_in: lifetimeSeconds }), { status: 200 });
  };
  const release = async () => {
    while (state.pending.length) state.pending.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { endpoint, state, release };
}

function cacheWith(endpoint: typeof fetch, clock: { now: number }) {
  return createServiceTokenCache({
    tokenUrl: 'http://kc.invalid/token',
    clientId: 'c',
    clientSecret: 's',
    timeoutMs: 1000,
    refreshSkewSeconds: 30,
    now: () => clock.now,
    fetch: endpoint,
  });
}

describe('service token cache', () => {
  test('callers waiting for the first token share one request', async () => {
    const { endpoint, state, release } = fakeEndpoint();
    const tokens = cacheWith(endpoint, { now: 0 });
    const waiting = Promise.all(Array.from({ length: 100 }, () => tokens.get()));
    await release();
    expect(new Set(await waiting)).toEqual(new Set(['token-1']));
    expect(state.requests).toBe(1);
  });

  test('the token is reused until the refresh window, then renewed once in the background', async () => {
    const clock = { now: 0 };
    const { endpoint, state, release } = fakeEndpoint(300);
    const tokens = cacheWith(endpoint, clock);
    const first = tokens.get();
    await release();
    expect(await first).toBe('token-1');

    clock.now = 269_000; // 31 s before expiry: still fresh
    expect(await tokens.get()).toBe('token-1');
    expect(state.requests).toBe(1);

    clock.now = 271_000; // inside the 30 s window: current token served, one renewal started
    expect(await Promise.all([tokens.get(), tokens.get(), tokens.get()])).toEqual(['token-1', 'token-1', 'token-1']);
    expect(state.requests).toBe(2);
    await release();
    expect(await tokens.get()).toBe('token-2');
    expect(state.requests).toBe(2);
  });

  test('an expired token is never handed out', async () => {
    const clock = { now: 0 };
    const { endpoint, release } = fakeEndpoint(60);
    const tokens = cacheWith(endpoint, clock);
    const first = tokens.get();
    await release();
    await first;
    clock.now = 61_000;
    const next = tokens.get();
    await release();
    expect(await next).toBe('token-2');
  });

  test('the skew is capped at a fifth of a short lifetime', async () => {
    const clock = { now: 0 };
    const { endpoint, state, release } = fakeEndpoint(60); // skew 30 s > 60/5 = 12 s
    const tokens = cacheWith(endpoint, clock);
    const first = tokens.get();
    await release();
    await first;
    clock.now = 47_000;
    await tokens.get();
    expect(state.requests).toBe(1);
    clock.now = 49_000;
    await tokens.get();
    expect(state.requests).toBe(2);
  });

  test('invalidate drops only the token it names', async () => {
    const clock = { now: 0 };
    const { endpoint, state, release } = fakeEndpoint();
    const tokens = cacheWith(endpoint, clock);
    const first = tokens.get();
    await release();
    await first;
    tokens.invalidate('some-older-token');
    expect(await tokens.get()).toBe('token-1');
    tokens.invalidate('token-1');
    const next = tokens.get();
    await release();
    expect(await next).toBe('token-2');
    expect(state.requests).toBe(2);
  });

  test('a failed request is KEYCLOAK_UNAVAILABLE, and the next caller tries again', async () => {
    const clock = { now: 0 };
    const { endpoint, state, release } = fakeEndpoint();
    const tokens = cacheWith(endpoint, clock);
    state.fail = true;
    await expect(tokens.get()).rejects.toMatchObject({ code: 'KEYCLOAK_UNAVAILABLE', retryAfterSeconds: 5 });
    state.fail = false;
    const retry = tokens.get();
    await release();
    expect(await retry).toBe('token-2');
  });
});
