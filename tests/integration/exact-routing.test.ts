/**
 * Routing is exact (issue 12, item 5) against the real Keycloak: a path spelled any other way (case
 * of any segment, trailing slash, double slash, percent-encoded letters or slash) is a 404, so no rule
 * keyed on the path (the hot path, the `/internal` and `/admin` gates, `Cache-Control`) can disagree
 * with the route that serves it. And the one answer that carries a secret, `/internal/resolve`, sets
 * `Cache-Control: no-store` itself, wherever it is mounted.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { createAuthenticator } from '../../src/http/middleware/auth.js';
import { internalEndpoints } from '../../src/http/routes/internal.js';
import { jsonBody } from '../../src/http/middleware/json-body.js';
import { createErrorResponder } from '../../src/http/middleware/errors.js';
import { createLogger } from '../../src/observability/logger.js';
import { REALM } from '../support/env.js';
import { userToken } from '../support/keycloak.js';
import { internalToken, keyedUser } from '../support/resolve.js';

const service = createTestService();
const { app } = service;

/** Every odd spelling of `path`'s literal segments (`values` are parameters: their case is data). */
function spellingsOf(path: string, values: string[] = []): string[] {
  const segments = path.split('/').slice(1);
  const variants = new Set<string>();
  segments.forEach((segment, i) => {
    const swap = (replacement: string) => `/${segments.map((s, j) => (j === i ? replacement : s)).join('/')}`;
    if (/[a-z]/.test(segment) && !values.includes(segment)) {
      variants.add(swap(segment.toUpperCase()));
      variants.add(swap(segment.charAt(0).toUpperCase() + segment.slice(1)));
      const letter = segment.search(/[a-z]/);
      // The first letter percent-encoded: %72esolve for resolve.
      variants.add(swap(`${segment.slice(0, letter)}%${segment.charCodeAt(letter).toString(16)}${segment.slice(letter + 1)}`));
    }
    variants.add(swap(`/${segment}`)); // a double slash before it
  });
  variants.add(`${path}/`);
  variants.add(`${path}//`);
  variants.add(`/${path}`);
  variants.add(path.replace(/\/([^/]+)$/, '%2F$1')); // last slash encoded
  variants.add(path.toUpperCase());
  variants.delete(path);
  return [...variants];
}

