/**
 * Amplification limits (issue 12, item 7) against the real Keycloak: anonymous /readyz reuses one
 * readiness check for READINESS_CACHE_SECONDS; key tests (one provider request per key) have a
 * per-user limit of their own; /metrics is served only behind its token or on its own listener.
 */
import { jest } from '@jest/globals';
import request from 'supertest';
import { createTestService } from '../support/app.js';
import type { AddressInfo } from 'node:net';
import { start } from '../../src/main.js';
import { serviceEnv, TEST_METRICS_TOKEN } from '../support/env.js';
import { startFakeProvider } from '../support/fake-provider.js';
import { keyedUser } from '../support/resolve.js';

describe('readiness cache', () => {
  test('N anonymous /readyz within the window make one readiness check (two Keycloak calls), however many arrive at once', async () => {
    const service = createTestService({ READINESS_CACHE_SECONDS: '5' });
    const checks = jest.spyOn(service.readiness, 'check');
    const burst = await Promise.all(Array.from({ length: 20 }, () => request(service.app).get('/readyz')));
    expect(burst.map((response) => response.status)).toEqual(Array(20).fill(200));
    for (let i = 0; i < 10; i += 1) expect((await request(service.app).get('/readyz')).status).toBe(200);
    expect(checks).toHaveBeenCalledTimes(1);
  });

  test('READINESS_CACHE_SECONDS=0 checks on every request', async () => {
    const service = createTestService({ READINESS_CACHE_SECONDS: '0' });
    const checks = jest.spyOn(service.readiness, 'check');
    for (let i = 0; i < 3; i += 1) await request(service.app).get('/readyz');
    expect(checks).toHaveBeenCalledTimes(3);
  });
});

describe('key test limit', () => {
  test('past RATE_LIMIT_KEY_TESTS_PER_MINUTE a user gets 429 RATE_LIMITED with Retry-After, and the provider no request', async () => {
    const fake = await startFakeProvider();
    try {
      const service = createTestService({ OPENAI_BASE_URL: fake.url, RATE_LIMIT_KEY_TESTS_PER_MINUTE: '2' });
      const owner = await keyedUser(service.app);
      await owner.addKey('openai');
      await owner.addKey('openai');
      const test = () => request(service.app).post('/api/v1/byok/keys/test/openai').set('Authorization', `Bearer ${owner.token}`);
      expect((await test()).status).toBe(200);
      expect((await test()).status).toBe(200);
      expect(fake.requests).toHaveLength(4); // two keys, twice
      const limited = await test();
      expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      expect(fake.requests).toHaveLength(4);
      // Only key tests are limited: the user's other calls go on, and another user has a budget of their own.
      expect((await request(service.app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${owner.token}`)).status).toBe(200);
      const other = await keyedUser(service.app);
      expect((await request(service.app).post('/api/v1/byok/keys/test/openai').set('Authorization', `Bearer ${other.token}`)).status).toBe(200);
      expect(service.auditEvents).toContainEqual(expect.objectContaining({ action: 'key.test', outcome: 'denied', errorCode: 'RATE_LIMITED', owner: { kind: 'user', id: owner.id } }));
    } finally {
      await fake.close();
    }
  });
});

describe('/metrics', () => {
  test('on the main port it needs METRICS_TOKEN: 401 without it or with another', async () => {
    const { app } = createTestService({ METRICS_TOKEN: TEST_METRICS_TOKEN });
    const anonymous = await request(app).get('/metrics');
    expect([anonymous.status, anonymous.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="metrics"');
    expect(anonymous.text).not.toContain('byok_');
    expect((await request(app).get('/metrics').set('Authorization', 'Bearer not-the-metrics-token')).status).toBe(401);
    const scraped = await request(app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`);
    expect(scraped.status).toBe(200);
    expect(scraped.text).toContain('byok_http_request_duration_seconds');
  });

  test('with neither a token nor a port it is not served', async () => {
    const service = createTestService({ METRICS_TOKEN: undefined });
    expect((await request(service.app).get('/metrics')).status).toBe(404);
    expect(service.metricsApp).toBeUndefined();
  });

  test('with METRICS_PORT it is served on its own listener only (with the token there too when one is set)', async () => {
    const open = createTestService({ METRICS_TOKEN: undefined, METRICS_PORT: '0' });
    expect((await request(open.app).get('/metrics')).status).toBe(404);
    const scraped = await request(open.metricsApp!).get('/metrics');
    expect([scraped.status, scraped.text.includes('byok_')]).toEqual([200, true]);
    expect((await request(open.metricsApp!).get('/api/v1/me')).status).toBe(404);

    const tokened = createTestService({ METRICS_TOKEN: TEST_METRICS_TOKEN, METRICS_PORT: '0' });
    expect((await request(tokened.app).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).status).toBe(404);
    expect((await request(tokened.metricsApp!).get('/metrics')).status).toBe(401);
    expect((await request(tokened.metricsApp!).get('/metrics').set('Authorization', `Bearer ${TEST_METRICS_TOKEN}`)).status).toBe(200);
  });

  test('the service started with METRICS_PORT listens for /metrics on METRICS_HOST (loopback by default), and not on PORT', async () => {
    const running = await start(serviceEnv({ PORT: '0', METRICS_PORT: '0', METRICS_TOKEN: undefined, LOG_LEVEL: 'silent' }));
    try {
      const main = running.server.address() as AddressInfo;
      const metrics = running.metricsServer?.address() as AddressInfo;
      expect(metrics.address).toBe('127.0.0.1');
      expect(metrics.port).not.toBe(main.port);
      expect((await fetch(`http://127.0.0.1:${main.port}/metrics`)).status).toBe(404);
      const scraped = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
      expect([scraped.status, (await scraped.text()).includes('byok_')]).toEqual([200, true]);
    } finally {
      await running.stop();
    }
    expect(running.metricsServer?.listening).toBe(false);
  });
});
