/**
 * The OpenAPI document (`/openapi.json`, rendered at `/docs`): every route the app serves is in it
 * and everything in it is served, request bodies come from the routes' own zod schemas, and real
 * answers of the service (against the real Keycloak) parse with its response schemas.
 */
import request from 'supertest';
import { errorResponse, keyView, openApiDocument, ownerKeys, resolution } from '../../src/http/openapi.js';
import { createTestService } from '../support/app.js';
import { clientToken, createTestUser, userToken } from '../support/keycloak.js';
import { INTERNAL_CLIENT } from '../support/env.js';
import { testApiKey } from '../support/secrets.js';

const service = createTestService();
const { app } = service;
type Doc = { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> } }>>; components: { schemas: Record<string, unknown> } };

const served = () => app.routes().map(({ method, path }) => `${method.toUpperCase()} ${path.replace(/:(\w+)/g, '{$1}')}`);
const documented = (doc: Doc) => Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));

describe('OpenAPI document', () => {
  test('GET /openapi.json: every route the app serves is documented, and every documented route is served', async () => {
    const response = await request(app).get('/openapi.json');
    expect(response.status).toBe(200);
    const doc = response.body as Doc;
    expect(doc.openapi).toBe('3.1.0');
    const routes = served();
    // The walk found the app's routes (user, internal, admin, operations, UI), not an empty list.
    expect(routes).toEqual(expect.arrayContaining(['POST /api/v1/internal/resolve', 'PATCH /api/v1/byok/keys/{provider}/{keyId}', 'GET /readyz', 'GET /']));
    expect(routes.length).toBeGreaterThan(25);
    const inDoc = new Set(documented(doc));
    expect(routes.filter((route) => !inDoc.has(route))).toEqual([]);
    const servedSet = new Set(routes);
    expect([...inDoc].filter((route) => !servedSet.has(route))).toEqual([]);
  });

  test('request bodies are the zod schemas the routes parse with; named schemas are components', () => {
    const doc = openApiDocument({ version: 'test' }) as unknown as Doc;
    const add = doc.paths['/api/v1/byok/keys/add']?.post?.requestBody?.content['application/json']?.schema;
    expect(add?.required).toEqual(expect.arrayContaining(['provider', 'apiKey']));
    expect(Object.keys(add?.properties ?? {})).toEqual(expect.arrayContaining(['provider', 'apiKey', 'label', 'baseUrl', 'expiresAt', 'keyId']));
    const resolve = doc.paths['/api/v1/internal/resolve']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(resolve?.properties ?? {})).toEqual(expect.arrayContaining(['userId', 'provider', 'model', 'groupId', 'allowSystemFallback']));
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['Error', 'KeyView', 'OwnerKeys', 'Resolution']));
    expect(JSON.stringify(doc)).not.toContain('#/$defs/');
  });

  test("the service's real answers parse with the documented response schemas", async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: testApiKey('openai'), label: 'Docs' });
    expect(added.status).toBe(201);
    expect(keyView.strict().safeParse(added.body).error).toBeUndefined();
    const listed = await request(app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${token}`);
    expect(ownerKeys.strict().safeParse(listed.body).error).toBeUndefined();
    const internal = await clientToken(INTERNAL_CLIENT);
    const resolved = await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${internal}`).send({ userId: user.id, model: 'gpt-4o' });
    expect(resolved.status).toBe(200);
    expect(resolution.strict().safeParse(resolved.body).error).toBeUndefined();
    const refused = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'nope', apiKey: 'x' });
    expect(errorResponse.strict().safeParse(refused.body).error).toBeUndefined();
  });

  test('GET /docs is Swagger UI from this origin under a strict CSP', async () => {
    const page = await request(app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe');
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url as string);
    expect(sources).toEqual(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/init.js']);
    for (const source of sources) expect((await request(app).get(source)).status).toBe(200);
    expect(page.text).not.toMatch(/<script>[^<]/); // no inline script
    expect((await request(app).get('/docs/assets/package.json')).status).toBe(404);
  });
});
