/**
 * Helpers for resolution tests: a user with keys added through the API, and resolve/report calls made
 * with a real internal-service token.
 */
import request from 'supertest';
import type { RequestListener } from 'node:http';
import { INTERNAL_CLIENT } from './env.js';
import { clientToken, createTestUser, userToken, type TestUser } from './keycloak.js';
import { testApiKey } from './secrets.js';

export async function internalToken(): Promise<string> {
  return clientToken(INTERNAL_CLIENT);
}

export interface KeyedUser extends TestUser {
  token: string;
  /** Adds a key through the user API and returns its id and secret. */
  addKey(provider: string, extra?: Record<string, unknown>): Promise<{ id: string; secret: string }>;
}

export async function keyedUser(app: RequestListener, tier = 'starter'): Promise<KeyedUser> {
  const user = await createTestUser({ tier });
  const token = await userToken(user);
  return {
    ...user,
    token,
    async addKey(provider, extra = {}) {
      const secret = testApiKey(provider);
      const response = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider, apiKey: secret, ...extra });
      if (response.status !== 201) throw new Error(`add failed: ${response.status} ${JSON.stringify(response.body)}`);
      return { id: response.body.id as string, secret };
    },
  };
}

export function resolver(app: RequestListener, token: string) {
  return {
    resolve: (body: Record<string, unknown>) => request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send(body),
    report: (body: Record<string, unknown>) => request(app).post('/api/v1/internal/report').set('Authorization', `Bearer ${token}`).send(body),
  };
}
