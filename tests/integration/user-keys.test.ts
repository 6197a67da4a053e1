/**
 * The user API (docs/api.md#user-api) against the real Keycloak: every change shows in Keycloak and in the API,
 * the stored values never hold the secret, the tier gate and ownership hold, and writes keep every
 * attribute and field that is not ours.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { startFakeProvider } from '../support/fake-provider.js';
import { createTestUser, masterAdmin, userToken, type TestUser } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

const service = createTestService();
const app = service.app;

async function signedIn(tier: string, attributes: Record<string, string[]> = {}) {
  const user = await createTestUser({ tier, attributes, firstName: 'Grace', lastName: 'Hopper' });
  const token = await userToken(user);
  const as = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);
  return { user, token, as };
}

async function storedUser(user: TestUser) {
  const kc = await masterAdmin();
  const found = await kc.users.findOne({ id: user.id });
  if (!found) throw new Error('user vanished');
  return found;
}

/** Every byok_* value stored on the user, joined. */
async function storedByokText(user: TestUser): Promise<string> {
  const attributes = (await storedUser(user)).attributes ?? {};
  return Object.entries(attributes)
    .filter(([name]) => name.startsWith('byok_'))
    .flatMap(([, values]) => values as string[])
    .join('\n');
}

function expectSecretAbsent(stored: string, secret: string) {
  expect(stored).not.toContain(secret);
  expect(stored).not.toContain(Buffer.from(secret).toString('base64'));
  expect(stored).not.toContain(Buffer.from(secret).toString('base64url'));
  expect(stored).not.toContain(Buffer.from(secret).toString('hex'));
  expect(stored).not.toContain(secret.slice(8, 24));
}

const openaiKeysOf = async (as: (req: request.Test) => request.Test) => {
  const response = await as(request(app).get('/api/v1/byok/keys?provider=openai'));
  expect(response.status).toBe(200);
  return response.body.providers[0].keys as Array<Record<string, unknown>>;
};

