/**
 * Test helpers that talk to the real test Keycloak: a master-admin client for fixtures, unique users,
 * and tokens obtained the way real callers obtain them.
 */
import { randomBytes } from 'node:crypto';
import KcAdminClient from '@keycloak/keycloak-admin-client';
import { KEYCLOAK_URL, MASTER_ADMIN, REALM, UI_CLIENT_ID } from './env.js';

/** A fresh admin client logged in to master and pointed at `realm` (master tokens live 60 s). */
export async function masterAdmin(realm = REALM): Promise<KcAdminClient> {
  const kc = new KcAdminClient({ baseUrl: KEYCLOAK_URL, realmName: 'master' });
  await kc.auth({ grantType: 'password', clientId: 'admin-cli', ...MASTER_ADMIN });
  kc.setConfig({ realmName: realm });
  return kc;
}

export interface TestUser {
  id: string;
  username: string;
  password: string;
}

/** A new user with a unique name, so tests share no state. */
export async function createTestUser(
  options: { tier?: string; attributes?: Record<string, string[]>; firstName?: string; lastName?: string } = {},
  realm = REALM,
): Promise<TestUser> {
  const kc = await masterAdmin(realm);
  const username = `t-${randomBytes(6).toString('hex')}`;
  const password = randomBytes(12).toString('base64url');
  const { id } = await kc.users.create({
    username,
    enabled: true,
    email: `${username}@example.com`,
    emailVerified: true,
    firstName: options.firstName ?? 'Test',
    lastName: options.lastName ?? 'User',
    attributes: { ...(options.tier ? { subscription_tier: [options.tier] } : {}), ...options.attributes },
    credentials: [{ type: 'password', value: password, temporary: false }],
  });
  return { id, username, password };
}

async function tokenRequest(realm: string, form: Record<string, string>): Promise<string> {
  const response = await fetch(`${KEYCLOAK_URL}/realms/${realm}/protocol/openid-connect/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form),
  });
  const body = (await response.json()) as { access_token?: string; error?: string; error_description?: string };
  if (!response.ok || !body.access_token) {
    throw new Error(`token request failed: ${response.status} ${body.error ?? ''} ${body.error_description ?? ''}`);
  }
  return body.access_token;
}

/** A user's access token from the ops-center client (password grant: development realm only). */
export function userToken(user: { username: string; password: string }, realm = REALM): Promise<string> {
  return tokenRequest(realm, {
    grant_type: 'password',
    client_id: UI_CLIENT_ID,
    username: user.username,
    password: user.password,
    scope: 'openid',
  });
}

/** A service's access token (client-credentials grant). */
export function clientToken(client: { clientId: string; secret: string }, realm = REALM): Promise<string> {
  return tokenRequest(realm, { grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.secret });
}

/** The claims of a JWT, unverified (for assertions only). */
export function claimsOf(token: string): Record<string, unknown> {
  const payload = token.split('.')[1] ?? '';
  return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
}
