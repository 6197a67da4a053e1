/**
 * docs/storage.md#team-keys and docs/api.md#admin-api against the real Keycloak: team keys live on groups (whose attribute values
 * Keycloak caps at 255 characters, so records are stored in chunks), managed by byok-admin.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { startFakeProvider } from '../support/fake-provider.js';
import { createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

const { app } = createTestService();

async function adminToken() {
  return userToken({ username: 'ops', password: 'ops' });
}

async function newGroup(attributes: Record<string, string[]> = {}) {
  const kc = await masterAdmin();
  const { id } = await kc.groups.create({ name: `team-${randomBytes(4).toString('hex')}`, attributes });
  return id;
}

describe('team keys on groups', () => {
  test('a 220-character key with a 64-character label round-trips on a group, stored in values of at most 255 characters', async () => {
    const fake = await startFakeProvider();
    try {
      const withFake = createTestService({ ANTHROPIC_BASE_URL: fake.url });
      const groupId = await newGroup({ cost_center: ['cc-7'] });
      const token = await adminToken();
      const longKey = testApiKey('anthropic', 220);
      const label = `Team key ${'é'.repeat(20)}${'z'.repeat(35)}`;
      expect(label).toHaveLength(64);
      const added = await request(withFake.app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${token}`).send({ provider: 'anthropic', apiKey: longKey, label });
      expect(added.status).toBe(201);

      const group = await (await masterAdmin()).groups.findOne({ id: groupId });
      const values = (group?.attributes?.byok_anthropic_keys ?? []) as string[];
      expect(values.length).toBeGreaterThan(1);
      expect(values.every((value) => value.length <= 255)).toBe(true);
      expect(values.join('')).not.toContain(longKey.slice(20, 60));
      expect(group?.attributes?.cost_center).toEqual(['cc-7']);

      const listed = await request(withFake.app).get(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${token}`);
      expect(listed.body.keys).toEqual([expect.objectContaining({ id: added.body.id, label, maskedKey: `${longKey.slice(0, 4)}…${longKey.slice(-4)}` })]);
      // The service reads the chunks back into the exact secret: a key test sends it to the provider.
      await withFake.keys.test({ kind: 'group', id: groupId as string }, 'anthropic', added.body.id);
      expect(fake.requests.map((r) => r.headers['x-api-key'])).toEqual([longKey]);
    } finally {
      await fake.close();
    }
  });

  test('admins relabel, disable and delete team keys; a group that does not exist is 404', async () => {
    const groupId = await newGroup();
    const token = await adminToken();
    const added = await request(app).post(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: testApiKey('openai') });
    const patched = await request(app).patch(`/api/v1/admin/groups/${groupId}/keys/openai/${added.body.id}`).set('Authorization', `Bearer ${token}`).send({ label: 'shared', enabled: false });
    expect(patched.body).toMatchObject({ label: 'shared', enabled: false });
    expect((await request(app).delete(`/api/v1/admin/groups/${groupId}/keys/openai/${added.body.id}`).set('Authorization', `Bearer ${token}`)).status).toBe(204);
    expect((await request(app).get(`/api/v1/admin/groups/${groupId}/keys`).set('Authorization', `Bearer ${token}`)).body.keys).toEqual([]);

    const missing = await request(app).get('/api/v1/admin/groups/00000000-0000-0000-0000-000000000000/keys').set('Authorization', `Bearer ${token}`);
    expect([missing.status, missing.body.error.code]).toEqual([404, 'OWNER_NOT_FOUND']);
    const bad = await request(app).get('/api/v1/admin/groups/..%2F..%2Fusers/keys').set('Authorization', `Bearer ${token}`);
    expect(bad.status).toBe(404);
  });

  test("an admin sees a user's keys (masked) and sets the user's tier, which the gate then uses", async () => {
    const token = await adminToken();
    const user = await createTestUser({ tier: 'free' });
    const userTokenValue = await userToken(user);
    const refused = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${userTokenValue}`).send({ provider: 'groq', apiKey: testApiKey('groq') });
    expect(refused.body.error.code).toBe('TIER_REQUIRED');

    const set = await request(app).put(`/api/v1/admin/users/${user.id}/tier`).set('Authorization', `Bearer ${token}`).send({ tier: 'starter' });
    expect(set.body).toEqual({ tier: 'starter' });
    const secret = testApiKey('groq');
    const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${userTokenValue}`).send({ provider: 'groq', apiKey: secret });
    expect(added.status).toBe(201);

    const seen = await request(app).get(`/api/v1/admin/users/${user.id}/keys`).set('Authorization', `Bearer ${token}`);
    expect(seen.body.keys).toEqual([expect.objectContaining({ id: added.body.id, provider: 'groq' })]);
    expect(JSON.stringify(seen.body)).not.toContain(secret);
    const badTier = await request(app).put(`/api/v1/admin/users/${user.id}/tier`).set('Authorization', `Bearer ${token}`).send({ tier: 'platinum' });
    expect([badTier.status, badTier.body.error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });
});
