/**
 * Resolution (docs/resolution.md) on the domain's own ports: the in-memory owner store, in-process cursors and
 * cooldowns, the real key service, loading caches and usage tracker, and a fake clock that moves
 * instead of the tests sleeping. The same behaviour against Keycloak is in
 * tests/integration/resolve.test.ts.
 */
import { randomBytes } from 'node:crypto';
import { createEnvelopeCodec } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { AppError } from '../../src/errors.js';
import { createProviderRegistry, type ProviderId } from '../../src/providers/registry.js';
import { DEFAULT_CHAIN, parseChain, type ChainStep } from '../../src/vault/chain.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createInProcessCooldowns, createInProcessCursors } from '../../src/vault/in-process-state.js';
import { createKeyService, createUsageWriter } from '../../src/vault/key-service.js';
import { createLoadingCache } from '../../src/vault/loading-cache.js';
import { ownerKey, parseOwnerKey, type OwnerRef } from '../../src/vault/ports.js';
import { createRecordOpener } from '../../src/vault/record-opener.js';
import { createResolver, toResolvable, type ResolvableOwner, type ResolveRequest } from '../../src/vault/resolver.js';
import { createUsageTracker } from '../../src/vault/usage-tracker.js';
import { createFakeClock } from '../support/clock.js';
import { createInMemoryStore } from '../support/in-memory-store.js';
import { testApiKey } from '../support/secrets.js';

const parsedKeyring = parseKeyring(`1:${randomBytes(32).toString('base64')}`);
if (!parsedKeyring.ok) throw new Error('keyring');
const keyring = parsedKeyring.keyring;

interface WorldOptions {
  chain?: readonly ChainStep[];
  fallbackProvider?: ProviderId;
  systemKeys?: Partial<Record<ProviderId, string[]>>;
  /** Shared cursors answer through a promise (as Redis's do); in-process ones at once. */
  sharedCursors?: boolean;
}

/** In-process cursors behind a promise, the shape of the Redis ones. */
function promisedCursors() {
  const inner = createInProcessCursors();
  return { next: async (key: string) => inner.next(key) };
}

