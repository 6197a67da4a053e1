/**
 * Revocation honoured for writes: a user's token that was verified (and cached) while valid cannot
 * change anything once Keycloak no longer holds it active: after an admin logged the user out
 * (sessions ended, user not-before moved), disabled the account, ended the token's session, or moved
 * the realm's not-before past it. The same token still reads until it expires (the documented offline
 * window), a fresh token after re-enabling writes again, and service-side writes for a disabled user
 * (the CLI, usage flushes) keep working. Every token here is a real one from the test Keycloak.
 */
import request from 'supertest';
import { loadConfig } from '../../src/config/config.js';
import { createTokenIntrospection } from '../../src/keycloak/token-introspection.js';
import { createService } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTestService } from '../support/app.js';
import { KEYCLOAK_URL, SERVICE_CLIENT } from '../support/env.js';
import { createTestUser, masterAdmin, userToken, type TestUser } from '../support/keycloak.js';
import { createScratchRealm, deleteScratchRealm, realmEnv } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';

const service = createTestService();
const app = service.app;

async function signedIn(realm?: string) {
  const user = await createTestUser({ tier: 'starter' }, realm);
  const token = await userToken(user, realm);
  const as = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);
  return { user, token, as };
}

const addKey = (as: (req: request.Test) => request.Test, target = app) => as(request(target).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey: testApiKey('openai') });

function expectRevoked(response: request.Response) {
  expect([response.status, response.body.error?.code]).toEqual([401, 'UNAUTHENTICATED']);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
}

/** Every kind of user write, with the token `as` sets; `keyId` names one of the user's keys. */
function everyWrite(as: (req: request.Test) => request.Test, keyId: string): Array<[string, () => request.Test]> {
  return [
    ['add', () => addKey(as)],
    ['patch', () => as(request(app).patch(`/api/v1/byok/keys/openai/${keyId}`)).send({ label: 'renamed' })],
    ['delete one', () => as(request(app).delete(`/api/v1/byok/keys/openai/${keyId}`))],
    ['delete provider', () => as(request(app).delete('/api/v1/byok/keys/openai'))],
    ['test', () => as(request(app).post(`/api/v1/byok/keys/test/openai?keyId=${keyId}`))],
    ['preferences', () => as(request(app).put('/api/v1/byok/preferences')).send({ strict: true })],
  ];
}

async function storedKeys(user: TestUser, realm?: string): Promise<unknown> {
  return (await (await masterAdmin(realm)).users.findOne({ id: user.id }))?.attributes?.byok_openai_keys;
}

