/**
 * Resolution (docs/resolution.md) against the real Keycloak: round-robin, skipping of keys that may not be
 * served and their return, the fallback chain step by step, health reports, and freshness after
 * writes.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { createFakeClock } from '../support/clock.js';
import { startFakeProvider } from '../support/fake-provider.js';
import { masterAdmin, userToken } from '../support/keycloak.js';
import { internalToken, keyedUser, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';

describe('round-robin', () => {
  test('with 3 usable keys, 300 resolves serve each exactly 100 times, in creation order', async () => {
    const { app } = createTestService();
    const user = await keyedUser(app);
    const keys = [await user.addKey('openai'), await user.addKey('openai'), await user.addKey('openai')];
    const { resolve } = resolver(app, await internalToken());
    const served: string[] = [];
    for (let n = 0; n < 300; n += 1) {
      const response = await resolve({ userId: user.id, model: 'gpt-4o' });
      expect(response.status).toBe(200);
      served.push(response.body.keyId);
    }
    expect(served.slice(0, 6)).toEqual([...keys.map((k) => k.id), ...keys.map((k) => k.id)]);
    for (const key of keys) expect(served.filter((id) => id === key.id)).toHaveLength(100);
    const first = await resolve({ userId: user.id, model: 'openai/gpt-4o-mini' });
    expect(first.body).toMatchObject({ provider: 'openai', model: 'gpt-4o-mini', source: 'user', baseUrl: 'https://api.openai.com/v1', apiKey: keys[0]?.secret });
    expect(first.headers['cache-control']).toBe('no-store');
  });

  test('disabled, expired, undecryptable, cooling-down and invalid keys are skipped and come back when they should', async () => {
    const fake = await startFakeProvider();
    // The service's clock moves when the test says so: expiry and cooldowns without sleeping.
    const clock = createFakeClock(Date.now());
    const { app } = createTestService({ OPENAI_BASE_URL: fake.url }, { clock });
    try {
      const user = await keyedUser(app);
      const steady = await user.addKey('openai');
      const flaky = await user.addKey('openai');
      const as = (req: request.Test) => req.set('Authorization', `Bearer ${user.token}`);
      const { resolve, report } = resolver(app, await internalToken());
      const servedIn = async (n: number) => {
        const ids = new Set<string>();
        for (let i = 0; i < n; i += 1) ids.add((await resolve({ userId: user.id, provider: 'openai' })).body.keyId);
        return ids;
      };
      expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

      // Disabled, then enabled again.
      await as(request(app).patch(`/api/v1/byok/keys/openai/${flaky.id}`)).send({ enabled: false });
      expect(await servedIn(4)).toEqual(new Set([steady.id]));
      await as(request(app).patch(`/api/v1/byok/keys/openai/${flaky.id}`)).send({ enabled: true });
      expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

      // Expired, then its expiry lifted.
      await as(request(app).patch(`/api/v1/byok/keys/openai/${flaky.id}`)).send({ expiresAt: new Date(clock.now() + 3_600_000).toISOString() });
      expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));
      clock.advance(3_600_000);
      expect(await servedIn(4)).toEqual(new Set([steady.id]));
      await as(request(app).patch(`/api/v1/byok/keys/openai/${flaky.id}`)).send({ expiresAt: null });
      expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

      // Cooling down after a rate limit, back after retryAfterSeconds.
      expect((await report({ userId: user.id, provider: 'openai', keyId: flaky.id, outcome: 'rate_limited', retryAfterSeconds: 120 })).status).toBe(204);
      expect(await servedIn(4)).toEqual(new Set([steady.id]));
      clock.advance(119_000);
      expect(await servedIn(4)).toEqual(new Set([steady.id]));
      clock.advance(1_000);
      expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

      // Tested invalid (the provider says 401), back once a test passes.
      fake.setResponse(401);
      await as(request(app).post(`/api/v1/byok/keys/test/openai?keyId=${flaky.id}`));
      expect(await servedIn(4)).toEqual(new Set([steady.id]));
      fake.setResponse(200);
      await as(request(app).post(`/api/v1/byok/keys/test/openai?keyId=${flaky.id}`));
      expect(await servedIn(4)).toEqual(new Set([steady.id, flaky.id]));

      // Undecryptable: a value copied from another user is never served, the user's own keys are.
      const other = await keyedUser(app);
      await other.addKey('openai');
      const kc = await masterAdmin();
      const otherRep = await kc.users.findOne({ id: other.id });
      const rep = await kc.users.findOne({ id: user.id });
      await kc.users.update({ id: user.id }, { ...rep, attributes: { ...rep?.attributes, byok_openai_keys: [...(rep?.attributes?.byok_openai_keys ?? []), ...(otherRep?.attributes?.byok_openai_keys ?? [])] } });
      const fresh = createTestService({ OPENAI_BASE_URL: fake.url }); // a cold cache reads the planted value
      const freshResolve = resolver(fresh.app, await internalToken()).resolve;
      const ids = new Set<string>();
      for (let i = 0; i < 6; i += 1) ids.add((await freshResolve({ userId: user.id, provider: 'openai' })).body.keyId);
      expect(ids).toEqual(new Set([steady.id, flaky.id]));
    } finally {
      await fake.close();
    }
  });
});

describe('health reports', () => {
  test('rate_limited with retryAfterSeconds 90 takes the only key out for 90 s: meanwhile 404 cooling_down with Retry-After', async () => {
    const clock = createFakeClock(Date.now());
    const { app } = createTestService({}, { clock });
    const user = await keyedUser(app);
    const key = await user.addKey('anthropic');
    const { resolve, report } = resolver(app, await internalToken());
    expect((await resolve({ userId: user.id, model: 'claude-sonnet-4' })).body.keyId).toBe(key.id);
    await report({ userId: user.id, provider: 'anthropic', keyId: key.id, outcome: 'rate_limited', retryAfterSeconds: 90 });
    const during = await resolve({ userId: user.id, model: 'claude-sonnet-4', allowSystemFallback: false });
    expect([during.status, during.body.error?.code, during.body.error?.details?.reason, during.headers['retry-after']]).toEqual([404, 'NO_KEY_AVAILABLE', 'cooling_down', '90']);
    clock.advance(60_000);
    const later = await resolve({ userId: user.id, model: 'claude-sonnet-4', allowSystemFallback: false });
    expect([later.headers['retry-after'], later.body.error?.details?.retryAfterSeconds]).toEqual(['30', 30]);
    clock.advance(30_000);
    expect((await resolve({ userId: user.id, model: 'claude-sonnet-4' })).body.keyId).toBe(key.id);
  });

  test('404 NO_KEY_AVAILABLE says why: no_key (ask the user) without Retry-After, cooling_down (wait) with it', async () => {
    const { app } = createTestService();
    const user = await keyedUser(app);
    const { resolve, report } = resolver(app, await internalToken());
    const none = await resolve({ userId: user.id, provider: 'mistral', allowSystemFallback: false });
    expect([none.status, none.body.error?.code, none.body.error?.details, none.headers['retry-after']]).toEqual([
      404,
      'NO_KEY_AVAILABLE',
      { provider: 'mistral', strict: false, reason: 'no_key' },
      undefined,
    ]);
    const key = await user.addKey('mistral');
    await report({ userId: user.id, provider: 'mistral', keyId: key.id, outcome: 'rate_limited', retryAfterSeconds: 3600 });
    const cooling = await resolve({ userId: user.id, provider: 'mistral', allowSystemFallback: false });
    expect([cooling.status, cooling.body.error?.details?.reason]).toEqual([404, 'cooling_down']);
    expect(Number(cooling.headers['retry-after'])).toBeGreaterThan(3500);
    // Reported unauthorized: stored on the key, waiting does not help.
    await report({ userId: user.id, provider: 'mistral', keyId: key.id, outcome: 'unauthorized' });
    const unusable = await resolve({ userId: user.id, provider: 'mistral', allowSystemFallback: false });
    expect([unusable.body.error?.details?.reason, unusable.headers['retry-after']]).toEqual(['no_key', undefined]);
  });

  test('ok ends a cooldown early', async () => {
    const { app } = createTestService();
    const user = await keyedUser(app);
    const key = await user.addKey('groq');
    const { resolve, report } = resolver(app, await internalToken());
    await report({ userId: user.id, provider: 'groq', keyId: key.id, outcome: 'rate_limited', retryAfterSeconds: 3600 });
    expect((await resolve({ userId: user.id, provider: 'groq' })).status).toBe(404);
    await report({ userId: user.id, provider: 'groq', keyId: key.id, outcome: 'ok' });
    expect((await resolve({ userId: user.id, provider: 'groq' })).body.keyId).toBe(key.id);
  });

  test('unauthorized takes a key out until its secret is replaced; quota_exceeded until a test passes', async () => {
    const fake = await startFakeProvider();
    const { app } = createTestService({ OPENAI_BASE_URL: fake.url });
    try {
      const user = await keyedUser(app);
      const key = await user.addKey('openai');
      const { resolve, report } = resolver(app, await internalToken());
      await report({ userId: user.id, provider: 'openai', keyId: key.id, outcome: 'unauthorized' });
      expect((await resolve({ userId: user.id, provider: 'openai' })).status).toBe(404);
      // It stays out: the verdict is stored on the key, so a fresh instance sees it too.
      const other = createTestService({ OPENAI_BASE_URL: fake.url });
      expect((await resolver(other.app, await internalToken()).resolve({ userId: user.id, provider: 'openai' })).status).toBe(404);
      const listed = await request(app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${user.token}`);
      expect(listed.body.providers[0].keys[0]).toMatchObject({ status: 'invalid', healthIssue: 'unauthorized' });

      const secret = testApiKey('openai');
      await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${user.token}`).send({ provider: 'openai', apiKey: secret, keyId: key.id });
      const back = await resolve({ userId: user.id, provider: 'openai' });
      expect(back.body).toMatchObject({ keyId: key.id, apiKey: secret });

      await report({ userId: user.id, provider: 'openai', keyId: key.id, outcome: 'quota_exceeded' });
      expect((await resolve({ userId: user.id, provider: 'openai' })).status).toBe(404);
      await request(app).post(`/api/v1/byok/keys/test/openai?keyId=${key.id}`).set('Authorization', `Bearer ${user.token}`);
      expect((await resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(key.id);
    } finally {
      await fake.close();
    }
  });

  test('reports about keys the user was never served are 404; bad bodies 400', async () => {
    const { app } = createTestService();
    const user = await keyedUser(app);
    const stranger = await keyedUser(app);
    const theirs = await stranger.addKey('openai');
    const { report } = resolver(app, await internalToken());
    const response = await report({ userId: user.id, provider: 'openai', keyId: theirs.id, outcome: 'unauthorized' });
    expect([response.status, response.body.error.code]).toEqual([404, 'KEY_NOT_FOUND']);
    expect((await report({ userId: user.id, provider: 'openai', keyId: theirs.id, outcome: 'exploded' })).status).toBe(400);
    expect((await report({ userId: user.id, provider: 'nope', keyId: theirs.id, outcome: 'ok' })).body.error.code).toBe('UNKNOWN_PROVIDER');
  });
});

describe('fallback chain', () => {
  test('user key → team key → user fallback-provider key → system key → system fallback key, then nothing', async () => {
    const systemOpenai = testApiKey('openai');
    const systemOpenrouter = testApiKey('openrouter');
    const { app } = createTestService({ FALLBACK_PROVIDER: 'openrouter', OPENAI_API_KEY: systemOpenai, OPENROUTER_API_KEY: systemOpenrouter });
    const onlyFallbackSystem = createTestService({ FALLBACK_PROVIDER: 'openrouter', OPENROUTER_API_KEY: systemOpenrouter });
    const user = await keyedUser(app);
    const kc = await masterAdmin();
    const { id: groupId } = await kc.groups.create({ name: `chain-${randomBytes(4).toString('hex')}` });
    await kc.users.addToGroup({ id: user.id, groupId });
    const ops = await keyedUserToken();
    const teamKey = await request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${ops}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    const userKey = await user.addKey('openai');
    const userFallbackKey = await user.addKey('openrouter');
    const token = await internalToken();
    const { resolve } = resolver(app, token);
    const ask = { userId: user.id, model: 'gpt-4o' };

    expect((await resolve(ask)).body).toMatchObject({ source: 'user', provider: 'openai', keyId: userKey.id });
    await request(app).delete(`/api/v1/byok/keys/openai/${userKey.id}`).set('Authorization', `Bearer ${user.token}`);
    expect((await resolve(ask)).body).toMatchObject({ source: 'group', provider: 'openai', keyId: teamKey.body.id });
    expect((await resolve({ ...ask, groupId })).body).toMatchObject({ source: 'group', keyId: teamKey.body.id });
    await request(app).delete(`/api/v1/admin/groups/${groupId}/keys/openai/${teamKey.body.id}`).set('Authorization', `Bearer ${ops}`);
    expect((await resolve(ask)).body).toMatchObject({ source: 'user', provider: 'openrouter', keyId: userFallbackKey.id, model: 'gpt-4o' });
    await request(app).delete(`/api/v1/byok/keys/openrouter/${userFallbackKey.id}`).set('Authorization', `Bearer ${user.token}`);
    expect((await resolve(ask)).body).toMatchObject({ source: 'system', provider: 'openai', apiKey: systemOpenai });
    expect((await resolver(onlyFallbackSystem.app, token).resolve(ask)).body).toMatchObject({ source: 'system', provider: 'openrouter', apiKey: systemOpenrouter });

    const none = await resolve({ ...ask, allowSystemFallback: false });
    expect([none.status, none.body.error.code]).toEqual([404, 'NO_KEY_AVAILABLE']);
  });

  test('a strict user is never served team or platform keys', async () => {
    const { app } = createTestService({ OPENAI_API_KEY: testApiKey('openai') });
    const user = await keyedUser(app);
    const kc = await masterAdmin();
    const { id: groupId } = await kc.groups.create({ name: `strict-${randomBytes(4).toString('hex')}` });
    await kc.users.addToGroup({ id: user.id, groupId });
    await request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${await keyedUserToken()}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    const { resolve } = resolver(app, await internalToken());
    expect((await resolve({ userId: user.id, provider: 'openai' })).body.source).toBe('group');

    await request(app).put('/api/v1/byok/preferences').set('Authorization', `Bearer ${user.token}`).send({ strict: true });
    const refused = await resolve({ userId: user.id, provider: 'openai' });
    expect([refused.status, refused.body.error.code, refused.body.error.details.strict]).toEqual([404, 'NO_KEY_AVAILABLE', true]);
    const own = await user.addKey('openai');
    expect((await resolve({ userId: user.id, provider: 'openai' })).body).toMatchObject({ source: 'user', keyId: own.id });
  });

  test('a group the user is not a member of is never used, even when named', async () => {
    const { app } = createTestService();
    const user = await keyedUser(app);
    const kc = await masterAdmin();
    const { id: groupId } = await kc.groups.create({ name: `foreign-${randomBytes(4).toString('hex')}` });
    await request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${await keyedUserToken()}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    const response = await resolver(app, await internalToken()).resolve({ userId: user.id, provider: 'openai', groupId });
    expect([response.status, response.body.error?.code]).toEqual([404, 'NO_KEY_AVAILABLE']);
  });

  test('models: provider prefixes, patterns, the fallback provider for unknown models, and 400 without one', async () => {
    const withFallback = createTestService({ FALLBACK_PROVIDER: 'openrouter' });
    const without = createTestService();
    const user = await keyedUser(withFallback.app);
    await user.addKey('openrouter');
    await user.addKey('google');
    const token = await internalToken();
    const a = resolver(withFallback.app, token);
    expect((await a.resolve({ userId: user.id, model: 'gemini-2.5-pro' })).body).toMatchObject({ provider: 'google', model: 'gemini-2.5-pro' });
    expect((await a.resolve({ userId: user.id, model: 'meta-llama/llama-3.3-70b' })).body).toMatchObject({ provider: 'openrouter', model: 'meta-llama/llama-3.3-70b' });
    const unknown = await resolver(without.app, token).resolve({ userId: user.id, model: 'meta-llama/llama-3.3-70b' });
    expect([unknown.status, unknown.body.error.code]).toEqual([400, 'UNKNOWN_MODEL']);
    const neither = await a.resolve({ userId: user.id });
    expect([neither.status, neither.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
    const noUser = await a.resolve({ userId: '00000000-0000-0000-0000-000000000000', provider: 'openai' });
    expect([noUser.status, noUser.body.error.code]).toEqual([404, 'OWNER_NOT_FOUND']);
  });
});

describe('freshness', () => {
  test('a key added or deleted through the API is reflected by the next resolve, with no wait for the TTL', async () => {
    const { app } = createTestService({ OWNER_CACHE_TTL_SECONDS: '3600' });
    const user = await keyedUser(app);
    const { resolve } = resolver(app, await internalToken());
    expect((await resolve({ userId: user.id, provider: 'mistral' })).status).toBe(404); // now cached: no keys
    const key = await user.addKey('mistral');
    expect((await resolve({ userId: user.id, provider: 'mistral' })).body.keyId).toBe(key.id);
    await request(app).delete(`/api/v1/byok/keys/mistral/${key.id}`).set('Authorization', `Bearer ${user.token}`);
    expect((await resolve({ userId: user.id, provider: 'mistral' })).status).toBe(404);
  });

  test('usage is counted per key and source, written in batches, and shown in stats and key lists', async () => {
    const service = createTestService();
    const user = await keyedUser(service.app);
    const key = await user.addKey('deepseek');
    const { resolve } = resolver(service.app, await internalToken());
    for (let i = 0; i < 5; i += 1) await resolve({ userId: user.id, provider: 'deepseek' });
    const kc = await masterAdmin();
    expect((await kc.users.findOne({ id: user.id }))?.attributes?.byok_deepseek_usage).toBeUndefined(); // not once per resolve
    const pending = await request(service.app).get('/api/v1/byok/stats').set('Authorization', `Bearer ${user.token}`);
    expect(pending.body.providers[0]).toMatchObject({ provider: 'deepseek', uses: 5 });

    await service.usage.flush();
    const stored = (await kc.users.findOne({ id: user.id }))?.attributes?.byok_deepseek_usage as string[];
    expect(stored).toEqual([expect.stringMatching(new RegExp(`^${key.id}:\\d+:5$`))]);
    const listed = await request(service.app).get('/api/v1/byok/keys?provider=deepseek').set('Authorization', `Bearer ${user.token}`);
    expect(Date.parse(listed.body.providers[0].keys[0].lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(service.usage.sources().user).toBeGreaterThanOrEqual(5);
  });
});

/** The dev realm's byok-admin (team keys are managed by admins). */
function keyedUserToken(): Promise<string> {
  return userToken({ username: 'ops', password: 'ops' });
}