function world(options: WorldOptions = {}) {
  const clock = createFakeClock();
  const memory = createInMemoryStore();
  const codec = createEnvelopeCodec(keyring);
  const registry = createProviderRegistry();
  const warnings: Array<Record<string, unknown>> = [];
  const log = { warn: (fields: Record<string, unknown>) => void warnings.push(fields) };
  const opener = createRecordOpener(codec, log);
  const locks = createInProcessLocks();
  const groupsOf = new Map<string, { id: string; path: string }[]>();
  const owners = createLoadingCache<ResolvableOwner>({
    load: async (key) => {
      const stored = await memory.store.load(parseOwnerKey(key));
      return stored && toResolvable(stored, opener, codec);
    },
    ttlMs: 60_000,
    staleIfErrorMs: 0,
    max: 1_000,
    clock,
  });
  const memberships = createLoadingCache({ load: async (userId) => groupsOf.get(userId) ?? [], ttlMs: 60_000, staleIfErrorMs: 0, max: 1_000, clock });
  const usage = createUsageTracker({ write: createUsageWriter({ store: memory.store, locks, clock, daysKept: 30 }).recordUsage, clock, log, daysKept: 30 });
  const keys = createKeyService({
    store: memory.store,
    locks,
    codec,
    registry,
    tester: { test: async () => ({ status: 'valid', testedAt: clock.iso() }) },
    checkBaseUrl: async (raw) => ({ ok: true, url: new URL(raw) }),
    limits: { minTier: 'free', maxKeysPerProvider: 10, perTier: {} },
    clock,
    log,
    onWrite: (owner) => owners.invalidate(ownerKey(owner)),
    unpersisted: (owner, storedBatch) => usage.unpersisted(owner, storedBatch),
  });
  const steps: Array<{ source: string; stepIndex: number }> = [];
  const resolver = createResolver({
    owners,
    memberships,
    registry,
    cursors: options.sharedCursors ? promisedCursors() : createInProcessCursors(),
    cooldowns: createInProcessCooldowns(clock),
    systemKeys: new Map(Object.entries(options.systemKeys ?? {}) as [ProviderId, string[]][]),
    chain: options.chain ?? DEFAULT_CHAIN,
    fallbackProvider: options.fallbackProvider,
    defaultCooldownSeconds: 60,
    usage,
    markUnhealthy: (owner, provider, keyId, issue) => keys.markUnhealthy(owner, provider, keyId, issue),
    clock,
    log,
    onResolved: (source, stepIndex) => void steps.push({ source, stepIndex }),
  });

  const newOwner = (kind: 'user' | 'group'): OwnerRef => {
    const owner = { kind, id: randomBytes(6).toString('hex') };
    memory.addOwner(owner, kind === 'user' ? 'starter' : undefined);
    return owner;
  };
  return {
    clock,
    memory,
    keys,
    resolver,
    usage,
    owners,
    steps,
    warnings,
    user: () => newOwner('user'),
    group: (...members: OwnerRef[]) => {
      const group = newOwner('group');
      for (const member of members) groupsOf.set(member.id, [...(groupsOf.get(member.id) ?? []), { id: group.id, path: `/${group.id}` }]);
      return group;
    },
    async addKey(owner: OwnerRef, provider: ProviderId, extra: { expiresAt?: string } = {}) {
      const secret = testApiKey(provider);
      const view = await keys.add(owner, { provider, apiKey: secret, ...extra });
      return { id: view.id, secret };
    },
    /** Resolves and returns the served key id, or the NO_KEY_AVAILABLE error. */
    async served(request: ResolveRequest): Promise<string | undefined> {
      return (await resolver.resolve(request)).keyId;
    },
    async refusal(request: ResolveRequest): Promise<AppError> {
      const error = await Promise.resolve(resolver.resolve(request)).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      if (!(error instanceof AppError)) throw new Error(`expected an AppError, got ${String(error)}`);
      return error;
    },
  };
}

