/**
 * The OpenAPI document (`/openapi.json`, rendered at `/docs`) is the endpoint table: it passes an
 * OpenAPI 3.1 validator (which dereferences it, refusing circular references), every endpoint of the
 * table is in it and served, and every error code an endpoint answers is listed for it: for the
 * codes each kind of endpoint answers (tokens, roles, bodies, parameters) the table itself says which
 * requests provoke them; the domain's codes are provoked one by one; and every code thrown anywhere
 * in src/ is listed by some endpoint.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dereference, validate } from '@readme/openapi-parser';
import request from 'supertest';
import { ERROR_CODES, type ErrorCode } from '../../src/errors.js';
import { ENDPOINTS } from '../../src/http/endpoints/index.js';
import { errorsOf, type Endpoint } from '../../src/http/endpoints/endpoint.js';
import { errorResponse, keyView, openApiDocument, ownerKeys, resolution } from '../../src/http/openapi.js';
import { adoptionStats, keyList, keyStats } from '../../src/http/endpoints/views.js';
import { createTestService } from '../support/app.js';
import { clientToken, createTestUser, userToken } from '../support/keycloak.js';
import { INTERNAL_CLIENT, KEYCLOAK_URL, REALM, TEST_METRICS_TOKEN } from '../support/env.js';
import { testApiKey } from '../support/secrets.js';

const service = createTestService();
const { app } = service;
type Operation = { requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown>; required?: string[] } }> }; responses: Record<string, unknown>; security?: unknown[] };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, { flows?: Record<string, { tokenUrl?: string; authorizationUrl?: string }> }> } };

const key = (endpoint: { method: string; path: string }) => `${endpoint.method.toUpperCase()} ${endpoint.path}`;
const documented = (doc: Doc) => Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`));
/** The error codes the document lists for an operation (from its error responses' examples). */
const documentedCodes = (doc: Doc, endpoint: Pick<Endpoint, 'method' | 'path'>): string[] =>
  Object.values(doc.paths[endpoint.path]?.[endpoint.method]?.responses ?? {}).flatMap((response) =>
    Object.keys((response as { content?: { 'application/json'?: { examples?: Record<string, unknown> } } }).content?.['application/json']?.examples ?? {}),
  );

let doc: Doc;
beforeAll(async () => {
  doc = (await request(app).get('/openapi.json')).body as Doc;
});

/** A path of the table with its parameters filled in (values that exist in shape, not in Keycloak). */
function concrete(path: string, values: Record<string, string> = {}): string {
  const defaults: Record<string, string> = { provider: 'openai', keyId: 'k_AAAAAAAAAAAAAAAA', groupId: '00000000-0000-4000-8000-000000000000', userId: '00000000-0000-4000-8000-000000000001', file: 'swagger-ui.css' };
  return path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(values[name] ?? defaults[name] ?? 'x'));
}

