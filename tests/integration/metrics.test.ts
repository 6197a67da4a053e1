/**
 * GET /metrics (docs/operations.md) against the real Keycloak: after known traffic, the Prometheus text shows
 * request latency by route, resolves by source, fallbacks, cache hit ratio, Keycloak call latency and
 * errors, service token requests and keys taken out of rotation, with the counts the traffic implies.
 * No label carries a user id, key id or secret.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { INTERNAL_CLIENT, TEST_METRICS_TOKEN } from '../support/env.js';
import { clientToken } from '../support/keycloak.js';
import { keyedUser } from '../support/resolve.js';
import { testApiKey } from '../support/secrets.js';

/** Sample value of `name{labels}` in Prometheus text, 0 when absent; labels need only be a subset. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).match(/^\{(.*)\}/)?.[1] ?? '';
    if (Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) total += Number(line.split(' ').at(-1));
  }
  return total;
}

describe('/metrics', () => {
  test('known traffic shows up with the right counts and bounded labels', async () => {
    const systemKey = testApiKey('openai');
    const service = createTestService({ OPENAI_API_KEY: systemKey });
    const { app } = service;
    const owner = await keyedUser(app);
    await owner.addKey('openai');
    await owner.addKey('openai');
    const keyless = await keyedUser(app);
    const token = await clientToken(INTERNAL_CLIENT);
    const resolve = (userId: string) => request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send({ userId, provider: 'openai' });

    for (let i = 0; i < 5; i += 1) expect((await resolve(owner.id)).body.source).toBe('user');
    for (let i = 0; i < 3; i += 1) expect((await resolve(keyless.id)).body.source).toBe('system');
    const served = await resolve(owner.id);
    const reported = await request(app)
      .post('/api/v1/internal/report')
      .set('Authorization', `Bearer ${token}`)
      .send({ userId: owner.id, provider: 'openai', keyId: served.body.keyId, outcome: 'rate_limited', retryAfterSeconds: 30 });
    expect(reported.status).toBe(204);

    const scraped = await request(app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(scraped.headers['content-type']).toMatch(/^text\/plain/);
    const text = scraped.text;

    expect(sample(text, 'byok_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/internal/resolve', status: '200' })).toBe(9);
    expect(sample(text, 'byok_http_request_duration_seconds_bucket', { route: '/api/v1/internal/resolve', le: '+Inf' })).toBe(9);
    expect(sample(text, 'byok_http_request_duration_seconds_count', { method: 'POST', route: '/api/v1/byok/keys/add', status: '201' })).toBe(2);
    expect(sample(text, 'byok_resolves_total', { source: 'user' })).toBe(6);
    expect(sample(text, 'byok_resolves_total', { source: 'system' })).toBe(3);
    expect(sample(text, 'byok_resolve_fallbacks_total', { source: 'system' })).toBe(3);
    expect(sample(text, 'byok_reports_total', { outcome: 'rate_limited' })).toBe(1);
    expect(sample(text, 'byok_keys_benched_total', { provider: 'openai', reason: 'rate_limited', holder: 'owner' })).toBe(1);
    const ratio = sample(text, 'byok_cache_hit_ratio', { cache: 'owners' });
    expect(ratio).toBeGreaterThan(0.5); // 10 owner lookups, 2 of them misses (one per user)
    expect(ratio).toBeLessThan(1);
    expect(sample(text, 'byok_keycloak_request_duration_seconds_count', { operation: 'users.findOne', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sample(text, 'byok_service_token_requests_total', { outcome: 'ok' })).toBe(1);
    expect(text).toMatch(/^byok_process_cpu_seconds_total \d/m);
    // Bounded labels: no user id, key id or secret anywhere in the scrape.
    for (const value of [owner.id, keyless.id, String(served.body.keyId), systemKey, served.body.apiKey as string]) expect(text).not.toContain(value);
  });

  test('refused service token requests are counted by outcome, lookups of unknown users by operation', async () => {
    const wrongSecret = createTestService({ KEYCLOAK_CLIENT_SECRET: 'not-the-secret' });
    const token = await clientToken(INTERNAL_CLIENT);
    const refused = await request(wrongSecret.app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send({ userId: 'x', provider: 'openai' });
    expect(refused.status).toBe(503);
    expect(sample((await request(wrongSecret.app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).text, 'byok_service_token_requests_total', { outcome: 'rejected' })).toBeGreaterThan(0);

    const service = createTestService();
    const unknown = await request(service.app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send({ userId: '00000000-0000-0000-0000-000000000000', provider: 'openai' });
    expect(unknown.status).toBe(404);
    const text = (await request(service.app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).text;
    // The admin client answers a missing user with null (outcome ok); unavailable Keycloak calls are counted in the outage suite.
    expect(sample(text, 'byok_keycloak_request_duration_seconds_count', { operation: 'users.findOne' })).toBe(1);
    expect(sample(text, 'byok_http_request_duration_seconds_count', { route: '/api/v1/internal/resolve', status: '404' })).toBe(1);
  });
});