describe('revocation honoured for writes', () => {
  test('after an admin logs the user out, the verified token cannot write (401), and changes nothing; it still reads until it expires', async () => {
    const { user, as } = await signedIn();
    const added = await addKey(as);
    expect(added.status).toBe(201); // verified, and cached by the verifier
    const before = await storedKeys(user);

    await (await masterAdmin()).users.logout({ id: user.id });
    for (const [name, write] of everyWrite(as, added.body.id as string)) {
      const response = await write();
      expectRevoked(response);
      expect([name, response.body.error.message]).toEqual([name, expect.stringContaining('revoked')]);
    }
    expect(await storedKeys(user)).toEqual(before);

    // Reads keep the offline check: the same token reads until it expires (README "Tokens").
    expect((await as(request(app).get('/api/v1/byok/keys'))).status).toBe(200);
    // A new sign-in writes again.
    const fresh = await userToken(user);
    expect((await addKey((req) => req.set('Authorization', `Bearer ${fresh}`))).status).toBe(201);
  });

  test('a disabled user cannot write with a token issued before; re-enabled, a fresh token writes again', async () => {
    const { user, as } = await signedIn();
    expect((await addKey(as)).status).toBe(201);
    const kc = await masterAdmin();
    const setEnabled = async (enabled: boolean) => kc.users.update({ id: user.id }, { ...(await kc.users.findOne({ id: user.id })), enabled });
    await setEnabled(false);

    expectRevoked(await addKey(as));
    expectRevoked(await as(request(app).put('/api/v1/byok/preferences')).send({ strict: true }));
    expect((await as(request(app).get('/api/v1/byok/preferences'))).status).toBe(200);

    // Service-side writes are not user requests: the CLI's set-tier (and usage flushes) still work.
    await expect(service.keys.setTier(user.id, 'professional')).resolves.toBe('professional');

    await setEnabled(true);
    const fresh = await userToken(user);
    expect((await addKey((req) => req.set('Authorization', `Bearer ${fresh}`))).status).toBe(201);
  });

  test("a token whose session was ended after it was issued cannot write", async () => {
    const { user, token, as } = await signedIn();
    expect((await addKey(as)).status).toBe(201);
    const kc = await masterAdmin();
    const sid = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()).sid as string;
    const sessions = await kc.users.listSessions({ id: user.id });
    expect(sessions.map((session) => session.id)).toContain(sid);
    await kc.realms.deleteSession({ realm: 'byok', session: sid, isOffline: false });
    expectRevoked(await addKey(as));
  });

  test("an admin's writes (tier, team keys) need a token Keycloak still holds active", async () => {
    const kc = await masterAdmin();
    const admin = await createTestUser({ tier: 'professional' });
    const role = await kc.roles.findOneByName({ name: 'byok-admin' });
    await kc.users.addRealmRoleMappings({ id: admin.id, roles: [{ id: role?.id as string, name: 'byok-admin' }] });
    const target = await createTestUser({ tier: 'free' });
    const { id: groupId } = await kc.groups.create({ name: `revocation-${target.username}` });
    try {
      const token = await userToken(admin);
      const as = (req: request.Test) => req.set('Authorization', `Bearer ${token}`);
      expect((await as(request(app).put(`/api/v1/admin/users/${target.id}/tier`)).send({ tier: 'starter' })).status).toBe(200);

      await kc.users.logout({ id: admin.id });
      expectRevoked(await as(request(app).put(`/api/v1/admin/users/${target.id}/tier`)).send({ tier: 'enterprise' }));
      expectRevoked(await as(request(app).post(`/api/v1/admin/groups/${groupId}/keys`)).send({ provider: 'openai', apiKey: testApiKey('openai') }));
      expect((await kc.users.findOne({ id: target.id }))?.attributes?.subscription_tier).toEqual(['starter']);
      expect((await as(request(app).get(`/api/v1/admin/groups/${groupId}/keys`))).status).toBe(200);
    } finally {
      await kc.groups.del({ id: groupId });
    }
  });

  test("the realm's not-before moved past the token: it cannot write", async () => {
    // A realm of its own: a realm-wide revocation would cut every other suite's tokens.
    const realm = await createScratchRealm('byok-revoke');
    try {
      const scratch = createService(loadConfig(realmEnv(realm)), createLogger({ level: 'silent' })).app;
      const { as } = await signedIn(realm);
      expect((await addKey(as, scratch)).status).toBe(201);
      await new Promise((resolve) => setTimeout(resolve, 1100)); // not-before is in whole seconds
      const kc = await masterAdmin(realm);
      await kc.realms.update({ realm }, { notBefore: Math.floor(Date.now() / 1000) });
      expectRevoked(await addKey(as, scratch));
      expect((await as(request(scratch).get('/api/v1/byok/keys'))).status).toBe(200);
    } finally {
      await deleteScratchRealm(realm);
    }
  });

  test('introspection that Keycloak does not answer, or answers by refusing the service credentials, is KEYCLOAK_UNAVAILABLE (503, Retry-After), never a pass', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const down = createTokenIntrospection({
      introspectionUrl: 'http://127.0.0.1:9/realms/byok/protocol/openid-connect/token/introspect',
      clientId: SERVICE_CLIENT.clientId,
      clientSecret: SERVICE_CLIENT.secret,
      realm: 'byok',
      timeoutMs: 1000,
    });
    await expect(down.assertActive(token, { subject: user.id })).rejects.toMatchObject({ code: 'KEYCLOAK_UNAVAILABLE', retryAfterSeconds: 5 });

    const wrongSecret = createTokenIntrospection({
      introspectionUrl: `${KEYCLOAK_URL}/realms/byok/protocol/openid-connect/token/introspect`,
      clientId: SERVICE_CLIENT.clientId,
      clientSecret: 'not-the-secret',
      realm: 'byok',
      timeoutMs: 5000,
    });
    await expect(wrongSecret.assertActive(token, { subject: user.id })).rejects.toMatchObject({ code: 'KEYCLOAK_UNAVAILABLE' });
  });

  test("a token introspected as another user's is refused", async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const introspection = createTokenIntrospection({
      introspectionUrl: `${KEYCLOAK_URL}/realms/byok/protocol/openid-connect/token/introspect`,
      clientId: SERVICE_CLIENT.clientId,
      clientSecret: SERVICE_CLIENT.secret,
      realm: 'byok',
      timeoutMs: 5000,
    });
    await expect(introspection.assertActive(token, { subject: user.id })).resolves.toBeUndefined();
    await expect(introspection.assertActive(token, { subject: 'someone-else' })).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