describe('OpenAPI document', () => {
  test('/openapi.json passes an OpenAPI 3.1 validator and dereferences without circular references', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const result = await validate(structuredClone(doc) as never);
    expect(result.valid ? [] : result.errors).toEqual([]);
    // Fully dereferenced (circular references refused): a client generator gets plain schemas.
    const flat = (await dereference(structuredClone(doc) as never, { dereference: { circular: false } })) as unknown as Doc;
    const refused = flat.paths['/api/v1/byok/keys/add']?.post?.responses['400'] as { content: { 'application/json': { schema: { properties: { error: { properties: { code: { enum: string[] } } } } } } } };
    // An error body is an object with the code list, not "string".
    expect(refused.content['application/json'].schema.properties.error.properties.code.enum).toEqual(expect.arrayContaining(['VALIDATION_FAILED', 'UNKNOWN_PROVIDER']));
    expect(JSON.stringify(flat)).not.toContain('$ref');
  });

  test('every endpoint of the table is documented, and every documented operation is an endpoint the app serves', async () => {
    const inTable = ENDPOINTS.map(key).sort();
    expect(documented(doc).sort()).toEqual(inTable);
    expect(inTable).toEqual(expect.arrayContaining(['POST /api/v1/internal/resolve', 'PATCH /api/v1/admin/groups/{groupId}/keys/{provider}/{keyId}', 'GET /readyz', 'GET /']));
    // The app routes nothing else (its routes are the table's), and serves each: no "No such route".
    expect(app.routes().map(key).sort()).toEqual(inTable);
    const admin = await userToken({ username: 'ops', password: 'ops' });
    const internal = await clientToken(INTERNAL_CLIENT);
    const assets = readdirSync(join('dist', 'ui', 'assets'));
    for (const endpoint of ENDPOINTS) {
      const token = endpoint.access === 'internal' ? internal : endpoint.path === '/metrics' ? TEST_METRICS_TOKEN : admin;
      const path = concrete(endpoint.path, { file: endpoint.path.startsWith('/assets/') ? (assets[0] ?? 'x') : 'swagger-ui.css' });
      const response = await request(app)[endpoint.method](path).set('Authorization', `Bearer ${token}`);
      expect({ route: key(endpoint), code: response.body?.error?.code }).not.toEqual({ route: key(endpoint), code: 'NOT_FOUND' });
    }
  });

  test('every code of the error family is listed by some endpoint, and so is every code src/ throws', () => {
    const listed = new Set(ENDPOINTS.flatMap((endpoint) => documentedCodes(doc, endpoint)));
    const notPerEndpoint = new Set<string>(['INTERNAL', 'METHOD_NOT_ALLOWED']);
    expect(Object.keys(ERROR_CODES).filter((code) => !listed.has(code) && !notPerEndpoint.has(code))).toEqual([]);
    const thrown = new Set<string>();
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        if (entry.isDirectory()) walk(join(dir, entry.name));
        else if (entry.name.endsWith('.ts')) for (const [, code] of readFileSync(join(dir, entry.name), 'utf8').matchAll(/AppError\(\s*'([A-Z_]+)'/g)) thrown.add(code!);
      }
    };
    walk('src');
    expect([...thrown].filter((code) => !listed.has(code) && code !== 'INTERNAL')).toEqual([]);
  });

  test('the codes that tokens, roles, bodies and parameters provoke are answered as each endpoint lists them', async () => {
    const user = await userToken(await createTestUser({ tier: 'starter' }));
    const answered: Array<{ route: string; code: ErrorCode; listed: boolean }> = [];
    const check = (endpoint: Endpoint, body: { error?: { code?: ErrorCode } }, expected: ErrorCode) => {
      answered.push({ route: key(endpoint), code: body.error?.code ?? ('none' as ErrorCode), listed: documentedCodes(doc, endpoint).includes(expected) && errorsOf(endpoint).includes(expected) });
      expect({ route: key(endpoint), code: body.error?.code }).toEqual({ route: key(endpoint), code: expected });
    };
    for (const endpoint of ENDPOINTS.filter((e) => e.kind === 'api')) {
      if (endpoint.kind !== 'api') continue;
      const send = (path = concrete(endpoint.path), token: string | undefined = endpoint.access === 'internal' ? undefined : user) => {
        const call = request(app)[endpoint.method](path);
        return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
      };
      check(endpoint, (await request(app)[endpoint.method](concrete(endpoint.path))).body, 'UNAUTHENTICATED');
      if (endpoint.access === 'admin' || endpoint.access === 'internal') check(endpoint, (await send(concrete(endpoint.path), user)).body, 'FORBIDDEN');
      if (endpoint.access === 'admin' || endpoint.access === 'internal') continue; // the rest needs the role: below
      if (endpoint.body) {
        check(endpoint, (await send().set('Content-Type', 'application/json').send('{"provider":')).body, 'MALFORMED_JSON');
        check(endpoint, (await send().set('Content-Type', 'text/plain').send('provider=openai')).body, 'UNSUPPORTED_MEDIA_TYPE');
        check(endpoint, (await send().set('Content-Type', 'application/json').send(JSON.stringify({ pad: 'x'.repeat(70_000) }))).body, 'PAYLOAD_TOO_LARGE');
        check(endpoint, (await send().send([1])).body, 'VALIDATION_FAILED');
      }
      if (endpoint.params?.provider) check(endpoint, (await send(concrete(endpoint.path, { provider: 'nope' })).send(endpoint.body ? { enabled: true } : undefined)).body, 'UNKNOWN_PROVIDER');
      if (endpoint.params?.keyId) check(endpoint, (await send(concrete(endpoint.path, { keyId: 'not a key' })).send(endpoint.body ? { enabled: true } : undefined)).body, 'KEY_NOT_FOUND');
      if (endpoint.query?.provider) check(endpoint, (await send(`${concrete(endpoint.path)}?provider=nope`)).body, 'UNKNOWN_PROVIDER');
      if (endpoint.query?.keyId) check(endpoint, (await send(`${concrete(endpoint.path)}?keyId=nope`)).body, 'KEY_NOT_FOUND');
    }
    // Admin endpoints with the role: owners that cannot exist, and a missing group.
    const admin = await userToken({ username: 'ops', password: 'ops' });
    for (const endpoint of ENDPOINTS.filter((e) => e.access === 'admin' && /\{(groupId|userId)\}/.test(e.path))) {
      const response = await request(app)[endpoint.method](concrete(endpoint.path, { groupId: 'no such group!', userId: 'no such user!' })).set('Authorization', `Bearer ${admin}`).send(endpoint.method === 'get' || endpoint.method === 'delete' ? undefined : {});
      check(endpoint, response.body, 'OWNER_NOT_FOUND');
    }
    expect(answered.filter((entry) => !entry.listed)).toEqual([]);
    expect(answered.length).toBeGreaterThan(50);
  });

  test("the domain's codes are listed where they are answered", async () => {
    const byRoute = (method: Endpoint['method'], path: string) => ENDPOINTS.find((endpoint) => endpoint.method === method && endpoint.path === path)!;
    const expectListed = (method: Endpoint['method'], path: string, body: { error?: { code?: string } }, code: ErrorCode) => {
      expect(body.error?.code).toBe(code);
      expect(documentedCodes(doc, byRoute(method, path))).toContain(code);
    };
    const free = await userToken(await createTestUser({ tier: 'free' }));
    const add = (token: string, body: object) => request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send(body);
    expectListed('post', '/api/v1/byok/keys/add', (await add(free, { provider: 'openai', apiKey: testApiKey('openai') })).body, 'TIER_REQUIRED');
    const starter = await createTestUser({ tier: 'starter' });
    const token = await userToken(starter);
    expectListed('post', '/api/v1/byok/keys/add', (await add(token, { provider: 'openai', apiKey: 'not-a-key' })).body, 'INVALID_KEY_FORMAT');
    expectListed('post', '/api/v1/byok/keys/add', (await add(token, { provider: 'custom', apiKey: testApiKey('custom'), baseUrl: 'http://127.0.0.1/' })).body, 'INVALID_BASE_URL');
    expectListed('post', '/api/v1/byok/keys/add', (await add(token, { provider: 'openai', apiKey: testApiKey('openai'), keyId: 'k_AAAAAAAAAAAAAAAA' })).body, 'KEY_NOT_FOUND');
    const internal = await clientToken(INTERNAL_CLIENT);
    const resolve = (body: object) => request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${internal}`).send(body);
    expectListed('post', '/api/v1/internal/resolve', (await resolve({ userId: starter.id, provider: 'openai' })).body, 'NO_KEY_AVAILABLE');
    expectListed('post', '/api/v1/internal/resolve', (await resolve({ userId: starter.id, model: 'no-such-model-family' })).body, 'UNKNOWN_MODEL');
    expectListed('post', '/api/v1/internal/resolve', (await resolve({ userId: '00000000-0000-4000-8000-00000000dead', provider: 'openai' })).body, 'OWNER_NOT_FOUND');
    const report = await request(app).post('/api/v1/internal/report').set('Authorization', `Bearer ${internal}`).send({ userId: starter.id, provider: 'openai', keyId: 'k_AAAAAAAAAAAAAAAA', outcome: 'rate_limited' });
    expectListed('post', '/api/v1/internal/report', report.body, 'KEY_NOT_FOUND');
    const limited = createTestService({ RATE_LIMIT_USER_PER_MINUTE: '1' });
    await request(limited.app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${token}`);
    expectListed('get', '/api/v1/byok/keys', (await request(limited.app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${token}`)).body, 'RATE_LIMITED');
  });

  test('request bodies are the zod schemas the routes parse with; named schemas are components; OAuth2 flows name the realm', () => {
    const built = openApiDocument(ENDPOINTS, { version: 'test', keycloak: { url: KEYCLOAK_URL, realm: REALM } }) as unknown as Doc;
    const add = built.paths['/api/v1/byok/keys/add']?.post?.requestBody?.content['application/json']?.schema;
    expect(add?.required).toEqual(expect.arrayContaining(['provider', 'apiKey']));
    expect(Object.keys(add?.properties ?? {})).toEqual(expect.arrayContaining(['provider', 'apiKey', 'label', 'baseUrl', 'expiresAt', 'keyId']));
    const resolveBody = built.paths['/api/v1/internal/resolve']?.post?.requestBody?.content['application/json']?.schema;
    expect(Object.keys(resolveBody?.properties ?? {})).toEqual(expect.arrayContaining(['userId', 'provider', 'model', 'groupId', 'allowSystemFallback']));
    expect(Object.keys(built.components.schemas)).toEqual(expect.arrayContaining(['Error', 'KeyView', 'OwnerKeys', 'Resolution']));
    expect(JSON.stringify(built)).not.toContain('#/$defs/');
    const realmUrl = `${KEYCLOAK_URL}/realms/${REALM}/protocol/openid-connect`;
    expect(built.components.securitySchemes.clientCredentials?.flows?.clientCredentials?.tokenUrl).toBe(`${realmUrl}/token`);
    expect(built.components.securitySchemes.authorizationCode?.flows?.authorizationCode?.authorizationUrl).toBe(`${realmUrl}/auth`);
    expect(built.paths['/api/v1/internal/resolve']?.post?.security).toEqual([{ clientCredentials: [] }, { bearer: [] }]);
  });

  test("the service's real answers parse with the documented response schemas", async () => {
    const user = await createTestUser({ tier: 'starter' });
    const token = await userToken(user);
    const added = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: testApiKey('openai'), label: 'Docs' });
    expect(added.status).toBe(201);
    expect(keyView.strict().safeParse(added.body).error).toBeUndefined();
    const listed = await request(app).get('/api/v1/byok/keys').set('Authorization', `Bearer ${token}`);
    expect(ownerKeys.strict().safeParse(listed.body).error).toBeUndefined();
    const stats = await request(app).get('/api/v1/byok/stats').set('Authorization', `Bearer ${token}`);
    expect(keyStats.strict().safeParse(stats.body).error).toBeUndefined();
    const admin = await userToken({ username: 'ops', password: 'ops' });
    const adoption = await request(app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`);
    expect(adoptionStats.strict().safeParse(adoption.body).error).toBeUndefined();
    const read = await request(app).get(`/api/v1/admin/users/${user.id}/keys`).set('Authorization', `Bearer ${admin}`);
    expect(keyList.strict().safeParse(read.body).error).toBeUndefined();
    const internal = await clientToken(INTERNAL_CLIENT);
    const resolved = await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${internal}`).send({ userId: user.id, model: 'gpt-4o' });
    expect(resolved.status).toBe(200);
    expect(resolution.strict().safeParse(resolved.body).error).toBeUndefined();
    const refused = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'nope', apiKey: 'x' });
    expect(errorResponse.strict().safeParse(refused.body).error).toBeUndefined();
    const invalid = await request(app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider: 'openai', apiKey: '' });
    expect(errorResponse.strict().safeParse(invalid.body).error).toBeUndefined();
  });

  test('GET /docs is Swagger UI from this origin under a strict CSP that lets "Authorize" reach Keycloak', async () => {
    const page = await request(app).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain(`connect-src 'self' ${new URL(KEYCLOAK_URL).origin}`);
    expect(csp).not.toContain('unsafe');
    const sources = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url as string);
    expect(sources).toEqual(['/docs/assets/swagger-ui.css', '/docs/assets/swagger-ui-bundle.js', '/docs/init.js']);
    for (const source of sources) expect((await request(app).get(source)).status).toBe(200);
    expect(page.text).not.toMatch(/<script>[^<]/); // no inline script
    expect((await request(app).get('/docs/assets/package.json')).status).toBe(404);
    const init = await request(app).get('/docs/init.js');
    expect(init.text).toContain("oauth2RedirectUrl: window.location.origin + '/docs/oauth2-redirect.html'");
    expect(init.text).toContain('usePkceWithAuthorizationCodeGrant: true');
    const redirect = await request(app).get('/docs/oauth2-redirect.html');
    expect(redirect.text).toContain('<script src="/docs/assets/oauth2-redirect.js"></script>');
    expect((await request(app).get('/docs/assets/oauth2-redirect.js')).status).toBe(200);
  });
});
