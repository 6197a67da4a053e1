/**
 * The storage premise of the product: a `byok_*` attribute written by the service account is kept by
 * Keycloak (the realm's user profile lets admins edit unmanaged attributes) and is invisible to the
 * user through Keycloak's own account API.
 */
import { createKeycloakAdmin } from '../../src/keycloak/admin-client.js';
import { createServiceTokenCache } from '../../src/keycloak/service-token.js';
import { KEYCLOAK_URL, REALM, SERVICE_CLIENT } from '../support/env.js';
import { createTestUser, userToken } from '../support/keycloak.js';

function serviceAdmin() {
  const tokens = createServiceTokenCache({
    tokenUrl: `${KEYCLOAK_URL}/realms/${REALM}/protocol/openid-connect/token`,
    clientId: SERVICE_CLIENT.clientId,
    clientSecret: SERVICE_CLIENT.secret,
    timeoutMs: 5000,
    refreshSkewSeconds: 30,
  });
  return createKeycloakAdmin({ url: KEYCLOAK_URL, realm: REALM, timeoutMs: 5000, tokens });
}

describe('byok_* attributes in Keycloak', () => {
  test('an attribute written with the service account survives a round trip, other attributes kept', async () => {
    const admin = serviceAdmin();
    const user = await createTestUser({ tier: 'starter', attributes: { department: ['research'] } });
    const before = await admin.getUser(user.id);
    expect(before?.attributes?.department).toEqual(['research']);

    const values = ['v1.record-one', 'v1.record-two'];
    await admin.putUser(user.id, { ...before, attributes: { ...before?.attributes, byok_openai_keys: values } });

    const after = await admin.getUser(user.id);
    expect([...(after?.attributes?.byok_openai_keys ?? [])].sort()).toEqual([...values].sort());
    expect(after?.attributes?.department).toEqual(['research']);
    expect(after?.attributes?.subscription_tier).toEqual(['starter']);
    expect(after?.firstName).toBe(before?.firstName);
    expect(after?.email).toBe(before?.email);
  });

  test('the user cannot see byok_* attributes through the account API with their own token', async () => {
    const admin = serviceAdmin();
    const user = await createTestUser({ tier: 'starter' });
    const stored = await admin.getUser(user.id);
    await admin.putUser(user.id, { ...stored, attributes: { ...stored?.attributes, byok_openai_keys: ['v1.hidden'] } });
    expect((await admin.getUser(user.id))?.attributes?.byok_openai_keys).toEqual(['v1.hidden']);

    const token = await userToken(user);
    const response = await fetch(`${KEYCLOAK_URL}/realms/${REALM}/account/`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
    });
    expect(response.status).toBe(200);
    const account = (await response.json()) as { username?: string; attributes?: Record<string, unknown> };
    expect(account.username).toBe(user.username);
    const visible = Object.keys(account.attributes ?? {});
    expect(visible.filter((name) => name.startsWith('byok_'))).toEqual([]);
    expect(visible).not.toContain('subscription_tier');
    expect(JSON.stringify(account)).not.toContain('v1.hidden');
  });

  test('the user cannot set byok_* attributes through the account API', async () => {
    const admin = serviceAdmin();
    const user = await createTestUser({ tier: 'free' });
    const token = await userToken(user);
    const url = `${KEYCLOAK_URL}/realms/${REALM}/account/`;
    const current = (await (await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } })).json()) as Record<string, unknown>;
    await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...current, attributes: { byok_openai_keys: ['planted'], subscription_tier: ['enterprise'] } }),
    });
    const stored = await admin.getUser(user.id);
    expect(stored?.attributes?.byok_openai_keys).toBeUndefined();
    expect(stored?.attributes?.subscription_tier).toEqual(['free']);
  });
});