describe('the fallback chain (default: user, group, user fallback, group fallback, system, system fallback)', () => {
  // Requested provider openai (from the model), fallback provider anthropic.
  const place = ['user:openai', 'group:openai', 'user:anthropic', 'group:anthropic', 'system:openai', 'system:anthropic'] as const;

  test.each(place.map((where, index) => [index, where] as const))('step %i (%s) serves when every earlier step has nothing, before every later step', async (index) => {
    const later = place.slice(index);
    const systemKeys = Object.fromEntries(later.filter((where) => where.startsWith('system:')).map((where) => [where.slice(7), [testApiKey(where.slice(7))]]));
    const w = world({ fallbackProvider: 'anthropic', systemKeys });
    const user = w.user();
    const group = w.group(user);
    const expected: Record<string, string> = {};
    // Keys in this step and every later one; none in the earlier ones.
    for (const where of later) {
      const [kind, provider] = where.split(':') as ['user' | 'group' | 'system', ProviderId];
      if (kind === 'system') expected[where] = `system-${provider}-1`;
      else expected[where] = (await w.addKey(kind === 'user' ? user : group, provider)).id;
    }
    const answer = await w.resolver.resolve({ userId: user.id, model: 'gpt-4o' });
    const [source, provider] = (place[index] as string).split(':');
    expect(answer).toMatchObject({ source, provider, keyId: expected[place[index] as string] });
    expect(w.steps.at(-1)).toEqual({ source, stepIndex: index });
  });

  test('the team step tries the groups in path order, or only the group named', async () => {
    const w = world();
    const user = w.user();
    const first = w.group(user);
    const second = w.group(user);
    await w.addKey(first, 'openai');
    const secondKey = await w.addKey(second, 'openai');
    const byDefault = await w.served({ userId: user.id, provider: 'openai' });
    expect(byDefault).not.toBe(secondKey.id);
    expect(await w.served({ userId: user.id, provider: 'openai', groupId: second.id })).toBe(secondKey.id);
    // A group the user is not in is never used, even when named.
    const foreign = w.group();
    await w.addKey(foreign, 'groq');
    expect((await w.refusal({ userId: user.id, provider: 'groq', groupId: foreign.id })).details).toMatchObject({ reason: 'no_key' });
  });

  test('strict users get only their own keys, of the requested or the fallback provider', async () => {
    const w = world({ fallbackProvider: 'anthropic', systemKeys: { openai: [testApiKey('openai')] } });
    const user = w.user();
    const group = w.group(user);
    await w.addKey(group, 'openai');
    await w.keys.setPreferences(user, { strict: true });
    const refused = await w.refusal({ userId: user.id, model: 'gpt-4o' });
    expect(refused.code).toBe('NO_KEY_AVAILABLE');
    expect(refused.details).toMatchObject({ reason: 'no_key', strict: true, provider: 'openai', fallbackProvider: 'anthropic' });
    const own = await w.addKey(user, 'anthropic');
    expect(await w.resolver.resolve({ userId: user.id, model: 'gpt-4o' })).toMatchObject({ source: 'user', provider: 'anthropic', keyId: own.id });
  });

  test('allowSystemFallback: false skips platform keys only', async () => {
    const w = world({ systemKeys: { openai: [testApiKey('openai')] } });
    const user = w.user();
    const group = w.group(user);
    expect(await w.served({ userId: user.id, provider: 'openai' })).toBe('system-openai-1');
    expect((await w.refusal({ userId: user.id, provider: 'openai', allowSystemFallback: false })).details).toMatchObject({ reason: 'no_key' });
    const team = await w.addKey(group, 'openai');
    expect(await w.served({ userId: user.id, provider: 'openai', allowSystemFallback: false })).toBe(team.id);
  });

  test('a custom chain (RESOLUTION_CHAIN) is followed in its own order, and steps it leaves out are never tried', async () => {
    const w = world({ chain: parseChain('system:requested, user:requested'), systemKeys: { openai: [testApiKey('openai')] } });
    const user = w.user();
    await w.addKey(user, 'openai');
    expect(await w.served({ userId: user.id, provider: 'openai' })).toBe('system-openai-1');
    const other = w.user();
    const team = w.group(other);
    await w.addKey(team, 'groq');
    // No group step in this chain: the team key is not served.
    expect((await w.refusal({ userId: other.id, provider: 'groq' })).details).toMatchObject({ reason: 'no_key' });
  });

  test('a model nobody claims goes to the fallback provider, and without one is UNKNOWN_MODEL', async () => {
    const withFallback = world({ fallbackProvider: 'openrouter' });
    const user = withFallback.user();
    const key = await withFallback.addKey(user, 'openrouter');
    expect(await withFallback.resolver.resolve({ userId: user.id, model: 'some-lab/new-model' })).toMatchObject({ provider: 'openrouter', keyId: key.id, model: 'some-lab/new-model' });
    const without = world();
    expect((await without.refusal({ userId: without.user().id, model: 'some-lab/new-model' })).code).toBe('UNKNOWN_MODEL');
  });
});

