/**
 * docs/resolution.md#caching-and-usage with Keycloak stopped (run on its own, after the other suites: it stops the shared test
 * Keycloak). Cached users keep resolving within the stale window, uncached users get 503
 * KEYCLOAK_UNAVAILABLE with Retry-After, writes are refused without changing anything, and once
 * Keycloak is back everything recovers without restarting the service.
 */
import { TEST_METRICS_TOKEN } from '../support/env.js';
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { masterAdmin } from '../support/keycloak.js';
import { resumeKeycloak, stopKeycloak } from '../support/keycloak-process.js';
import { internalToken, keyedUser, resolver } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';

afterAll(() => resumeKeycloak()); // whatever happened, never leave Keycloak stopped

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('Keycloak stopped: cached users served within the stale window, uncached 503, writes 503; all recover after', async () => {
  // A 1 s TTL, so that during the outage the cached entry is past it and served only as stale.
  const service = createTestService({ KEYCLOAK_TIMEOUT_MS: '1000', OWNER_CACHE_TTL_SECONDS: '1', STALE_IF_ERROR_SECONDS: '600' });
  const setup = createTestService();
  const cached = await keyedUser(service.app);
  const cachedKey = await cached.addKey('openai');
  const uncached = await keyedUser(setup.app); // keys added through another instance: never loaded by `service`
  const uncachedKey = await uncached.addKey('openai');
  const token = await internalToken();
  const { resolve } = resolver(service.app, token);
  expect((await resolve({ userId: cached.id, provider: 'openai' })).body.keyId).toBe(cachedKey.id);
  const before = (await (await masterAdmin()).users.findOne({ id: cached.id }))?.attributes?.byok_openai_keys;

  stopKeycloak();
  try {
    await sleep(1100);
    for (let i = 0; i < 5; i += 1) {
      const served = await resolve({ userId: cached.id, provider: 'openai' });
      expect([served.status, served.body.keyId]).toEqual([200, cachedKey.id]);
    }
    const refused = await resolve({ userId: uncached.id, provider: 'openai' });
    expect([refused.status, refused.body.error.code]).toEqual([503, 'KEYCLOAK_UNAVAILABLE']);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);

    const write = await request(service.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${cached.token}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect([write.status, write.body.error.code]).toEqual([503, 'KEYCLOAK_UNAVAILABLE']);
    expect(write.headers['retry-after']).toBeDefined();
    expect(service.owners.stats().staleServed).toBeGreaterThanOrEqual(5);
    // /metrics shows the failed Keycloak calls and the stale answers.
    const metrics = (await request(service.app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).text;
    expect(metrics).toMatch(/^byok_keycloak_request_duration_seconds_count\{operation="users\.findOne",outcome="unavailable"\} [1-9]/m);
    expect(metrics).toMatch(/^byok_cache_stale_served_total\{cache="owners"\} ([5-9]|\d\d+)/m);
  } finally {
    resumeKeycloak();
  }

  // Back: both users resolve again, on the same service instance, and the refused write left nothing.
  let recovered = await resolve({ userId: uncached.id, provider: 'openai' });
  for (let attempt = 0; recovered.status !== 200 && attempt < 20; attempt += 1) {
    await sleep(500);
    recovered = await resolve({ userId: uncached.id, provider: 'openai' });
  }
  expect(recovered.body.keyId).toBe(uncachedKey.id);
  expect((await resolve({ userId: cached.id, provider: 'openai' })).body.keyId).toBe(cachedKey.id);
  expect((await (await masterAdmin()).users.findOne({ id: cached.id }))?.attributes?.byok_openai_keys).toEqual(before);
});
