/**
 * A fuzz pass (fast-check) over the bodies, parameters and ids of every user endpoint, against the
 * real Keycloak: whatever arrives, the answer is a 2xx or a 4xx with an error code, never a 5xx.
 */
import fc from 'fast-check';
import request from 'supertest';
import { PROVIDER_IDS } from '../../src/providers/registry.js';
import { createTestService } from '../support/app.js';
import { createTestUser, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

const { app } = createTestService({ BYOK_MAX_KEYS_PER_PROVIDER: '3' });

const tricky = fc.constantFrom('', '.', '..', '%00', '%2F', 'k_', 'k_AAAAAAAAAAAAAAAA', 'k_' + 'A'.repeat(200), '__proto__', 'constructor', '💥', 'openai', 'OPENAI', ' openai', 'a/b');
const segment = fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(...PROVIDER_IDS), tricky);
const value = fc.oneof(
  fc.anything({ maxDepth: 2 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(null, true, 0, -1, 1e309, '2027-01-01T00:00:00Z', '2001-01-01T00:00:00Z', 'https://api.example.com/v1', 'http://127.0.0.1/', testApiKey('openai'), testApiKey('anthropic')),
);
const body = fc.oneof(
  fc.record(
    { provider: fc.oneof(fc.constantFrom(...PROVIDER_IDS), value), apiKey: value, label: value, baseUrl: value, expiresAt: value, keyId: fc.oneof(value, tricky), enabled: value, strict: value, extra: value },
    { requiredKeys: [] },
  ),
  fc.anything({ maxDepth: 3 }),
);
const rawBody = fc.oneof(fc.string({ maxLength: 200 }), fc.constantFrom('{', '[]', 'null', '{"provider":', '\u0000', '{"__proto__":{"x":1}}'));

const enc = encodeURIComponent;
/** Sends any value as a JSON body, exactly as a client would serialise it. */
const json = (req: request.Test, payload: unknown) => req.set('content-type', 'application/json').send(JSON.stringify(payload) ?? '');

describe('fuzzing the user endpoints', () => {
  test('no input produces a 5xx', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const auth = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);
    const seen = new Set<number>();
    const check = (response: request.Response) => {
      seen.add(response.status);
      if (response.status >= 500) throw new Error(`${response.status}: ${JSON.stringify(response.body)}`);
      if (response.status >= 400) expect(response.body.error.code).toMatch(/^[A-Z_]+$/);
    };

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('add', 'patch', 'deleteOne', 'deleteAll', 'test', 'list', 'preferences', 'raw'),
        segment,
        segment,
        body,
        rawBody,
        async (endpoint, provider, keyId, payload, raw) => {
          switch (endpoint) {
            case 'add':
              return check(await json(auth(request(app).post('/api/v1/byok/keys/add')), payload));
            case 'patch':
              return check(await json(auth(request(app).patch(`/api/v1/byok/keys/${enc(provider)}/${enc(keyId)}`)), payload));
            case 'deleteOne':
              return check(await auth(request(app).delete(`/api/v1/byok/keys/${enc(provider)}/${enc(keyId)}`)));
            case 'deleteAll':
              return check(await auth(request(app).delete(`/api/v1/byok/keys/${enc(provider)}`)));
            case 'test':
              return check(await auth(request(app).post(`/api/v1/byok/keys/test/${enc(provider)}?keyId=${enc(keyId)}`)));
            case 'list':
              return check(await auth(request(app).get(`/api/v1/byok/keys?provider=${enc(provider)}&provider=${enc(keyId)}`)));
            case 'preferences':
              return check(await json(auth(request(app).put('/api/v1/byok/preferences')), payload));
            default:
              return check(await auth(request(app).post('/api/v1/byok/keys/add')).set('content-type', 'application/json').send(raw));
          }
        },
      ),
      { numRuns: 1000, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 100000) },
    );
    // The run reached both outcomes, so it exercised more than the validation layer.
    expect([...seen].some((status) => status < 300)).toBe(true);
    expect([...seen].some((status) => status >= 400 && status < 500)).toBe(true);
  });
});