describe('round-robin', () => {
  test('three keys are served in creation order, each within ±1 of the others after any number of resolves', async () => {
    const w = world();
    const user = w.user();
    const ids: string[] = [];
    for (let n = 0; n < 3; n += 1) {
      ids.push((await w.addKey(user, 'openai')).id);
      w.clock.advance(1_000); // distinct createdAt: docs/storage.md#key-records order is by creation time
    }
    const counts = new Map(ids.map((id) => [id, 0]));
    const order: string[] = [];
    for (let n = 0; n < 31; n += 1) {
      const id = (await w.served({ userId: user.id, provider: 'openai' })) as string;
      order.push(id);
      counts.set(id, (counts.get(id) ?? 0) + 1);
      const values = [...counts.values()];
      expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
    }
    expect(order.slice(0, 6)).toEqual([...ids, ...ids]);
  });

  test('each owner has its own cursor: one user resolving does not move another user through their keys', async () => {
    const w = world();
    const [a, b] = [w.user(), w.user()];
    const aKeys = [await w.addKey(a, 'openai'), await w.addKey(a, 'openai')];
    await w.addKey(b, 'openai');
    const first = await w.served({ userId: a.id, provider: 'openai' });
    for (let n = 0; n < 5; n += 1) await w.served({ userId: b.id, provider: 'openai' });
    const second = await w.served({ userId: a.id, provider: 'openai' });
    expect(new Set([first, second])).toEqual(new Set(aKeys.map((key) => key.id)));
  });

  test('a failover (the keys tried excluded) serves the key after the last one tried, in order, and does not move the turn', async () => {
    const w = world();
    const user = w.user();
    const ids: string[] = [];
    for (let n = 0; n < 4; n += 1) {
      ids.push((await w.addKey(user, 'openai')).id);
      w.clock.advance(1_000);
    }
    const ask = { userId: user.id, provider: 'openai' as const };
    // The turn is at the first key; it fails, then the second: the third and the fourth follow.
    expect(await w.served(ask)).toBe(ids[0]);
    expect(await w.served({ ...ask, exclude: new Set([ids[0]!]) })).toBe(ids[1]);
    expect(await w.served({ ...ask, exclude: new Set([ids[0]!, ids[1]!]) })).toBe(ids[2]);
    // Wrapping: the last key fails, the first is next.
    expect(await w.served({ ...ask, exclude: new Set([ids[3]!]) })).toBe(ids[0]);
    // The failovers did not step the cursor: the plain turn goes on with the second key.
    expect(await w.served(ask)).toBe(ids[1]);
    // Everything tried: nothing left.
    expect((await w.refusal({ ...ask, exclude: new Set(ids) })).code).toBe('NO_KEY_AVAILABLE');
  });

  test('platform keys fail over in order too', async () => {
    const w = world({ systemKeys: { openai: [testApiKey('openai'), `${testApiKey('openai')}2`, `${testApiKey('openai')}3`] } });
    const user = w.user();
    const ask = { userId: user.id, provider: 'openai' as const };
    expect(await w.served(ask)).toBe('system-openai-1');
    expect(await w.served({ ...ask, exclude: new Set(['system-openai-1']) })).toBe('system-openai-2');
    expect(await w.served({ ...ask, exclude: new Set(['system-openai-1', 'system-openai-2']) })).toBe('system-openai-3');
  });

  test('every serve of a stored key is counted, with the clock time, for the next usage flush', async () => {
    const w = world();
    const user = w.user();
    const key = await w.addKey(user, 'openai');
    await w.served({ userId: user.id, provider: 'openai' });
    w.clock.advance(5_000);
    await w.served({ userId: user.id, provider: 'openai' });
    expect((await w.usage.unpersisted(user))?.usage.get('openai')?.get(key.id)).toEqual({ uses: 2, lastUsedAt: w.clock.now() });
    expect(w.usage.sources()).toEqual({ user: 2, group: 0, system: 0 });
  });
});

describe('what may be served (rules.ts isServable)', () => {
  test('disabled, expired, tested invalid, reported and undecryptable keys are skipped; the others served', async () => {
    const w = world();
    const user = w.user();
    const steady = await w.addKey(user, 'openai');
    const flaky = await w.addKey(user, 'openai');
    const servedIn = async (n: number) => {
      const ids = new Set<string | undefined>();
      for (let i = 0; i < n; i += 1) ids.add(await w.served({ userId: user.id, provider: 'openai' }));
      return ids;
    };
    expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

    await w.keys.update(user, 'openai', flaky.id, { enabled: false });
    expect(await servedIn(4)).toEqual(new Set([steady.id]));
    await w.keys.update(user, 'openai', flaky.id, { enabled: true, expiresAt: new Date(w.clock.now() + 60_000).toISOString() });
    expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));
    w.clock.advance(60_000); // the expiry is reached without any write (the cache entry is still fresh)
    expect(await servedIn(4)).toEqual(new Set([steady.id]));
    await w.keys.update(user, 'openai', flaky.id, { expiresAt: null });

    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: flaky.id, outcome: 'unauthorized' });
    expect(await servedIn(4)).toEqual(new Set([steady.id]));
    await w.keys.test(user, 'openai', flaky.id); // a passing test puts it back
    expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

    // A value sealed for another owner does not decrypt here: skipped, logged by id, never served.
    const other = w.user();
    await w.addKey(other, 'openai');
    w.memory.putSealed(user, 'openai', [...w.memory.sealedOf(user, 'openai'), ...w.memory.sealedOf(other, 'openai')]);
    w.owners.invalidate(ownerKey(user));
    expect(await servedIn(6)).toEqual(new Set([steady.id, flaky.id]));
    expect(w.warnings.length).toBeGreaterThan(0);
  });
});