describe('exact routing', () => {
  test('every other spelling of /internal/resolve and /internal/report is a 404 and never carries the key', async () => {
    const owner = await keyedUser(app);
    const { secret } = await owner.addKey('openai');
    const token = await internalToken();
    const body = { userId: owner.id, provider: 'openai' };

    const exact = await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send(body);
    expect([exact.status, exact.body.apiKey, exact.headers['cache-control']]).toEqual([200, secret, 'no-store']);
    const viaExpress = await request(app).post('/api/v1/internal/resolve?via=express').set('Authorization', `Bearer ${token}`).send(body);
    expect([viaExpress.status, viaExpress.headers['cache-control']]).toEqual([200, 'no-store']);

    const spellings = [...spellingsOf('/api/v1/internal/resolve'), ...spellingsOf('/api/v1/internal/report')];
    expect(spellings).toEqual(expect.arrayContaining(['/API/v1/internal/resolve', '/api/v1/internal/RESOLVE', '/api/v1/internal/%72esolve', '/api/v1/internal/resolve/', '//api/v1/internal/resolve']));
    for (const path of spellings) {
      const response = await request(app).post(path).set('Authorization', `Bearer ${token}`).send({ ...body, keyId: exact.body.keyId, outcome: 'unauthorized' });
      expect([path, response.status, response.body.error?.code]).toEqual([path, 404, 'NOT_FOUND']);
      expect(response.text).not.toContain(secret);
      expect(response.headers['cache-control']).toBe('no-store');
    }
    // No odd spelling reported the key: it is still served.
    expect((await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send(body)).body.apiKey).toBe(secret);
  });

  test('every other spelling of the user and admin routes is a 404 for users and admins alike', async () => {
    const owner = await keyedUser(app);
    const { id: keyId } = await owner.addKey('openai');
    const admin = await userToken({ username: 'ops', password: 'ops' });
    const routes: [string, string][] = [
      ['get', '/api/v1/byok/keys'],
      ['get', '/api/v1/byok/stats'],
      ['post', '/api/v1/byok/keys/test/openai'],
      ['patch', `/api/v1/byok/keys/openai/${keyId}`],
      ['get', `/api/v1/admin/users/${owner.id}/keys`],
      ['get', '/api/v1/admin/stats'],
    ];
    for (const [method, path] of routes) {
      for (const token of [owner.token, admin]) {
        if (token === owner.token) {
          const exact = await request(app)[method as 'get'](path).set('Authorization', `Bearer ${token}`).send(method === 'patch' ? { label: 'x' } : undefined);
          expect([path, exact.status]).toEqual([path, path.includes('/admin/') ? 403 : 200]);
        }
        for (const odd of spellingsOf(path, ['openai', keyId, owner.id])) {
          const response = await request(app)[method as 'get'](odd).set('Authorization', `Bearer ${token}`).send(method === 'patch' ? { label: 'changed' } : undefined);
          // 403 from a gate that stands in front of the same prefix is the "same gated answer".
          expect([odd, [403, 404].includes(response.status)]).toEqual([odd, true]);
        }
      }
    }
    // Nothing was changed through an odd spelling.
    const listed = await request(app).get('/api/v1/byok/keys?provider=openai').set('Authorization', `Bearer ${owner.token}`);
    expect(listed.body.providers[0].keys[0].label).toBe('x');
  });

  test('every answer of the hot path carries its request id and no-store, once: 200, 204, 400, 401, 403, 404, 415', async () => {
    // The hot path writes these with the answer's other headers in one writeHead (errors.ts).
    const owner = await keyedUser(app);
    const { id: keyId } = await owner.addKey('openai');
    const token = await internalToken();
    const resolve = '/api/v1/internal/resolve';
    const answers = [
      [200, request(app).post(resolve).set('Authorization', `Bearer ${token}`).send({ userId: owner.id, provider: 'openai' })],
      [204, request(app).post('/api/v1/internal/report').set('Authorization', `Bearer ${token}`).send({ userId: owner.id, provider: 'openai', keyId, outcome: 'ok' })],
      [400, request(app).post(resolve).set('Authorization', `Bearer ${token}`).send({ userId: owner.id, extra: 1 })],
      [401, request(app).post(resolve).send({ userId: owner.id })],
      [403, request(app).post(resolve).set('Authorization', `Bearer ${owner.token}`).send({ userId: owner.id })],
      [404, request(app).post(resolve).set('Authorization', `Bearer ${token}`).send({ userId: owner.id, provider: 'anthropic' })],
      [415, request(app).post(resolve).set('Authorization', `Bearer ${token}`).set('Content-Type', 'text/plain').send('userId')],
    ] as const;
    for (const [status, pending] of answers) {
      const response = await pending;
      const id = response.headers['x-request-id'] as string;
      expect([response.status, response.headers['cache-control'], id]).toEqual([status, 'no-store', expect.stringMatching(/^[0-9a-f-]{36}$/)]);
      if (status >= 400) expect(response.body.error.requestId).toBe(id);
      if (status === 401) expect(response.headers['www-authenticate']).toMatch(/^Bearer/);
      // Each header once (a repeated one would come joined with ", ").
      const { rawHeaders } = (response as unknown as { res: { rawHeaders: string[] } }).res;
      const names = rawHeaders.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
      expect(names).toEqual(expect.arrayContaining(['x-request-id', 'cache-control']));
      expect(names.length - new Set(names).size).toBe(0);
    }
    const traced = await request(app).post(resolve).set('Authorization', `Bearer ${token}`).set('X-Request-Id', 'trace-42').send({ userId: owner.id, provider: 'openai' });
    expect([traced.status, traced.headers['x-request-id']]).toEqual([200, 'trace-42']);
  });

  test('the resolve answer sets no-store itself, wherever the endpoint is mounted', async () => {
    const owner = await keyedUser(app);
    const { secret } = await owner.addKey('openai');
    const [resolve] = internalEndpoints('/elsewhere', service, createAuthenticator(service.verifier, REALM), (req, res) =>
      new Promise((done, fail) => jsonBody({ limitBytes: 65536 })(req as never, res as never, (error?: unknown) => (error ? fail(error as Error) : done((req as { body?: unknown }).body)))),
    );
    const respondError = createErrorResponder(createLogger({ level: 'silent' }));
    const server = createServer((req, res) => resolve!.serve(req, res, { answered: () => undefined, fail: (error: unknown) => respondError(error, req, res) }));
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    try {
      const { port } = server.address() as AddressInfo;
      const response = await fetch(`http://127.0.0.1:${port}/elsewhere/internal/resolve`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await internalToken()}`, 'content-type': 'application/json' },
        body: JSON.stringify({ userId: owner.id, provider: 'openai' }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { apiKey: string }).apiKey).toBe(secret);
      expect(response.headers.get('cache-control')).toBe('no-store');
    } finally {
      server.close();
    }
  });
});
