/**
 * `GET /admin/stats` (docs/api.md#admin-api) against the real Keycloak: adoption across the realm, test success
 * rate, resolves by source and the cache hit ratio.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { startFakeProvider } from '../support/fake-provider.js';
import { userToken } from '../support/keycloak.js';
import { internalToken, keyedUser, resolver } from '../support/resolve.js';

test('adoption, test success rate, resolves by source and cache hit ratio', async () => {
  const fake = await startFakeProvider();
  try {
    const service = createTestService({ XAI_BASE_URL: fake.url, XAI_API_KEY: 'xai-platform-key-for-stats-0123456789' });
    const admin = await userToken({ username: 'ops', password: 'ops' });
    const before = (await request(service.app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`)).body;

    const user = await keyedUser(service.app);
    await user.addKey('xai');
    await user.addKey('xai');
    await request(service.app).post('/api/v1/byok/keys/test/xai').set('Authorization', `Bearer ${user.token}`);
    const keyless = await keyedUser(service.app);
    const { resolve } = resolver(service.app, await internalToken());
    for (let i = 0; i < 4; i += 1) expect((await resolve({ userId: user.id, model: 'grok-4' })).body.source).toBe('user');
    expect((await resolve({ userId: keyless.id, model: 'grok-4' })).body.source).toBe('system');

    // A new service, so the adoption figures are computed now rather than taken from the minute-old ones.
    const fresh = createTestService();
    const stats = await request(fresh.app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`);
    expect(stats.status).toBe(200);
    expect(stats.body.adoption.users).toBeGreaterThanOrEqual(before.adoption.users + 2);
    expect(stats.body.adoption.usersWithKeys).toBeGreaterThanOrEqual(before.adoption.usersWithKeys + 1);
    expect(stats.body.adoption.keysByProvider.xai).toBeGreaterThanOrEqual((before.adoption.keysByProvider.xai ?? 0) + 2);
    expect(stats.body.adoption.tests.valid).toBeGreaterThanOrEqual(before.adoption.tests.valid + 2);

    const own = (await request(service.app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`)).body;
    expect(own.resolvesBySource).toEqual({ user: 4, group: 0, system: 1 });
    expect(own.cache.hits).toBeGreaterThanOrEqual(3); // the user's entry was loaded once and then hit
    expect(own.cache.hitRatio).toBeGreaterThan(0);
    expect(JSON.stringify(own)).not.toContain('xai-platform-key');
  } finally {
    await fake.close();
  }
});
