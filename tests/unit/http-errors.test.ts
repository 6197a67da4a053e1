/**
 * The HTTP surface's error contract (docs/api.md), with in-memory stand-ins for the token verifier and
 * readiness (the project's own interfaces; the real ones are covered by the integration suites).
 */
import request from 'supertest';
import { loadConfig } from '../../src/config/config.js';
import { AppError } from '../../src/errors.js';
import { createApp } from '../../src/http/app.js';
import type { Principal } from '../../src/keycloak/token-verifier.js';
import { createEnvelopeCodec } from '../../src/crypto/envelope.js';
import { createLogger } from '../../src/observability/logger.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createKeyService } from '../../src/vault/key-service.js';
import { createInMemoryStore } from '../support/in-memory-store.js';
import { emptyAdoptionStats, walksOver } from '../support/walks.js';
import { systemClock } from '../../src/vault/ports.js';

const config = loadConfig({
  KEYCLOAK_URL: 'http://kc.invalid',
  KEYCLOAK_CLIENT_SECRET: 'x',
  ENCRYPTION_KEYS: `1:${Buffer.alloc(32).toString('base64')}`,
  BODY_LIMIT_BYTES: '2048',
});

const alice: Principal = { subject: 'u-1', username: 'alice', clientId: 'ops-center', realmRoles: new Set(['byok-admin', 'other']), expiresAt: 0 };
const service: Principal = { subject: 's-1', username: 'service-account-x', clientId: 'x', realmRoles: new Set(['byok-internal']), expiresAt: 0 };
const verifier = {
  async verify(token: string): Promise<Principal> {
    if (token === 'good') return alice;
    if (token === 'service') return service;
    if (token === 'explode') throw new Error('boom: internal detail');
    throw new AppError('UNAUTHENTICATED', { message: 'The bearer token is not valid: expired.' });
  },
};
// Every token of this test is active (revocation is proven against Keycloak in tests/integration/revocation.test.ts).
const introspection = { assertActive: async () => undefined };
const readiness = { check: async () => ({ ready: true, reason: undefined, checks: [] }) };
const logger = createLogger({ level: 'silent' });
const registry = createProviderRegistry();
const keys = createKeyService({
  store: createInMemoryStore().store,
  locks: createInProcessLocks(),
  codec: createEnvelopeCodec(config.keyring),
  registry,
  tester: { test: async () => ({ status: 'valid', testedAt: new Date().toISOString() }) },
  checkBaseUrl: async () => ({ ok: false, reason: 'not in this test' }),
  limits: config.vault,
  clock: systemClock,
  log: logger,
});
const resolver = {
  resolve: async () => {
    throw new AppError('NO_KEY_AVAILABLE');
  },
  report: async () => 'system' as const,
};
const adoption = emptyAdoptionStats();
const memberships = { get: async () => [] };
const directory = { searchUsers: async () => [], user: async () => undefined, groups: async () => ({ groups: [], truncated: false }) };
const app = createApp({ config, logger, verifier, introspection, readiness, keys, registry, resolver, adoption, memberships, directory });

