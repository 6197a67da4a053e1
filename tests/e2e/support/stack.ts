/**
 * The real stack for browser tests: the service (in-process, listening on a fixed port so that the
 * realm's ops-center client can allow it as a redirect URI), the test Keycloak, and a local fake
 * provider as OpenAI's base URL. `env` adds service settings (e.g. a platform key, OPENAI_API_KEY).
 */
import { createServer, type Server } from 'node:http';
import request from 'supertest';
import { createTestService } from '../../support/app.js';
import { UI_CLIENT_ID } from '../../support/env.js';
import { startFakeProvider, type FakeProvider } from '../../support/fake-provider.js';
import { claimsOf, masterAdmin, userToken } from '../../support/keycloak.js';
import { internalToken } from '../../support/resolve.js';

/** Keycloak matches redirect URIs per port, so the browser tests use a fixed one. */
export const E2E_PORT = Number(process.env.BYOK_E2E_PORT ?? 18787);
export const ORIGIN = `http://127.0.0.1:${E2E_PORT}`;

/**
 * Lets the ops-center client redirect to the test origin (redirect URI, web origin for CORS, and
 * post-logout redirect). Additive and idempotent: the realm may be shared with other test runs.
 */
export async function allowUiOrigin(origin: string): Promise<void> {
  const kc = await masterAdmin();
  const client = (await kc.clients.find({ clientId: UI_CLIENT_ID })).find((found) => found.clientId === UI_CLIENT_ID);
  if (!client?.id) throw new Error(`client ${UI_CLIENT_ID} not found: run the realm bootstrap first`);
  const redirect = `${origin}/*`;
  const redirectUris = client.redirectUris ?? [];
  const webOrigins = client.webOrigins ?? [];
  const postLogout = (client.attributes?.['post.logout.redirect.uris'] ?? '').split('##').filter(Boolean);
  if (redirectUris.includes(redirect) && webOrigins.includes(origin) && postLogout.includes(redirect)) return;
  await kc.clients.update(
    { id: client.id },
    {
      ...client,
      redirectUris: [...new Set([...redirectUris, redirect])],
      webOrigins: [...new Set([...webOrigins, origin])],
      attributes: { ...client.attributes, 'post.logout.redirect.uris': [...new Set([...postLogout, redirect])].join('##') },
    },
  );
}

export interface Stack {
  service: ReturnType<typeof createTestService>;
  fake: FakeProvider;
  close(): Promise<void>;
}

export async function startStack(respondByKey: Record<string, number> = {}, env: Record<string, string> = {}): Promise<Stack> {
  await allowUiOrigin(ORIGIN);
  const fake = await startFakeProvider({ respondByKey });
  const service = createTestService({ OPENAI_BASE_URL: fake.url, ...env });
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = createServer(service.app).listen(E2E_PORT, '127.0.0.1', () => resolve(listening));
    listening.once('error', reject);
  });
  return {
    service,
    fake,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await fake.close();
    },
  };
}

/** A user's API session (password grant of the development realm), for set-up and checks. */
export async function apiAs(stack: Stack, user: { username: string; password: string }) {
  const token = await userToken(user);
  const as = <T extends request.Test>(test: T) => test.set('Authorization', `Bearer ${token}`);
  const app = stack.service.app;
  return {
    /** The user's Keycloak id (the token's subject). */
    id: String(claimsOf(token).sub),
    token,
    listOpenai: async (): Promise<Array<{ id: string; label: string; maskedKey: string; testStatus: string | null }>> =>
      (await as(request(app).get('/api/v1/byok/keys?provider=openai')).expect(200)).body.providers[0].keys,
    clearOpenai: async () => {
      await as(request(app).delete('/api/v1/byok/keys/openai')).expect(204);
    },
    addOpenai: async (apiKey: string, label: string) => (await as(request(app).post('/api/v1/byok/keys/add')).send({ provider: 'openai', apiKey, label }).expect(201)).body,
    owner: async () => (await as(request(app).get('/api/v1/byok/keys?provider=openai')).expect(200)).body,
    strict: async (): Promise<boolean> => (await as(request(app).get('/api/v1/byok/preferences')).expect(200)).body.strict,
    setStrict: async (strict: boolean) => {
      await as(request(app).put('/api/v1/byok/preferences')).send({ strict }).expect(200);
    },
    /** A call through the signing gateway with the user's own token, as an SDK would make it. */
    gatewayChat: (model = 'gpt-4o-mini') =>
      as(request(app).post('/api/v1/proxy/openai/chat/completions')).send({ model, messages: [{ role: 'user', content: 'Hello' }] }),
    /** Any request with the user's token (for checks of what the API refuses). */
    as,
  };
}

/** `POST /internal/resolve` as an internal service (client credentials, realm role byok-internal). */
export async function resolveAs(stack: Stack, body: { userId: string; provider: string }) {
  const token = await internalToken();
  return request(stack.service.app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send(body);
}