describe('cooldowns and why nothing is served (404 NO_KEY_AVAILABLE details.reason)', () => {
  test('a rate-limited key sits out retryAfterSeconds on the clock, then comes back; ok ends it early', async () => {
    const w = world();
    const user = w.user();
    const [a, b] = [await w.addKey(user, 'openai'), await w.addKey(user, 'openai')];
    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: a.id, outcome: 'rate_limited', retryAfterSeconds: 30 });
    for (let n = 0; n < 4; n += 1) expect(await w.served({ userId: user.id, provider: 'openai' })).toBe(b.id);
    w.clock.advance(29_999);
    expect(await w.served({ userId: user.id, provider: 'openai' })).toBe(b.id);
    w.clock.advance(1);
    const back = new Set([await w.served({ userId: user.id, provider: 'openai' }), await w.served({ userId: user.id, provider: 'openai' })]);
    expect(back).toEqual(new Set([a.id, b.id]));

    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: a.id, outcome: 'rate_limited' }); // default 60 s
    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: a.id, outcome: 'ok' });
    expect(new Set([await w.served({ userId: user.id, provider: 'openai' }), await w.served({ userId: user.id, provider: 'openai' })])).toEqual(new Set([a.id, b.id]));
  });

  test('every key cooling down: reason cooling_down, with Retry-After until the first comes back', async () => {
    const w = world({ systemKeys: { groq: [testApiKey('groq')] } });
    const user = w.user();
    const [a, b] = [await w.addKey(user, 'groq'), await w.addKey(user, 'groq')];
    await w.resolver.report({ userId: user.id, provider: 'groq', keyId: a.id, outcome: 'rate_limited', retryAfterSeconds: 120 });
    await w.resolver.report({ userId: user.id, provider: 'groq', keyId: b.id, outcome: 'rate_limited', retryAfterSeconds: 45 });
    await w.resolver.report({ userId: user.id, provider: 'groq', keyId: 'system-groq-1', outcome: 'rate_limited', retryAfterSeconds: 90 });
    const waiting = await w.refusal({ userId: user.id, provider: 'groq' });
    expect([waiting.code, waiting.retryAfterSeconds]).toEqual(['NO_KEY_AVAILABLE', 45]);
    expect(waiting.details).toMatchObject({ reason: 'cooling_down', retryAfterSeconds: 45, provider: 'groq' });
    w.clock.advance(44_500);
    expect((await w.refusal({ userId: user.id, provider: 'groq' })).retryAfterSeconds).toBe(1); // rounded up, never 0
    w.clock.advance(500);
    expect(await w.served({ userId: user.id, provider: 'groq' })).toBe(b.id);
  });

  test('keys that may not be served at all (not merely cooling): reason no_key, no Retry-After', async () => {
    const w = world();
    const user = w.user();
    const none = await w.refusal({ userId: user.id, provider: 'openai' });
    expect([none.code, none.retryAfterSeconds, none.details]).toEqual(['NO_KEY_AVAILABLE', undefined, { provider: 'openai', strict: false, reason: 'no_key' }]);
    // A cooling key beside a disabled one: the caller can wait for the cooling one.
    const [a, b] = [await w.addKey(user, 'openai'), await w.addKey(user, 'openai')];
    await w.keys.update(user, 'openai', a.id, { enabled: false });
    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: b.id, outcome: 'rate_limited', retryAfterSeconds: 10 });
    expect((await w.refusal({ userId: user.id, provider: 'openai' })).details).toMatchObject({ reason: 'cooling_down', retryAfterSeconds: 10 });
    // Reported unauthorized (stored on the key): waiting does not help; ask the user.
    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: b.id, outcome: 'unauthorized' });
    expect((await w.refusal({ userId: user.id, provider: 'openai' })).details).toMatchObject({ reason: 'no_key' });
  });

  test('a disabled user: reason user_disabled, even with keys at every step', async () => {
    const w = world({ systemKeys: { openai: [testApiKey('openai')] } });
    const user = w.user();
    await w.addKey(user, 'openai');
    await w.addKey(w.group(user), 'openai');
    w.memory.setEnabled(user, false);
    w.owners.invalidate(ownerKey(user));
    const refused = await w.refusal({ userId: user.id, provider: 'openai' });
    expect([refused.code, refused.details]).toEqual(['NO_KEY_AVAILABLE', { provider: 'openai', reason: 'user_disabled' }]);
  });

  test('a platform key reported unauthorized cools down for an hour (it lives in the environment)', async () => {
    const w = world({ systemKeys: { openai: [testApiKey('openai')] } });
    const user = w.user();
    expect(await w.resolver.report({ userId: user.id, provider: 'openai', keyId: 'system-openai-1', outcome: 'unauthorized' })).toBe('system');
    expect((await w.refusal({ userId: user.id, provider: 'openai' })).retryAfterSeconds).toBe(3600);
    w.clock.advance(3_600_000);
    expect(await w.served({ userId: user.id, provider: 'openai' })).toBe('system-openai-1');
  });

  test('an unknown user is OWNER_NOT_FOUND, and a report of a key the user could not have been served is KEY_NOT_FOUND', async () => {
    const w = world();
    expect((await w.refusal({ userId: 'no-such-user', provider: 'openai' })).code).toBe('OWNER_NOT_FOUND');
    const user = w.user();
    const stranger = w.user();
    const theirs = await w.addKey(stranger, 'openai');
    await expect(w.resolver.report({ userId: user.id, provider: 'openai', keyId: theirs.id, outcome: 'rate_limited' })).rejects.toMatchObject({ code: 'KEY_NOT_FOUND' });
  });
});