describe('HTTP error contract', () => {
  test('errors have the shape {error: {code, message, requestId}} and the id is echoed in a header', async () => {
    const response = await request(app).get('/api/v1/me');
    expect(response.status).toBe(401);
    expect(response.body).toEqual({
      error: { code: 'UNAUTHENTICATED', message: expect.any(String), requestId: response.headers['x-request-id'] },
    });
    expect(response.headers['www-authenticate']).toBe('Bearer realm="byok"');
  });

  test("a caller's well-formed X-Request-Id is kept, a hostile one replaced", async () => {
    const kept = await request(app).get('/api/v1/me').set('X-Request-Id', 'trace-123.abc');
    expect(kept.body.error.requestId).toBe('trace-123.abc');
    const replaced = await request(app).get('/api/v1/me').set('X-Request-Id', 'evil <script>"' + 'x'.repeat(200));
    expect(replaced.body.error.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });

  test('an unexpected error is a 500 INTERNAL that hides its message', async () => {
    const response = await request(app).get('/api/v1/me').set('Authorization', 'Bearer explode');
    expect(response.status).toBe(500);
    expect(response.body.error.code).toBe('INTERNAL');
    expect(JSON.stringify(response.body)).not.toContain('boom');
  });

  test('malformed JSON is 400 MALFORMED_JSON and an oversized body 413 PAYLOAD_TOO_LARGE', async () => {
    const bad = await request(app).post('/api/v1/me').set('Authorization', 'Bearer good').set('content-type', 'application/json').send('{"a":');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('MALFORMED_JSON');
    const big = await request(app)
      .post('/api/v1/me')
      .set('Authorization', 'Bearer good')
      .set('content-type', 'application/json')
      .send(JSON.stringify({ a: 'x'.repeat(4096) }));
    expect(big.status).toBe(413);
    expect(big.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  test('an anonymous request is refused before its body is read', async () => {
    const response = await request(app).post('/api/v1/me').set('content-type', 'application/json').send('{"a":');
    expect(response.status).toBe(401);
  });

  test('unknown routes are 404 NOT_FOUND in the same shape', async () => {
    const response = await request(app).get('/nope');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('NOT_FOUND');
  });

  test('/api/v1/me shows only byok roles of the caller', async () => {
    const response = await request(app).get('/api/v1/me').set('Authorization', 'Bearer good');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ subject: 'u-1', username: 'alice', clientId: 'ops-center', roles: ['byok-admin'] });
    expect(response.headers['cache-control']).toBe('no-store');
  });

  // The internal endpoints are served outside Express when the URL is exactly the path (app.ts), and by
  // Express otherwise (with a query string): both must give the same answers.
  describe.each([
    ['served directly', '/api/v1/internal/resolve'],
    ['served by Express', '/api/v1/internal/resolve?via=express'],
  ])('POST /internal/resolve %s', (_how, path) => {
    const post = () => request(app).post(path).set('X-Request-Id', 'trace-7');

    test('no token: 401 with the challenge; a user token: 403', async () => {
      const anonymous = await post().send({ userId: 'u-1' });
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="byok"');
      expect(anonymous.body.error).toEqual({ code: 'UNAUTHENTICATED', message: expect.any(String), requestId: 'trace-7' });
      const user = await post().set('Authorization', 'Bearer good').send({ userId: 'u-1' });
      expect(user.status).toBe(403);
      expect(user.body.error.code).toBe('FORBIDDEN');
    });

    test('bad bodies: MALFORMED_JSON, PAYLOAD_TOO_LARGE, VALIDATION_FAILED with details, UNSUPPORTED_MEDIA_TYPE', async () => {
      const authorised = () => post().set('Authorization', 'Bearer service').set('content-type', 'application/json');
      expect((await authorised().send('{"userId":')).body.error.code).toBe('MALFORMED_JSON');
      const big = await authorised().send(JSON.stringify({ userId: 'x'.repeat(4096) }));
      expect([big.status, big.body.error.code]).toEqual([413, 'PAYLOAD_TOO_LARGE']);
      const invalid = await authorised().send({ userId: 'u-1', extra: true });
      expect(invalid.status).toBe(400);
      expect(invalid.body.error.code).toBe('VALIDATION_FAILED');
      expect(invalid.body.error.details.length).toBeGreaterThan(0);
      const notJson = await post().set('Authorization', 'Bearer service').set('content-type', 'text/plain').send('userId=u-1');
      expect([notJson.status, notJson.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
      const untyped = await post().set('Authorization', 'Bearer service').set('content-type', '').send(Buffer.from('{"userId":"u-1"}'));
      expect([untyped.status, untyped.body.error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    });

    test("the resolver's error becomes the answer, with the API headers", async () => {
      const response = await post().set('Authorization', 'Bearer service').send({ userId: 'u-1', provider: 'openai' });
      expect(response.status).toBe(404);
      expect(response.body.error).toEqual({ code: 'NO_KEY_AVAILABLE', message: expect.any(String), requestId: 'trace-7' });
      expect(response.headers['x-request-id']).toBe('trace-7');
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    });
  });
});
