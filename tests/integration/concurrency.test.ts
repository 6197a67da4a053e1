/**
 * docs/storage.md#writes under concurrency, against the real Keycloak: writes for one owner are serialised by the
 * owner lock and each reads fresh, so concurrent adds never lose a key and never exceed the limit.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

const { app } = createTestService({ BYOK_MAX_KEYS_PER_PROVIDER: '10' });

describe('concurrent writes for one user', () => {
  test('50 concurrent adds for one provider with a limit of 10: exactly 10 stored, 40 answers 409 KEY_LIMIT_REACHED', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const responses = await Promise.all(
      Array.from({ length: 50 }, (_, n) =>
        request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: testApiKey('openai'), label: `key ${n}` }),
      ),
    );
    const statuses = responses.map((response) => response.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(10);
    expect(statuses.filter((status) => status === 409)).toHaveLength(40);
    expect(new Set(responses.filter((r) => r.status === 409).map((r) => r.body.error.code))).toEqual(new Set(['KEY_LIMIT_REACHED']));

    const created = responses.filter((r) => r.status === 201).map((r) => r.body.id as string).sort();
    const listed = (await request(app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${token}`)).body.providers[0].keys;
    expect(listed.map((key: { id: string }) => key.id).sort()).toEqual(created);
    const stored = await (await masterAdmin()).users.findOne({ id: user.id });
    expect(stored?.attributes?.byok_openai_keys).toHaveLength(10);
  });

  test('20 concurrent adds across different providers lose none', async () => {
    const user = await createTestUser({ tier: 'professional', attributes: { department: ['ops'] } });
    const token = await userToken(user);
    const providers = ['openai', 'anthropic', 'google', 'groq', 'mistral', 'cohere', 'together', 'perplexity', 'huggingface', 'openrouter'];
    const responses = await Promise.all(
      Array.from({ length: 20 }, (_, n) => {
        const provider = providers[n % providers.length] as string;
        return request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider, apiKey: testApiKey(provider) });
      }),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(20).fill(201));
    const overview = (await request(app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${token}`)).body;
    const ids = overview.providers.flatMap((entry: { keys: Array<{ id: string }> }) => entry.keys.map((key) => key.id)).sort();
    expect(ids).toEqual(responses.map((response) => response.body.id).sort());
    for (const provider of providers) {
      expect(overview.providers.find((entry: { provider: string }) => entry.provider === provider).keys).toHaveLength(2);
    }
    const stored = await (await masterAdmin()).users.findOne({ id: user.id });
    expect(stored?.attributes?.department).toEqual(['ops']);
  });
});