describe('a cached user\'s own key is answered at once (no promise), in the same turn as the full chain', () => {
  const isPromise = (value: unknown) => value instanceof Promise;
  /** Two keys served in turn: each once in the first two serves, then the same order again. */
  const expectAlternating = (served: Array<string | undefined>, keys: string[]) => {
    expect([...served.slice(0, 2)].sort()).toEqual([...keys].sort());
    expect(served.slice(2)).toEqual(served.slice(0, 2));
  };

  test('the first resolve loads the user (a promise); the next ones answer at once, keeping the round-robin order across both paths', async () => {
    const w = world();
    const user = w.user();
    const a = await w.addKey(user, 'openai');
    const b = await w.addKey(user, 'openai');
    const request = { userId: user.id, provider: 'openai' as const };
    const first = w.resolver.resolve(request);
    expect(isPromise(first)).toBe(true);
    const served = [(await first).keyId];
    for (let i = 0; i < 3; i += 1) {
      const answer = w.resolver.resolve(request);
      expect(isPromise(answer)).toBe(false);
      served.push((answer as Awaited<typeof first>).keyId);
    }
    expectAlternating(served, [a.id, b.id]);
    // The secret is decrypted on use, and the serve counted as the full chain counts it.
    const secretOf = new Map([a, b].map((key) => [key.id, key.secret]));
    expect(((await w.resolver.resolve(request)) as { apiKey: string }).apiKey).toBe(secretOf.get(served[0] as string));
    expect(w.steps.at(-1)).toEqual({ source: 'user', stepIndex: 0 });
  });

  test('secrets are served exactly, plain or with characters JSON escapes in the stored record (quote, backslash)', async () => {
    // A plain secret is decrypted alone from its bytes in the record, the others with the whole record.
    const w = world();
    const user = w.user();
    const secrets = [`${testApiKey('meta')}"q`, `${testApiKey('meta')}\\b`, testApiKey('meta'), `"${testApiKey('meta')}"`];
    for (const apiKey of secrets) await w.keys.add(user, { provider: 'meta', apiKey });
    const served: string[] = [];
    for (let i = 0; i < 8; i += 1) served.push((await w.resolver.resolve({ userId: user.id, provider: 'meta' })).apiKey);
    expect([...served].sort()).toEqual([...secrets, ...secrets].sort());
  });

  test('whatever the user step cannot serve goes through the whole chain: team keys, a failover, cooling keys, an unknown model', async () => {
    const w = world({ systemKeys: { openai: [testApiKey('openai')] } });
    const user = w.user();
    const team = w.group(user);
    const teamKey = await w.addKey(team, 'openai');
    await w.served({ userId: user.id, provider: 'openai' }); // warms the cache
    const viaTeam = w.resolver.resolve({ userId: user.id, provider: 'openai' });
    expect(isPromise(viaTeam)).toBe(true);
    expect((await viaTeam).keyId).toBe(teamKey.id);

    const own = await w.addKey(user, 'openai');
    await w.served({ userId: user.id, provider: 'openai' });
    const failover = w.resolver.resolve({ userId: user.id, provider: 'openai', exclude: new Set([own.id]) });
    expect(isPromise(failover)).toBe(true);
    expect((await failover).keyId).toBe(teamKey.id);

    await w.resolver.report({ userId: user.id, provider: 'openai', keyId: own.id, outcome: 'rate_limited', retryAfterSeconds: 30 });
    const cooling = w.resolver.resolve({ userId: user.id, provider: 'openai' });
    expect(isPromise(cooling)).toBe(true);
    expect((await cooling).keyId).toBe(teamKey.id);

    // Errors are never thrown synchronously, even when found before any owner is read.
    const unknown = w.resolver.resolve({ userId: user.id, model: 'nobody-knows-this-model' });
    expect(isPromise(unknown)).toBe(true);
    await expect(unknown).rejects.toMatchObject({ code: 'UNKNOWN_MODEL' });
  });

  test('each resolve looks the user up in the owner cache once, whichever path serves it', async () => {
    const w = world();
    const user = w.user();
    const team = w.group(user);
    await w.addKey(team, 'openai');
    await w.served({ userId: user.id, provider: 'openai' }); // loads the user: a miss
    const before = w.owners.stats();
    await w.served({ userId: user.id, provider: 'openai' }); // no own key: the whole chain serves the team key (user and team: 2 hits)
    await w.addKey(user, 'openai');
    await w.served({ userId: user.id, provider: 'openai' }); // reloaded after the write: a miss
    w.resolver.resolve({ userId: user.id, provider: 'openai' }); // answered at once: 1 hit
    const after = w.owners.stats();
    expect(after.hits - before.hits).toBe(3);
    expect(after.misses - before.misses).toBe(1);
  });

  test('a chain that does not start with the user\'s own keys is always walked whole', async () => {
    const w = world({ chain: parseChain('group:requested,user:requested') });
    const user = w.user();
    const own = await w.addKey(user, 'openai');
    await w.served({ userId: user.id, provider: 'openai' });
    const answer = w.resolver.resolve({ userId: user.id, provider: 'openai' });
    expect(isPromise(answer)).toBe(true);
    expect((await answer).keyId).toBe(own.id);
  });

  test('shared cursors (Redis) answer through a promise, in the same order', async () => {
    const w = world({ sharedCursors: true });
    const user = w.user();
    const a = await w.addKey(user, 'openai');
    const b = await w.addKey(user, 'openai');
    const served = [];
    for (let i = 0; i < 4; i += 1) {
      const answer = w.resolver.resolve({ userId: user.id, provider: 'openai' });
      expect(isPromise(answer)).toBe(true);
      served.push((await answer).keyId);
    }
    expectAlternating(served, [a.id, b.id]);
  });
});