describe('user keys lifecycle', () => {
  test('add, list, relabel, replace secret, disable, delete one, delete all: each visible in Keycloak and the API', async () => {
    const { user, as } = await signedIn('starter');
    const first = testApiKey('openai');
    const second = testApiKey('openai');

    // Add two.
    const a = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: first, label: 'Production' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ provider: 'openai', label: 'Production', enabled: true, maskedKey: `${first.slice(0, 4)}…${first.slice(-4)}` });
    expect(a.headers['cache-control']).toBe('no-store');
    const b = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: second, label: 'Staging' });
    expect(b.status).toBe(201);
    expect((await storedUser(user)).attributes?.byok_openai_keys).toHaveLength(2);
    let listed = await openaiKeysOf(as);
    expect(listed.map((key) => key.id)).toEqual([a.body.id, b.body.id]); // creation order
    expect(JSON.stringify(listed)).not.toContain(first);
    let stored = await storedByokText(user);
    expectSecretAbsent(stored, first);
    expectSecretAbsent(stored, second);
    expect(stored).toContain(a.body.id); // the key id is readable in the envelope header

    // Relabel.
    const relabel = await as(request(app).patch(`/api/v1/byok/keys/openai/${a.body.id}`)).send({ label: 'Prod (EU)' });
    expect(relabel.status).toBe(200);
    expect(relabel.body.label).toBe('Prod (EU)');
    expect(relabel.body.maskedKey).toBe(a.body.maskedKey);
    expect((await openaiKeysOf(as)).find((key) => key.id === a.body.id)?.label).toBe('Prod (EU)');
    expect(await storedByokText(user)).not.toBe(stored);

    // Replace the secret (add with keyId).
    const third = testApiKey('openai');
    const replaced = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: third, keyId: a.body.id });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ id: a.body.id, label: 'Prod (EU)', maskedKey: `${third.slice(0, 4)}…${third.slice(-4)}`, createdAt: a.body.createdAt });
    stored = await storedByokText(user);
    expectSecretAbsent(stored, third);
    expect((await storedUser(user)).attributes?.byok_openai_keys).toHaveLength(2);

    // Disable.
    const disabled = await as(request(app).patch(`/api/v1/byok/keys/openai/${b.body.id}`)).send({ enabled: false });
    expect(disabled.body).toMatchObject({ enabled: false, status: 'disabled' });
    expect((await openaiKeysOf(as)).find((key) => key.id === b.body.id)?.enabled).toBe(false);

    // Delete one.
    expect((await as(request(app).delete(`/api/v1/byok/keys/openai/${b.body.id}`))).status).toBe(204);
    listed = await openaiKeysOf(as);
    expect(listed.map((key) => key.id)).toEqual([a.body.id]);
    expect((await storedUser(user)).attributes?.byok_openai_keys).toHaveLength(1);
    expect((await as(request(app).delete(`/api/v1/byok/keys/openai/${b.body.id}`))).status).toBe(404);

    // Delete all of the provider.
    await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect((await as(request(app).delete('/api/v1/byok/keys/openai'))).status).toBe(204);
    expect(await openaiKeysOf(as)).toEqual([]);
    expect((await storedUser(user)).attributes?.byok_openai_keys).toBeUndefined();
  });

  test('a free user gets 403 TIER_REQUIRED on add and replace, and can still list, relabel, disable and delete', async () => {
    const { user, as } = await signedIn('free');
    const denied = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect(denied.status).toBe(403);
    expect(denied.body.error.code).toBe('TIER_REQUIRED');
    expect(denied.body.error.details).toEqual({ tier: 'free', requiredTier: 'starter' });
    expect((await storedUser(user)).attributes?.byok_openai_keys).toBeUndefined();

    // A key the user got while on a paid tier stays manageable after a downgrade.
    const kc = await masterAdmin();
    const rep = await storedUser(user);
    await kc.users.update({ id: user.id }, { ...rep, attributes: { ...rep.attributes, subscription_tier: ['starter'] } });
    const added = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai') });
    expect(added.status).toBe(201);
    const downgraded = await storedUser(user);
    await kc.users.update({ id: user.id }, { ...downgraded, attributes: { ...downgraded.attributes, subscription_tier: ['free'] } });

    const list = await as(request(app).get('/api/v1/byok/keys'));
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ tier: 'free', canAddKeys: false, requiredTier: 'starter' });
    const replace = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai'), keyId: added.body.id });
    expect(replace.body.error?.code).toBe('TIER_REQUIRED');
    const newSecret = await as(request(app).patch(`/api/v1/byok/keys/openai/${added.body.id}`)).send({ apiKey: testApiKey('openai') });
    expect(newSecret.body.error?.code).toBe('TIER_REQUIRED');
    expect((await as(request(app).patch(`/api/v1/byok/keys/openai/${added.body.id}`)).send({ label: 'old', enabled: false })).status).toBe(200);
    expect((await as(request(app).delete(`/api/v1/byok/keys/openai/${added.body.id}`))).status).toBe(204);
  });

  test('the dev users: bob (free) is refused, alice (starter) can add', async () => {
    const bob = await userToken({ username: 'bob', password: 'bob' });
    const refused = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${bob}`).send({ provider: 'anthropic', apiKey: testApiKey('anthropic') });
    expect(refused.body.error.code).toBe('TIER_REQUIRED');
    expect((await request(app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${bob}`)).status).toBe(200);

    const alice = await userToken({ username: 'alice', password: 'alice' });
    const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${alice}`).send({ provider: 'anthropic', apiKey: testApiKey('anthropic') });
    expect(added.status).toBe(201);
    expect((await request(app).delete(`/api/v1/byok/keys/anthropic/${added.body.id}`).set('Authorization', `Bearer ${alice}`)).status).toBe(204);
  });

  test("another application's attribute and the user's names survive every kind of write", async () => {
    const { user, as } = await signedIn('professional', { department: ['research'], cost_center: ['cc-42', 'cc-43'] });
    const before = await storedUser(user);
    const added = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'google', apiKey: testApiKey('google') });
    await as(request(app).patch(`/api/v1/byok/keys/google/${added.body.id}`)).send({ label: 'renamed' });
    await as(request(app).put('/api/v1/byok/preferences')).send({ strict: true });
    await as(request(app).delete(`/api/v1/byok/keys/google/${added.body.id}`));
    const after = await storedUser(user);
    expect(after.attributes?.department).toEqual(['research']);
    expect([...(after.attributes?.cost_center ?? [])].sort()).toEqual(['cc-42', 'cc-43']);
    expect(after.attributes?.subscription_tier).toEqual(['professional']);
    expect({ firstName: after.firstName, lastName: after.lastName, email: after.email, enabled: after.enabled, emailVerified: after.emailVerified }).toEqual({
      firstName: before.firstName,
      lastName: before.lastName,
      email: before.email,
      enabled: before.enabled,
      emailVerified: before.emailVerified,
    });
    expect((await as(request(app).get('/api/v1/byok/preferences'))).body).toEqual({ strict: true });
    // The user can still sign in: the write did not disturb credentials.
    await expect(userToken(user)).resolves.toEqual(expect.any(String));
  });

  test("another user's key id is 404 on every verb, and nothing of theirs changes", async () => {
    const owner = await signedIn('starter');
    const other = await signedIn('enterprise');
    const key = await owner.as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai') });
    const before = await storedByokText(owner.user);
    const id = key.body.id as string;
    const attempts = [
      other.as(request(app).patch(`/api/v1/byok/keys/openai/${id}`)).send({ label: 'mine now' }),
      other.as(request(app).patch(`/api/v1/byok/keys/openai/${id}`)).send({ enabled: false }),
      other.as(request(app).delete(`/api/v1/byok/keys/openai/${id}`)),
      other.as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai'), keyId: id }),
      other.as(request(app).post(`/api/v1/byok/keys/test/openai?keyId=${id}`)),
    ];
    for (const response of await Promise.all(attempts)) {
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('KEY_NOT_FOUND');
    }
    expect(await storedByokText(owner.user)).toBe(before);
    expect((await other.as(request(app).get('/api/v1/byok/keys?provider=openai'))).body.providers[0].keys).toEqual([]);
  });

  test('a user token cannot call /internal/* or /admin/*', async () => {
    const { user, as } = await signedIn('enterprise');
    for (const [method, path] of [
      ['post', '/api/v1/internal/resolve'],
      ['post', '/api/v1/internal/report'],
      ['get', '/api/v1/admin/stats'],
      ['get', `/api/v1/admin/users/${user.id}/keys`],
      ['put', `/api/v1/admin/users/${user.id}/tier`],
      ['post', '/api/v1/admin/groups/anything/keys'],
    ] as const) {
      const response = await as(request(app)[method](path)).send({ tier: 'enterprise', userId: user.id, provider: 'openai' });
      expect([method, path, response.status]).toEqual([method, path, 403]);
      expect(response.body.error.code).toBe('FORBIDDEN');
    }
    expect((await storedUser(user)).attributes?.subscription_tier).toEqual(['enterprise']);
  });

  test('a 220-character key with a 64-character label round-trips on a user', async () => {
    const { user, as } = await signedIn('starter');
    const longKey = testApiKey('anthropic', 220);
    expect(longKey).toHaveLength(220);
    const label = 'L'.repeat(30) + ' — ünïcødé label ' + 'x'.repeat(17);
    expect(label).toHaveLength(64);
    const added = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'anthropic', apiKey: longKey, label });
    expect(added.status).toBe(201);
    const listed = (await as(request(app).get('/api/v1/byok/keys?provider=anthropic'))).body.providers[0].keys;
    expect(listed).toEqual([expect.objectContaining({ id: added.body.id, label, maskedKey: `${longKey.slice(0, 4)}…${longKey.slice(-4)}` })]);
    const values = (await storedUser(user)).attributes?.byok_anthropic_keys ?? [];
    expect(values.every((value: string) => value.length <= 2048)).toBe(true);
    expectSecretAbsent(values.join(), longKey);
    // The secret itself round-trips: testing the key sends exactly it to the (fake) provider.
    const fake = await startFakeProvider();
    try {
      const testing = createTestService({ ANTHROPIC_BASE_URL: fake.url });
      const tested = await as(request(testing.app).post(`/api/v1/byok/keys/test/anthropic?keyId=${added.body.id}`));
      expect(tested.body.results).toEqual([expect.objectContaining({ keyId: added.body.id, status: 'valid' })]);
      expect(fake.requests.map((r) => r.headers['x-api-key'])).toEqual([longKey]);
    } finally {
      await fake.close();
    }
  });

  test('validation: unknown provider, malformed key, bad label, unknown fields, bad ids are 4xx with codes', async () => {
    const { as } = await signedIn('starter');
    const cases: Array<[request.Test, number, string]> = [
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'nope', apiKey: testApiKey() }), 400, 'UNKNOWN_PROVIDER'],
      [as(request(app).get('/api/v1/byok/keys?provider=nope')), 400, 'UNKNOWN_PROVIDER'],
      [as(request(app).delete('/api/v1/byok/keys/nope')), 400, 'UNKNOWN_PROVIDER'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('anthropic') }), 400, 'INVALID_KEY_FORMAT'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: ' sk-proj-abcdefghijkl ' }), 400, 'INVALID_KEY_FORMAT'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey(), label: 'x'.repeat(65) }), 400, 'VALIDATION_FAILED'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey(), label: 'a\u0000b' }), 400, 'VALIDATION_FAILED'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey(), admin: true }), 400, 'VALIDATION_FAILED'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey(), expiresAt: '2001-01-01T00:00:00Z' }), 400, 'VALIDATION_FAILED'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey(), baseUrl: 'https://evil.example.com' }), 400, 'INVALID_BASE_URL'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'custom', apiKey: testApiKey('custom'), baseUrl: 'https://127.0.0.1/v1' }), 400, 'INVALID_BASE_URL'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'custom', apiKey: testApiKey('custom'), baseUrl: 'http://169.254.169.254/latest' }), 400, 'INVALID_BASE_URL'],
      [as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'custom', apiKey: testApiKey('custom') }), 400, 'INVALID_BASE_URL'],
      [as(request(app).post('/api/v1/byok/keys/add')).send([1, 2]), 400, 'VALIDATION_FAILED'],
      [as(request(app).patch('/api/v1/byok/keys/openai/not-a-key-id')).send({ label: 'x' }), 404, 'KEY_NOT_FOUND'],
      [as(request(app).patch('/api/v1/byok/keys/openai/k_AAAAAAAAAAAAAAAA')).send({}), 400, 'VALIDATION_FAILED'],
      [as(request(app).put('/api/v1/byok/preferences')).send({ strict: 'yes' }), 400, 'VALIDATION_FAILED'],
    ];
    for (const [pending, status, code] of cases) {
      const response = await pending;
      expect([response.status, response.body.error?.code]).toEqual([status, code]);
    }
  });

  test('an oversized body is 413 and nothing is written', async () => {
    const { user, as } = await signedIn('starter');
    const response = await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey(), label: 'x'.repeat(70_000) });
    expect(response.status).toBe(413);
    expect(response.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect((await storedUser(user)).attributes?.byok_openai_keys).toBeUndefined();
  });
});
