/**
 * /readyz (docs/api.md#operations-endpoints) against the real Keycloak: ready on a good realm, 503 with a readable reason
 * when the realm's user profile policy is wrong, when Keycloak is down, or when the service
 * credentials are wrong.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { UnmanagedAttributePolicy } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import { loadConfig } from '../../src/config/config.js';
import { applyRealmPlan, realmPlan } from '../../src/keycloak/realm-bootstrap.js';
import { createService } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { KEYCLOAK_URL, serviceEnv } from '../support/env.js';
import { masterAdmin } from '../support/keycloak.js';

const logger = createLogger({ level: 'silent' });
const appFor = (env: Record<string, string | undefined>) => createService(loadConfig(serviceEnv(env)), logger).app;

/** A realm of its own, so changing its policy disturbs no other test. */
async function createScratchRealm(secret: string): Promise<string> {
  const realm = `byok-scratch-${randomBytes(4).toString('hex')}`;
  const kc = await masterAdmin('master');
  await applyRealmPlan(
    kc,
    realmPlan({ realm, dev: false, serviceClientId: 'byok-service', serviceClientSecret: secret, uiOrigins: ['http://127.0.0.1:8787'] }),
  );
  return realm;
}

async function deleteRealm(realm: string): Promise<void> {
  const kc = await masterAdmin('master');
  await kc.realms.del({ realm });
}

describe('GET /readyz', () => {
  test('is 200 on a correctly bootstrapped realm, with every check passing', async () => {
    const response = await request(appFor({})).get('/readyz');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ready');
    expect(response.body.checks.map((c: { name: string; ok: boolean }) => [c.name, c.ok])).toEqual([
      ['keycloak', true],
      ['service_token', true],
      ['user_profile', true],
      ['token_audience', true],
      ['kek_check', true],
    ]);
  });

  test('is 503 naming the policy when the realm lets users see unmanaged attributes, 200 again once fixed', async () => {
    const secret = randomBytes(16).toString('hex');
    const realm = await createScratchRealm(secret);
    try {
      const app = appFor({ KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: secret });
      expect((await request(app).get('/readyz')).status).toBe(200);

      const kc = await masterAdmin(realm);
      const profile = await kc.users.getProfile({ realm });
      await kc.users.updateProfile({ ...profile, realm, unmanagedAttributePolicy: UnmanagedAttributePolicy.Enabled });

      const broken = await request(app).get('/readyz');
      expect(broken.status).toBe(503);
      expect(broken.body.error.code).toBe('NOT_READY');
      expect(broken.body.reason).toContain('unmanagedAttributePolicy is ENABLED, must be ADMIN_EDIT');

      await kc.users.updateProfile({ ...profile, realm, unmanagedAttributePolicy: UnmanagedAttributePolicy.AdminEdit });
      expect((await request(app).get('/readyz')).status).toBe(200);
    } finally {
      await deleteRealm(realm);
    }
  });

  test('is 503 naming the policy when it is unset (Keycloak would silently drop byok_* attributes)', async () => {
    const secret = randomBytes(16).toString('hex');
    const realm = await createScratchRealm(secret);
    try {
      const kc = await masterAdmin(realm);
      const { unmanagedAttributePolicy: _dropped, ...profile } = await kc.users.getProfile({ realm });
      await kc.users.updateProfile({ ...profile, realm });
      const response = await request(appFor({ KEYCLOAK_REALM: realm, KEYCLOAK_CLIENT_SECRET: secret })).get('/readyz');
      expect(response.status).toBe(503);
      expect(response.body.reason).toContain('unmanagedAttributePolicy is unset');
    } finally {
      await deleteRealm(realm);
    }
  });

  test('is 503 saying Keycloak is unreachable when nothing answers at KEYCLOAK_URL', async () => {
    // A port nobody listens on: Keycloak is down as far as the service can tell.
    const response = await request(appFor({ KEYCLOAK_URL: 'http://127.0.0.1:9', KEYCLOAK_TIMEOUT_MS: '1000' })).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBeDefined();
    expect(response.body.reason).toContain('Keycloak unreachable');
    expect(response.body.checks).toEqual([expect.objectContaining({ name: 'keycloak', ok: false })]);
  });

  test('is 503 when the service client secret is wrong, without echoing the secret', async () => {
    const wrong = `wrong-${randomBytes(8).toString('hex')}`;
    const response = await request(appFor({ KEYCLOAK_CLIENT_SECRET: wrong })).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.body.reason).toContain('rejected the service client credentials');
    expect(JSON.stringify(response.body)).not.toContain(wrong);
  });

  test('is 503 when Keycloak issues tokens under another URL than the pinned one', async () => {
    // Same server, reached as "localhost": its discovery document names 127.0.0.1, the fixed hostname.
    const response = await request(appFor({ KEYCLOAK_URL: KEYCLOAK_URL.replace('127.0.0.1', 'localhost') })).get('/readyz');
    expect(response.status).toBe(503);
    expect(response.body.reason).toContain(`issues tokens as ${KEYCLOAK_URL}/realms/byok`);
  });

  test('/healthz answers while Keycloak is down', async () => {
    const response = await request(appFor({ KEYCLOAK_URL: 'http://127.0.0.1:9' })).get('/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });
});
