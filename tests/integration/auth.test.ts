/**
 * Token validation for incoming requests (docs/api.md): no token, a malformed, forged, expired,
 * other-realm or other-issuer token is 401 with `WWW-Authenticate: Bearer`; a valid token without the
 * role a route needs is 403. Every token here is a real one from the test Keycloak.
 */
import { randomBytes } from 'node:crypto';
import express from 'express';
import request from 'supertest';
import { loadConfig } from '../../src/config/config.js';
import { authenticate, createAuthenticator, principalOf, requireRealmRole } from '../../src/http/middleware/auth.js';
import { createErrorHandler } from '../../src/http/middleware/errors.js';
import { requestContext } from '../../src/http/middleware/request-context.js';
import { createTokenVerifier } from '../../src/keycloak/token-verifier.js';
import { createService } from '../../src/main.js';
import { createLogger } from '../../src/observability/logger.js';
import { INTERNAL_CLIENT, KEYCLOAK_URL, REALM, SERVICE_CLIENT, serviceEnv } from '../support/env.js';
import { claimsOf, clientToken, createTestUser, masterAdmin, userToken } from '../support/keycloak.js';

const logger = createLogger({ level: 'silent' });
const app = createService(loadConfig(serviceEnv()), logger).app;

/** An app with one route per role, composed from the service's own auth middleware. */
function roleApp(verifier = createTokenVerifier({ url: KEYCLOAK_URL, realm: REALM, timeoutMs: 5000, audience: SERVICE_CLIENT.clientId })) {
  const roles = express();
  roles.use(requestContext(logger));
  roles.use(authenticate(createAuthenticator(verifier, REALM)));
  roles.get('/needs/:role', requireRealmRole('byok-admin'), (_req, res) => {
    res.json({ subject: principalOf(res).subject });
  });
  roles.get('/internal', requireRealmRole('byok-internal'), (_req, res) => {
    res.json({ subject: principalOf(res).subject });
  });
  roles.use(createErrorHandler(logger));
  return roles;
}

