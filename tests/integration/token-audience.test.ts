/**
 * Tokens bound to this service: a token must carry the service's audience (TOKEN_AUDIENCE, the
 * service client's id) in `aud`. A token another client of the realm got for a user is 401, however
 * valid it is otherwise; ops-center's and the internal clients' tokens carry the audience because
 * `byok bootstrap-realm` puts an audience mapper on them, and it adds the mapper (and the UI's missing
 * redirect URIs) to an existing realm. Without the mapper, readiness and `byok doctor` say so and name
 * the fix. Every token here is a real one from the test Keycloak.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { loadConfig } from '../../src/config/config.js';
import { applyRealmPlan, realmPlan } from '../../src/keycloak/realm-bootstrap.js';
import { createService } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { INTERNAL_CLIENT, KEYCLOAK_URL, MASTER_ADMIN, SERVICE_CLIENT, UI_CLIENT_ID, serviceEnv } from '../support/env.js';
import { claimsOf, clientToken, createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { createScratchRealm, deleteScratchRealm, realmEnv, runByok } from '../support/scratch-realm.js';

const logger = createLogger({ level: 'silent' });
const app = createService(loadConfig(serviceEnv()), logger).app;
const ADMIN_ENV = { KEYCLOAK_ADMIN_USERNAME: MASTER_ADMIN.username, KEYCLOAK_ADMIN_PASSWORD: MASTER_ADMIN.password };

/** A confidential client of the realm with the password grant, as any other application might be. */
async function withForeignClient(realm: string, run: (client: { clientId: string; secret: string }) => Promise<void>): Promise<void> {
  const kc = await masterAdmin(realm);
  const client = { clientId: `foreign-${randomBytes(4).toString('hex')}`, secret: randomBytes(16).toString('hex') };
  await kc.clients.create({ ...client, publicClient: false, directAccessGrantsEnabled: true, standardFlowEnabled: false, serviceAccountsEnabled: false });
  try {
    await run(client);
  } finally {
    const [found] = await kc.clients.find({ clientId: client.clientId });
    if (found?.id) await kc.clients.del({ id: found.id });
  }
}

