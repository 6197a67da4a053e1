/**
 * The service account token (docs/resolution.md#caching-and-usage): one token request however many callers need it at once,
 * reuse until shortly before expiry, and a single retry with a fresh token after a 401.
 */
import { createKeycloakAdmin } from '../../src/keycloak/admin-client.js';
import { createServiceTokenCache } from '../../src/keycloak/service-token.js';
import { KEYCLOAK_URL, REALM, SERVICE_CLIENT } from '../support/env.js';
import { createTestUser } from '../support/keycloak.js';

const tokenUrl = `${KEYCLOAK_URL}/realms/${REALM}/protocol/openid-connect/token`;

/** Real fetch, counting what reaches the token endpoint (the count is taken on the wire side). */
function countingFetch() {
  const seen = { tokenRequests: 0 };
  const wrapped: typeof fetch = (input, init) => {
    if (String(input instanceof Request ? input.url : input) === tokenUrl) seen.tokenRequests += 1;
    return fetch(input, init);
  };
  return { fetch: wrapped, seen };
}

function cache(fetchImpl: typeof fetch) {
  return createServiceTokenCache({
    tokenUrl,
    clientId: SERVICE_CLIENT.clientId,
    clientSecret: SERVICE_CLIENT.secret,
    timeoutMs: 5000,
    refreshSkewSeconds: 30,
    fetch: fetchImpl,
  });
}

describe('service account token', () => {
  test('200 concurrent callers cause exactly one token request and all get the same valid token', async () => {
    const { fetch: counted, seen } = countingFetch();
    const tokens = cache(counted);
    const results = await Promise.all(Array.from({ length: 200 }, () => tokens.get()));
    expect(seen.tokenRequests).toBe(1);
    expect(tokens.requestCount()).toBe(1);
    expect(new Set(results).size).toBe(1);

    // The token is real: Keycloak's admin API accepts it.
    const response = await fetch(`${KEYCLOAK_URL}/admin/realms/${REALM}/users?max=1`, {
      headers: { authorization: `Bearer ${results[0]}` },
    });
    expect(response.status).toBe(200);

    // And it is reused afterwards, not requested again.
    await Promise.all(Array.from({ length: 50 }, () => tokens.get()));
    expect(seen.tokenRequests).toBe(1);
  });

  test('admin calls under load share one token request', async () => {
    const { fetch: counted, seen } = countingFetch();
    const tokens = cache(counted);
    const admin = createKeycloakAdmin({ url: KEYCLOAK_URL, realm: REALM, timeoutMs: 5000, tokens });
    const user = await createTestUser({ tier: 'starter' });
    const users = await Promise.all(Array.from({ length: 50 }, () => admin.getUser(user.id)));
    expect(users.every((found) => found?.username === user.username)).toBe(true);
    expect(seen.tokenRequests).toBe(1);
  });

  test('an admin call answered 401 is retried once with a fresh token', async () => {
    const { fetch: counted, seen } = countingFetch();
    const tokens = cache(counted);
    const admin = createKeycloakAdmin({ url: KEYCLOAK_URL, realm: REALM, timeoutMs: 5000, tokens });
    const user = await createTestUser({ tier: 'starter' });
    const good = await tokens.get();
    expect(seen.tokenRequests).toBe(1);

    // Make the cached token useless the way a revoked or expired one would be: Keycloak rejects it.
    const revoked = await fetch(`${KEYCLOAK_URL}/realms/${REALM}/protocol/openid-connect/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: good, client_id: SERVICE_CLIENT.clientId, client_secret: SERVICE_CLIENT.secret }),
    });
    expect(revoked.status).toBe(200);
    const direct = await fetch(`${KEYCLOAK_URL}/admin/realms/${REALM}/users/${user.id}`, { headers: { authorization: `Bearer ${good}` } });
    expect(direct.status).toBe(401);

    const found = await admin.getUser(user.id);
    expect(found?.username).toBe(user.username);
    expect(seen.tokenRequests).toBe(2);
    expect(await tokens.get()).not.toBe(good);
  });

  test('wrong client credentials are an error that says so, and never contains the secret', async () => {
    const secret = 'definitely-not-the-secret-123';
    const tokens = createServiceTokenCache({ tokenUrl, clientId: SERVICE_CLIENT.clientId, clientSecret: secret, timeoutMs: 5000, refreshSkewSeconds: 30 });
    await expect(tokens.get()).rejects.toMatchObject({ code: 'KEYCLOAK_UNAVAILABLE', message: expect.stringContaining('rejected the service client credentials') });
    await tokens.get().catch((error: Error) => expect(`${error.message} ${error.stack}`).not.toContain(secret));
  });
});