function expect401(response: request.Response) {
  expect(response.status).toBe(401);
  expect(response.headers['www-authenticate']).toMatch(/^Bearer\b/);
  expect(response.body.error.code).toBe('UNAUTHENTICATED');
  expect(typeof response.body.error.requestId).toBe('string');
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('bearer token validation', () => {
  test('a valid user token is accepted and names the user', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const response = await request(app).get('/api/v1/me').set('Authorization', `Bearer ${await userToken(user)}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ subject: user.id, username: user.username, clientId: 'ops-center' });
  });

  test('no token is 401 with a Bearer challenge', async () => {
    expect401(await request(app).get('/api/v1/me'));
  });

  test('a header that is not "Bearer <token>" is 401', async () => {
    expect401(await request(app).get('/api/v1/me').set('Authorization', 'Basic YWxpY2U6YWxpY2U='));
    expect401(await request(app).get('/api/v1/me').set('Authorization', 'Bearer'));
  });

  test('malformed tokens are 401, never 500', async () => {
    for (const garbage of ['abc', 'a.b', 'a.b.c', '....', `${b64({ alg: 'RS256' })}.${b64({ sub: 'x' })}.sig`, 'x'.repeat(10000)]) {
      expect401(await request(app).get('/api/v1/me').set('Authorization', `Bearer ${garbage}`));
    }
  });

  test('a token whose claims were changed (signature no longer matches) is 401', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const other = await createTestUser({ tier: 'starter' });
    const [header, , signature] = (await userToken(user)).split('.');
    const forgedClaims = { ...claimsOf(await userToken(user)), sub: other.id };
    expect401(await request(app).get('/api/v1/me').set('Authorization', `Bearer ${header}.${b64(forgedClaims)}.${signature}`));
  });

  test('verifyNow (the hot path, no promise) knows only the very token verified before, until it expires', async () => {
    let nowMs = Date.now();
    const verifier = createTokenVerifier({ url: KEYCLOAK_URL, realm: REALM, timeoutMs: 5000, audience: SERVICE_CLIENT.clientId, now: () => nowMs });
    const user = await createTestUser({ tier: 'starter' });
    const other = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    expect(verifier.verifyNow(token)).toBeUndefined(); // never verified: the caller must await verify
    const verified = await verifier.verify(token);
    expect(verifier.verifyNow(token)).toBe(verified);
    expect(verified.subject).toBe(user.id);
    // The cache is keyed by the signature's end, but a token with other claims and the same signature is not it.
    const [header, , signature] = token.split('.');
    expect(verifier.verifyNow(`${header}.${b64({ ...claimsOf(token), sub: other.id })}.${signature}`)).toBeUndefined();
    nowMs = verified.expiresAt * 1000;
    expect(verifier.verifyNow(token)).toBeUndefined();
    await expect(verifier.verify(token)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  test('an unsigned token (alg "none") is 401', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const header = JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString()) as Record<string, unknown>;
    const unsigned = `${b64({ ...header, alg: 'none' })}.${token.split('.')[1]}.`;
    expect401(await request(app).get('/api/v1/me').set('Authorization', `Bearer ${unsigned}`));
  });

  test('an expired token is 401', async () => {
    // A client whose access tokens live one second.
    const kc = await masterAdmin();
    const clientId = `short-lived-${randomBytes(4).toString('hex')}`;
    const secret = randomBytes(16).toString('hex');
    await kc.clients.create({
      clientId,
      secret,
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      attributes: { 'access.token.lifespan': '1' },
    });
    try {
      const token = await clientToken({ clientId, secret });
      const claims = claimsOf(token);
      expect((claims.exp as number) - (claims.iat as number)).toBeLessThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 2100));
      const response = await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
      expect401(response);
      expect(response.body.error.message).toContain('expired');
    } finally {
      const [client] = await kc.clients.find({ clientId });
      if (client?.id) await kc.clients.del({ id: client.id });
    }
  });

  test('a token of another realm of the same Keycloak is 401', async () => {
    const masterToken = (await masterAdmin('master')).accessToken as string;
    expect(claimsOf(masterToken).iss).toBe(`${KEYCLOAK_URL}/realms/master`);
    expect401(await request(app).get('/api/v1/me').set('Authorization', `Bearer ${masterToken}`));
  });

  test('a token whose issuer is not the pinned Keycloak URL is 401', async () => {
    // The same server and realm, but the service pinned to another URL for it: issuer mismatch.
    const user = await createTestUser({ tier: 'starter' });
    const otherUrl = KEYCLOAK_URL.replace('127.0.0.1', 'localhost');
    const pinnedElsewhere = roleApp(createTokenVerifier({ url: otherUrl, realm: REALM, timeoutMs: 5000, audience: SERVICE_CLIENT.clientId }));
    const response = await request(pinnedElsewhere).get('/internal').set('Authorization', `Bearer ${await userToken(user)}`);
    expect401(response);
    expect(response.body.error.message).toContain('wrong ISS');
  });

  test('a valid token without the needed role is 403; with it, 200', async () => {
    const roles = roleApp();
    const plain = await createTestUser({ tier: 'professional' });
    const plainToken = await userToken(plain);
    const forbidden = await request(roles).get('/needs/admin').set('Authorization', `Bearer ${plainToken}`);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.error.code).toBe('FORBIDDEN');
    expect(forbidden.headers['www-authenticate']).toBeUndefined();
    expect((await request(roles).get('/internal').set('Authorization', `Bearer ${plainToken}`)).status).toBe(403);

    const opsToken = await userToken({ username: 'ops', password: 'ops' });
    expect((await request(roles).get('/needs/admin').set('Authorization', `Bearer ${opsToken}`)).status).toBe(200);
    expect((await request(roles).get('/internal').set('Authorization', `Bearer ${opsToken}`)).status).toBe(403);

    const internalToken = await clientToken(INTERNAL_CLIENT);
    expect((await request(roles).get('/internal').set('Authorization', `Bearer ${internalToken}`)).status).toBe(200);
    expect((await request(roles).get('/needs/admin').set('Authorization', `Bearer ${internalToken}`)).status).toBe(403);
  });

  test('with Keycloak unreachable and no signing keys loaded, a token gets 503, not 401', async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const down = createService(loadConfig(serviceEnv({ KEYCLOAK_URL: 'http://127.0.0.1:9', KEYCLOAK_TIMEOUT_MS: '1000' })), logger).app;
    const response = await request(down).get('/api/v1/me').set('Authorization', `Bearer ${token}`);
    expect(response.status).toBe(503);
    expect(response.body.error.code).toBe('KEYCLOAK_UNAVAILABLE');
    expect(response.headers['retry-after']).toBe('5');
  });
});
