/**
 * `POST /byok/keys/test/{provider}` (docs/api.md#user-api) against a local fake provider that answers 200, 401
 * and 429 as told: the verdict is returned and stored with the time.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { createTestUser, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

let fake: FakeProvider;
const good = testApiKey('openai');
const revoked = testApiKey('openai');
const throttled = testApiKey('openai');

beforeAll(async () => {
  fake = await startFakeProvider({ respondByKey: { [good]: 200, [revoked]: 401, [throttled]: 429 } });
});
afterAll(async () => fake.close());

describe('testing keys against the provider', () => {
  test('valid, invalid and rate_limited verdicts are returned, stored, and shown in the list', async () => {
    const { app } = createTestService({ OPENAI_BASE_URL: fake.url });
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const ids: Record<string, string> = {};
    for (const [name, key] of Object.entries({ good, revoked, throttled })) {
      ids[name] = (await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: key, label: name })).body.id;
    }
    const before = Date.now();
    const tested = await request(app).post('/api/v1/byok/keys/test/openai').set('Authorization', `Bearer ${token}`);
    expect(tested.status).toBe(200);
    const byId = Object.fromEntries(tested.body.results.map((r: { keyId: string; status: string }) => [r.keyId, r.status]));
    expect(byId).toEqual({ [ids.good as string]: 'valid', [ids.revoked as string]: 'invalid', [ids.throttled as string]: 'rate_limited' });
    expect(JSON.stringify(tested.body)).not.toContain(good);

    // The fake saw each key exactly once, as a bearer token on the models endpoint.
    expect(fake.requests.filter((r) => r.path === '/models').map((r) => r.headers.authorization).sort()).toEqual(
      [good, revoked, throttled].map((key) => `Bearer ${key}`).sort(),
    );

    const listed = (await request(app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${token}`)).body.providers[0].keys;
    const stored = Object.fromEntries(listed.map((k: { id: string; testStatus: string; lastTestedAt: string; status: string }) => [k.id, k]));
    expect(stored[ids.good as string]).toMatchObject({ testStatus: 'valid', status: 'active' });
    expect(stored[ids.revoked as string]).toMatchObject({ testStatus: 'invalid', status: 'invalid' });
    expect(stored[ids.throttled as string]).toMatchObject({ testStatus: 'rate_limited' });
    expect(Date.parse(stored[ids.good as string].lastTestedAt)).toBeGreaterThanOrEqual(before - 1000);

    // Testing one key by id only touches that key.
    fake.requests.length = 0;
    const one = await request(app).post(`/api/v1/byok/keys/test/openai?keyId=${ids.good}`).set('Authorization', `Bearer ${token}`);
    expect(one.body.results).toEqual([expect.objectContaining({ keyId: ids.good, status: 'valid' })]);
    expect(fake.requests).toHaveLength(1);

    // Replacing the secret clears the old verdict.
    const replaced = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: good, keyId: ids.revoked });
    expect(replaced.body).toMatchObject({ testStatus: null, lastTestedAt: null, status: 'active' });

    const stats = (await request(app).get('/api/v1/byok/stats').set('Authorization', `Bearer ${token}`)).body;
    expect(stats.providers).toEqual([expect.objectContaining({ provider: 'openai', keys: 3, enabled: 3, testStatus: expect.objectContaining({ valid: 1, rate_limited: 1, invalid: 0 }) })]);
  });

  test('a provider that does not answer is "unreachable", not invalid', async () => {
    const { app } = createTestService({ OPENAI_BASE_URL: 'http://127.0.0.1:9', KEY_TEST_TIMEOUT_MS: '1000' });
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    const tested = await request(app).post('/api/v1/byok/keys/test/openai').set('Authorization', `Bearer ${token}`);
    expect(tested.body.results).toEqual([expect.objectContaining({ status: 'unreachable' })]);
  });

  test('custom provider keys carry their base URL; private targets need the operator to allow them', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const strict = createTestService();
    const refused = await request(strict.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'custom', apiKey: good, baseUrl: `${fake.url}/v1` });
    expect([refused.status, refused.body.error.code]).toEqual([400, 'INVALID_BASE_URL']);

    const lenient = createTestService({ ALLOW_PRIVATE_BASE_URLS: 'true', ALLOW_INSECURE_BASE_URLS: 'true' });
    const added = await request(lenient.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'custom', apiKey: good, baseUrl: `${fake.url}/v1` });
    expect(added.status).toBe(201);
    expect(added.body.baseUrl).toBe(`${fake.url}/v1`);
    fake.requests.length = 0;
    const tested = await request(lenient.app).post('/api/v1/byok/keys/test/custom').set('Authorization', `Bearer ${token}`);
    expect(tested.body.results).toEqual([expect.objectContaining({ status: 'valid' })]);
    expect(fake.requests[0]?.path).toBe('/v1/models');

    // A strict service does not contact a stored private base URL when testing.
    fake.requests.length = 0;
    const strictTest = await request(strict.app).post('/api/v1/byok/keys/test/custom').set('Authorization', `Bearer ${token}`);
    expect(strictTest.body.results).toEqual([expect.objectContaining({ status: 'unreachable' })]);
    expect(fake.requests).toHaveLength(0);
  });
});
