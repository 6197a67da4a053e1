/**
 * docs/storage.md#encryption against the real Keycloak: a stored value copied to another user's attribute or another
 * provider's, or with one character changed, fails to decrypt; the key is skipped (the owner's other
 * keys still load) and a log line names its key id, never key material.
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

const service = createTestService();
const app = service.app;

async function userWithKey(provider = 'openai') {
  const user = await createTestUser({ tier: 'starter' });
  const token = await userToken(user);
  const secret = testApiKey(provider);
  const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider, apiKey: secret });
  expect(added.status).toBe(201);
  return { user, token, secret, keyId: added.body.id as string };
}

async function setAttribute(userId: string, name: string, values: string[]) {
  const kc = await masterAdmin();
  const rep = await kc.users.findOne({ id: userId });
  await kc.users.update({ id: userId }, { ...rep, attributes: { ...rep?.attributes, [name]: values } });
}

async function attribute(userId: string, name: string): Promise<string[]> {
  const rep = await (await masterAdmin()).users.findOne({ id: userId });
  return (rep?.attributes?.[name] as string[] | undefined) ?? [];
}

const listKeys = async (token: string, provider: string) =>
  (await request(app).get(`/api/v1/byok/keys?provider=${provider}`).set('Authorization', `Bearer ${token}`)).body.providers[0].keys as Array<{ id: string }>;

function skipLogFor(keyId: string) {
  return service.logs.filter((line) => line.keyId === keyId && String(line.msg).startsWith('stored key skipped'));
}

describe('moved or altered values do not decrypt', () => {
  test("a value copied onto another user's attribute is skipped there, with a log line naming its key id", async () => {
    const victim = await userWithKey();
    const thief = await userWithKey();
    const stolen = await attribute(victim.user.id, 'byok_openai_keys');
    await setAttribute(thief.user.id, 'byok_openai_keys', [...(await attribute(thief.user.id, 'byok_openai_keys')), ...stolen]);

    const seen = await listKeys(thief.token, 'openai');
    expect(seen.map((key) => key.id)).toEqual([thief.keyId]); // own key still there, the copied one skipped
    const lines = skipLogFor(victim.keyId);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatchObject({ level: 40, ownerId: thief.user.id, provider: 'openai', reason: 'authentication_failed' });
    expect(JSON.stringify(lines)).not.toContain(victim.secret);
    expect(JSON.stringify(lines)).not.toContain(stolen[0]);
  });

  test("a value moved to another provider's attribute of the same user is skipped", async () => {
    const owner = await userWithKey('openai');
    await setAttribute(owner.user.id, 'byok_deepseek_keys', await attribute(owner.user.id, 'byok_openai_keys'));
    expect(await listKeys(owner.token, 'deepseek')).toEqual([]);
    expect(skipLogFor(owner.keyId)[0]).toMatchObject({ provider: 'deepseek', reason: 'authentication_failed' });
    expect((await listKeys(owner.token, 'openai')).map((key) => key.id)).toEqual([owner.keyId]);
  });

  test('one changed character in the ciphertext is detected and the key skipped', async () => {
    const owner = await userWithKey();
    const [value] = await attribute(owner.user.id, 'byok_openai_keys');
    if (!value) throw new Error('no stored value');
    const at = value.length - 10;
    const flipped = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
    await setAttribute(owner.user.id, 'byok_openai_keys', [flipped]);
    expect(await listKeys(owner.token, 'openai')).toEqual([]);
    expect(['authentication_failed', 'malformed']).toContain(skipLogFor(owner.keyId).at(-1)?.reason);
    // The user can still delete what no longer decrypts.
    const deleted = await request(app).delete(`/api/v1/byok/keys/openai/${owner.keyId}`).set('Authorization', `Bearer ${owner.token}`);
    expect(deleted.status).toBe(204);
    expect(await attribute(owner.user.id, 'byok_openai_keys')).toEqual([]);
  });

  test('a value written under another KEK is skipped by a service that lacks that KEK', async () => {
    const owner = await userWithKey();
    const other = createTestService({ ENCRYPTION_KEYS: `2:${Buffer.alloc(32, 9).toString('base64')}` });
    const response = await request(other.app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${owner.token}`);
    expect(response.body.providers[0].keys).toEqual([]);
    expect(other.logs.find((line) => line.keyId === owner.keyId)).toMatchObject({ reason: 'unknown_kek_version' });
  });
});