async function passwordToken(realm: string, clientId: string, secret: string, user: { username: string; password: string }): Promise<string> {
  const response = await fetch(`${KEYCLOAK_URL}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: clientId, client_secret: secret, username: user.username, password: user.password, scope: 'openid' }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`password grant failed: ${response.status}`);
  return body.access_token;
}

function expectInvalidToken(response: request.Response) {
  expect(response.status).toBe(401);
  expect(response.body.error.code).toBe('UNAUTHENTICATED');
  expect(response.headers['www-authenticate']).toMatch(/^Bearer realm="[^"]+", error="invalid_token"/);
}

async function uiMappers(realm: string) {
  const kc = await masterAdmin(realm);
  const [ui] = await kc.clients.find({ clientId: UI_CLIENT_ID });
  return { kc, ui: ui as NonNullable<typeof ui>, mappers: await kc.clients.listProtocolMappers({ id: ui?.id as string }) };
}

describe('tokens bound to this service (audience)', () => {
  test("a token another client of the realm got for a user is 401 invalid_token on /me and /byok/keys, though Keycloak signed it", async () => {
    const user = await createTestUser({ tier: 'starter' });
    await withForeignClient('byok', async (client) => {
      const token = await passwordToken('byok', client.clientId, client.secret, user);
      expect(claimsOf(token)).toMatchObject({ sub: user.id, azp: client.clientId });
      for (const path of ['/api/v1/me', '/api/v1/byok/keys']) {
        const response = await request(app).get(path).set('Authorization', `Bearer ${token}`);
        expectInvalidToken(response);
        expect(response.body.error.message).toContain('wrong audience');
      }
      const write = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: 'sk-proj-x' });
      expectInvalidToken(write);
    });
  });

  test('a forged ops-center token without the audience is refused for its signature and cannot make the service unready', async () => {
    const service = createService(loadConfig(serviceEnv()), logger).app;
    const user = await createTestUser({ tier: 'starter' });
    const [header, payload, signature] = (await userToken(user)).split('.') as [string, string, string];
    const { aud: _aud, ...claims } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${header}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}`;
    const response = await request(service).get('/api/v1/me').set('Authorization', `Bearer ${forged}`);
    expectInvalidToken(response);
    expect(response.body.error.message).not.toContain('audience');
    expect((await request(service).get('/readyz')).status).toBe(200);
  });

  test("ops-center's and the internal client's tokens carry the audience and are accepted", async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    expect(claimsOf(token).aud).toEqual(expect.arrayContaining([SERVICE_CLIENT.clientId]));
    expect((await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`)).status).toBe(200);

    const internal = await clientToken(INTERNAL_CLIENT);
    expect([claimsOf(internal).aud].flat()).toContain(SERVICE_CLIENT.clientId);
    const resolved = await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${internal}`).send({ userId: user.id, provider: 'openai' });
    expect([resolved.status, resolved.body.error?.code]).toEqual([404, 'NO_KEY_AVAILABLE']);
  });

  test('a realm without the ops-center mapper: readiness and doctor fail naming the fix; bootstrap adds the mapper and a missing redirect URI, after which both pass', async () => {
    const realm = await createScratchRealm('byok-aud');
    try {
      // As a realm bootstrapped before the audience existed, with a redirect URI taken away.
      const { kc, ui, mappers } = await uiMappers(realm);
      await kc.clients.update({ id: ui.id as string }, { ...ui, redirectUris: ['https://old.example.com/*'], webOrigins: [] });
      for (const mapper of mappers) await kc.clients.delProtocolMapper({ id: ui.id as string, mapperId: mapper.id as string });

      const service = createService(loadConfig(realmEnv(realm)), logger).app;
      const alice = { username: 'alice', password: 'alice' };
      const stale = await userToken(alice, realm);
      expect([claimsOf(stale).aud].flat()).not.toContain(SERVICE_CLIENT.clientId);
      expect((await request(service).get('/readyz')).status).toBe(200); // nothing seen yet
      expectInvalidToken(await request(service).get('/api/v1/me').set('Authorization', `Bearer ${stale}`));
      const unready = await request(service).get('/readyz');
      expect(unready.status).toBe(503);
      expect(unready.body.reason).toContain(`tokens of client ${UI_CLIENT_ID} do not carry the audience ${SERVICE_CLIENT.clientId}`);
      expect(unready.body.reason).toContain('run `byok bootstrap-realm`');

      const doctorEnv = { ...realmEnv(realm), ...ADMIN_ENV };
      const sick = await runByok(['doctor'], doctorEnv);
      expect(sick.code).toBe(1);
      expect(sick.stdout).toMatch(/^FAIL {2}token_audience client ops-center has no audience mapper for byok-service.*byok bootstrap-realm/m);

      // The upgrade: bootstrap again (the CLI, as an operator runs it).
      const upgrade = await runByok(['bootstrap-realm', '--dev'], { ...ADMIN_ENV, KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: SERVICE_CLIENT.secret });
      expect(upgrade.code).toBe(0);
      expect(upgrade.stdout).toContain('created   client ops-center audience mapper (aud byok-service)');
      expect(upgrade.stdout).toContain('created   client ops-center redirect URI http://127.0.0.1:8787/*');
      expect(upgrade.stdout).toContain('created   client ops-center web origin http://127.0.0.1:8787');
      const after = await uiMappers(realm);
      expect([...(after.ui.redirectUris ?? [])].sort()).toEqual(['http://127.0.0.1:8787/*', 'https://old.example.com/*']); // added, nothing taken away

      const fresh = await userToken(alice, realm);
      expect((await request(service).get('/api/v1/me').set('Authorization', `Bearer ${fresh}`)).status).toBe(200);
      expect((await request(service).get('/readyz')).status).toBe(200);
      const healthy = await runByok(['doctor'], doctorEnv);
      expect(healthy.stdout).toMatch(/^ok {4}token_audience client ops-center puts byok-service into its tokens/m);
      expect(healthy.code).toBe(0);

      // A second run changes nothing.
      const again = await runByok(['bootstrap-realm', '--dev'], { ...ADMIN_ENV, KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: SERVICE_CLIENT.secret });
      expect(again.stdout).not.toMatch(/^created/m);
      expect(again.stdout).not.toMatch(/^WARNING/m);
      expect((await uiMappers(realm)).mappers.filter((mapper) => mapper.protocolMapper === 'oidc-audience-mapper')).toHaveLength(1);
    } finally {
      await deleteScratchRealm(realm);
    }
  });

  test("an existing ops-center's other differences are reported, not changed", async () => {
    const realm = await createScratchRealm('byok-aud');
    try {
      const { kc, ui } = await uiMappers(realm);
      await kc.clients.update({ id: ui.id as string }, { ...ui, implicitFlowEnabled: true });
      const report = await applyRealmPlan(
        await masterAdmin('master'),
        realmPlan({ realm, dev: true, serviceClientId: SERVICE_CLIENT.clientId, serviceClientSecret: SERVICE_CLIENT.secret, uiOrigins: ['http://127.0.0.1:8787'] }),
      );
      expect(report.warnings).toEqual(['client ops-center: the implicit flow is on, unlike the plan; left unchanged']);
      expect((await uiMappers(realm)).ui.implicitFlowEnabled).toBe(true);
    } finally {
      await deleteScratchRealm(realm);
    }
  });

  test("bootstrap gives the operator's internal clients (INTERNAL_CLIENT_IDS) the audience, and warns about one that does not exist", async () => {
    const realm = await createScratchRealm('byok-aud');
    try {
      const kc = await masterAdmin(realm);
      const billing = { clientId: 'billing', secret: randomBytes(16).toString('hex') };
      await kc.clients.create({ ...billing, publicClient: false, serviceAccountsEnabled: true, standardFlowEnabled: false });
      expect([claimsOf(await clientToken(billing, realm)).aud].flat()).not.toContain(SERVICE_CLIENT.clientId);

      const report = await applyRealmPlan(
        await masterAdmin('master'),
        realmPlan({ realm, dev: true, serviceClientId: SERVICE_CLIENT.clientId, serviceClientSecret: SERVICE_CLIENT.secret, uiOrigins: ['http://127.0.0.1:8787'], internalClientIds: ['billing', 'no-such-client'] }),
      );
      expect(report.created).toEqual(['client billing audience mapper (aud byok-service)']);
      expect(report.warnings).toEqual(['client no-such-client (INTERNAL_CLIENT_IDS) does not exist; no audience mapper added']);
      expect([claimsOf(await clientToken(billing, realm)).aud].flat()).toContain(SERVICE_CLIENT.clientId);
    } finally {
      await deleteScratchRealm(realm);
    }
  });
});
