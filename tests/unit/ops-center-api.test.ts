/**
 * The endpoints of the ops center's screens (docs/api.md#user-api team keys, docs/api.md#admin-api
 * users, groups and team-key tests) over the real endpoint table, key service and rate limits, with
 * in-memory stand-ins for the token verifier, Keycloak's directory and memberships (the real ones:
 * tests/integration/ops-center-api.test.ts).
 */
import request from 'supertest';
import { loadConfig } from '../../src/config/config.js';
import { createEnvelopeCodec } from '../../src/crypto/envelope.js';
import { AppError } from '../../src/errors.js';
import { createApp } from '../../src/http/app.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { ENDPOINTS } from '../../src/http/endpoints/index.js';
import { createRateLimits } from '../../src/http/rate-limit.js';
import type { Principal } from '../../src/keycloak/token-verifier.js';
import type { AuditEvent } from '../../src/observability/audit.js';
import { createLogger } from '../../src/observability/logger.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { GROUPS_LISTED_MAX } from '../../src/vault/directory.js';
import { maskKey } from '../../src/vault/key-record.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createKeyService } from '../../src/vault/key-service.js';
import { systemClock, type DirectoryGroup, type DirectoryUser, type Membership, type OwnerDirectory, type OwnerRef } from '../../src/vault/ports.js';
import { createInMemoryStore } from '../support/in-memory-store.js';
import { testApiKey } from '../support/secrets.js';
import { emptyAdoptionStats, walksOver } from '../support/walks.js';

const config = loadConfig({ KEYCLOAK_URL: 'http://kc.invalid', KEYCLOAK_CLIENT_SECRET: 'x', ENCRYPTION_KEYS: `1:${Buffer.alloc(32).toString('base64')}` });
const logger = createLogger({ level: 'silent' });
const registry = createProviderRegistry();
const memory = createInMemoryStore();

const ids = { alice: 'u-alice', carol: 'u-carol', dave: 'u-dave', ops: 'u-ops', alpha: 'g-alpha', beta: 'g-beta', gone: 'g-gone' };
const user = (id: string): OwnerRef => ({ kind: 'user', id });
const group = (id: string): OwnerRef => ({ kind: 'group', id });
const principal = (subject: string, username: string, roles: string[] = []): Principal => ({ subject, username, clientId: 'ops-center', realmRoles: new Set(roles), expiresAt: 0 });
const principals: Record<string, Principal> = {
  alice: principal(ids.alice, 'alice'),
  carol: principal(ids.carol, 'carol'),
  ops: principal(ids.ops, 'ops', ['byok-admin']),
};
const verifier = {
  async verify(token: string): Promise<Principal> {
    const found = principals[token];
    if (found === undefined) throw new AppError('UNAUTHENTICATED');
    return found;
  },
};

// Memberships as resolution's cache answers them: carol is in two groups (one without keys) and in
// one deleted since; the order is the cache's (path order), and must be kept.
const membershipsOf = new Map<string, Membership[]>([
  [ids.carol, [{ id: ids.beta, name: 'beta', path: '/org/beta' }, { id: ids.gone, name: 'gone', path: '/sunset' }, { id: ids.alpha, name: 'team-alpha', path: '/team-alpha' }]],
]);
const memberships = { get: async (userId: string) => membershipsOf.get(userId) ?? [] };

// The directory: identities as Keycloak would answer them, byok state from the in-memory store.
const identities: Omit<DirectoryUser, 'stored'>[] = [
  { id: ids.dave, username: 'dave', email: 'dave@example.com', firstName: 'Dave', lastName: null, enabled: true },
  { id: ids.alice, username: 'alice', email: null, firstName: null, lastName: null, enabled: false },
];
const directoryCalls: unknown[][] = [];
const withStored = async (identity: Omit<DirectoryUser, 'stored'>): Promise<DirectoryUser> => ({ ...identity, stored: (await memory.store.load(user(identity.id)))! });
const directory: OwnerDirectory = {
  async searchUsers(text, max) {
    directoryCalls.push(['searchUsers', text, max]);
    return Promise.all(identities.filter((identity) => identity.username.includes(text) || identity.email === text).map(withStored));
  },
  async user(userId) {
    const identity = identities.find((candidate) => candidate.id === userId);
    return identity && withStored(identity);
  },
  async groups(search, max) {
    directoryCalls.push(['groups', search, max]);
    const all: DirectoryGroup[] = [
      { id: ids.beta, name: 'beta', path: '/org/beta', stored: (await memory.store.load(group(ids.beta)))! },
      { id: ids.alpha, name: 'team-alpha', path: '/team-alpha', stored: (await memory.store.load(group(ids.alpha)))! },
    ];
    return { groups: all.filter((entry) => search === undefined || entry.name.includes(search)), truncated: search === undefined };
  },
};

const tested: string[] = [];
const keys = createKeyService({
  store: memory.store,
  locks: createInProcessLocks(),
  codec: createEnvelopeCodec(config.keyring),
  registry,
  tester: {
    test: async (_provider, secret) => {
      tested.push(secret);
      return { status: 'valid', testedAt: new Date().toISOString() };
    },
  },
  checkBaseUrl: async () => ({ ok: false, reason: 'not in this test' }),
  limits: config.vault,
  clock: systemClock,
  log: logger,
});
const adoption = emptyAdoptionStats();
const audited: AuditEvent[] = [];
const audit = { record: (event: AuditEvent) => audited.push(event), reopen: () => undefined, flush: () => undefined };
const app = createApp({
  config,
  logger,
  verifier,
  introspection: { assertActive: async () => undefined },
  readiness: { check: async () => ({ ready: true, reason: undefined, checks: [] }) },
  keys,
  registry,
  resolver: { resolve: async () => Promise.reject(new AppError('NO_KEY_AVAILABLE')), report: async () => 'system' as const },
  adoption,
  memberships,
  directory,
  audit,
  rateLimits: createRateLimits({ userPerMinute: 0, internalPerSecond: 0, keyTestsPerMinute: 4 }),
});

const get = (path: string, token?: string) => {
  const call = request(app).get(path);
  return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
};
const post = (path: string, token: string) => request(app).post(path).set('Authorization', `Bearer ${token}`);

const alphaSecret = testApiKey('openai');
const daveSecret = testApiKey('anthropic');
let alphaKeyId: string;

beforeAll(async () => {
  for (const id of [ids.alice, ids.carol, ids.ops]) memory.addOwner(user(id));
  memory.addOwner(user(ids.dave), 'enterprise');
  memory.addOwner(group(ids.alpha));
  memory.addOwner(group(ids.beta));
  alphaKeyId = (await keys.add(group(ids.alpha), { provider: 'openai', apiKey: alphaSecret, label: 'Team' })).id;
  await keys.add(user(ids.dave), { provider: 'anthropic', apiKey: daveSecret });
  // A stored record that does not open (written under a key this service does not have): still a stored key.
  memory.putSealed(user(ids.dave), 'openai', [{ keyId: 'k_unreadable000000', envelope: 'not-an-envelope' }]);
});

describe('GET /api/v1/byok/team-keys', () => {
  test("carol sees her groups in resolution's order, team-alpha's key masked, a group without keys with no providers, and no secret", async () => {
    const response = await get('/api/v1/byok/team-keys', 'carol');
    expect(response.status).toBe(200);
    expect(response.body.strict).toBe(false);
    // The deleted group is left out; the others keep the membership order.
    expect(response.body.teams.map((team: { path: string }) => team.path)).toEqual(['/org/beta', '/team-alpha']);
    expect(response.body.teams[0]).toEqual({ id: ids.beta, name: 'beta', path: '/org/beta', providers: [] });
    const alpha = response.body.teams[1];
    expect(alpha.providers).toEqual([{ provider: 'openai', keys: [expect.objectContaining({ id: alphaKeyId, label: 'Team', status: 'active' })] }]);
    expect(alpha.providers[0].keys[0].maskedKey).toBe(maskKey(alphaSecret));
    expect(response.text).not.toContain(alphaSecret);
    expect(response.text).not.toContain(alphaSecret.slice(4, -4));
  });

  test('strict is the caller’s own preference', async () => {
    await keys.setPreferences(user(ids.carol), { strict: true });
    try {
      expect((await get('/api/v1/byok/team-keys', 'carol')).body.strict).toBe(true);
    } finally {
      await keys.setPreferences(user(ids.carol), { strict: false });
    }
  });

  test('alice, in no group, sees no teams; no token is 401', async () => {
    expect((await get('/api/v1/byok/team-keys', 'alice')).body).toEqual({ strict: false, teams: [] });
    expect((await get('/api/v1/byok/team-keys')).status).toBe(401);
  });
});

describe('admin: users and groups', () => {
  test('a search finds users with tier and key count; every stored record counts, readable or not', async () => {
    const response = await get('/api/v1/admin/users?search=%20dave%20', 'ops');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      users: [{ id: ids.dave, username: 'dave', email: 'dave@example.com', firstName: 'Dave', lastName: null, enabled: true, tier: 'enterprise', keyCount: 2 }],
    });
    expect(response.text).not.toContain(daveSecret);
    // Trimmed, with the default bound.
    expect(directoryCalls.at(-1)).toEqual(['searchUsers', 'dave', 20]);
    await get('/api/v1/admin/users?search=dave&max=50', 'ops');
    expect(directoryCalls.at(-1)).toEqual(['searchUsers', 'dave', 50]);
  });

  test('a user without a tier or keys: tier null, keyCount 0, and their enabled flag as stored', async () => {
    const response = await get('/api/v1/admin/users?search=alice', 'ops');
    expect(response.body.users).toEqual([{ id: ids.alice, username: 'alice', email: null, firstName: null, lastName: null, enabled: false, tier: null, keyCount: 0 }]);
  });

  test.each([
    ['no search', '', 'search'],
    ['an empty search', '?search=', 'search'],
    ['a blank search', '?search=%20%20', 'search'],
    ['a search of 101 characters', `?search=${'a'.repeat(101)}`, 'search'],
    ['a search given twice', '?search=a&search=b', 'search'],
    ['a control character', '?search=a%00b', 'search'],
    ['max 0', '?search=dave&max=0', 'max'],
    ['max 51', '?search=dave&max=51', 'max'],
    ['max not a number', '?search=dave&max=ten', 'max'],
    ['max a fraction', '?search=dave&max=2.5', 'max'],
  ])('%s is 400 VALIDATION_FAILED naming the parameter', async (_what, query, field) => {
    const calls = directoryCalls.length;
    const response = await get(`/api/v1/admin/users${query}`, 'ops');
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('VALIDATION_FAILED');
    expect(response.body.error.details).toEqual([{ path: field, message: expect.any(String) }]);
    expect(directoryCalls.length).toBe(calls); // refused before Keycloak is asked
  });

  test('100 characters are accepted', async () => {
    expect((await get(`/api/v1/admin/users?search=${'a'.repeat(100)}`, 'ops')).status).toBe(200);
  });

  test('one user by id; an unknown or impossible id is 404 OWNER_NOT_FOUND', async () => {
    const dave = await get(`/api/v1/admin/users/${ids.dave}`, 'ops');
    expect(dave.status).toBe(200);
    expect(dave.body).toMatchObject({ id: ids.dave, username: 'dave', tier: 'enterprise', keyCount: 2 });
    for (const id of ['u-nobody', 'not%20an%20id']) {
      const missing = await get(`/api/v1/admin/users/${id}`, 'ops');
      expect([missing.status, missing.body.error.code]).toEqual([404, 'OWNER_NOT_FOUND']);
    }
  });

  test('groups with their key counts, the bound asked of the directory, the search passed on', async () => {
    const response = await get('/api/v1/admin/groups', 'ops');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      groups: [
        { id: ids.beta, name: 'beta', path: '/org/beta', keyCount: 0 },
        { id: ids.alpha, name: 'team-alpha', path: '/team-alpha', keyCount: 1 },
      ],
      truncated: true,
    });
    expect(directoryCalls.at(-1)).toEqual(['groups', undefined, GROUPS_LISTED_MAX]);
    const searched = await get('/api/v1/admin/groups?search=alpha', 'ops');
    expect(searched.body.groups.map((entry: { name: string }) => entry.name)).toEqual(['team-alpha']);
    expect(directoryCalls.at(-1)).toEqual(['groups', 'alpha', GROUPS_LISTED_MAX]);
    expect((await get(`/api/v1/admin/groups?search=${'a'.repeat(101)}`, 'ops')).body.error.code).toBe('VALIDATION_FAILED');
  });

  test('without byok-admin every new admin endpoint is 403; without a token 401', async () => {
    const paths = ['/api/v1/admin/users?search=dave', `/api/v1/admin/users/${ids.dave}`, '/api/v1/admin/groups'];
    for (const path of paths) {
      expect([path, (await get(path, 'alice')).status]).toEqual([path, 403]);
      expect([path, (await get(path)).status]).toEqual([path, 401]);
    }
    const test = await post(`/api/v1/admin/groups/${ids.alpha}/keys/test/openai`, 'alice');
    expect(test.status).toBe(403);
  });
});

describe('POST /api/v1/admin/groups/{groupId}/keys/test/{provider}', () => {
  test('tests the team key, stores the verdict, audits key.test on the group; a wrong keyId is 404; the limit is shared with the user endpoint', async () => {
    tested.length = 0;
    audited.length = 0;
    const response = await post(`/api/v1/admin/groups/${ids.alpha}/keys/test/openai?keyId=${alphaKeyId}`, 'ops');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ provider: 'openai', results: [{ keyId: alphaKeyId, status: 'valid', testedAt: expect.any(String) }] });
    expect(tested).toEqual([alphaSecret]);
    expect((await keys.listKeys(group(ids.alpha)))[0]).toMatchObject({ testStatus: 'valid' });
    expect(audited).toEqual([expect.objectContaining({ action: 'key.test', outcome: 'success', owner: group(ids.alpha), provider: 'openai', keyId: alphaKeyId })]);

    // A well-formed id the group does not have, and a group that does not exist: 404, each counted
    // (the limit is taken before the owner is read: a test is the caller's request to test).
    const wrong = await post(`/api/v1/admin/groups/${ids.alpha}/keys/test/openai?keyId=k_AAAAAAAAAAAAAAAA`, 'ops');
    expect([wrong.status, wrong.body.error.code]).toEqual([404, 'KEY_NOT_FOUND']);
    const nobody = await post('/api/v1/admin/groups/g-nobody/keys/test/openai', 'ops');
    expect([nobody.status, nobody.body.error.code]).toEqual([404, 'OWNER_NOT_FOUND']);
    expect(audited.map((event) => [event.action, event.outcome, event.errorCode])).toEqual([
      ['key.test', 'success', undefined],
      ['key.test', 'denied', 'KEY_NOT_FOUND'],
      ['key.test', 'denied', 'OWNER_NOT_FOUND'],
    ]);
    // The limit (4 a minute here) is the caller's, whichever test endpoint: one more test, then 429.
    expect((await post('/api/v1/byok/keys/test/openai', 'ops')).status).toBe(200);
    const limited = await post(`/api/v1/admin/groups/${ids.alpha}/keys/test/openai`, 'ops');
    expect([limited.status, limited.body.error.code]).toEqual([429, 'RATE_LIMITED']);
    expect(tested).toEqual([alphaSecret]);
  });
});

describe('OpenAPI', () => {
  const doc = openApiDocument(ENDPOINTS, { version: 'test', keycloak: { url: 'http://kc.invalid', realm: 'byok' } }) as {
    paths: Record<string, Record<string, { parameters?: { name: string; in: string; required: boolean }[] }>>;
  };
  test('search is a required query parameter of the user search, optional for groups; the test endpoint is one declaration for users and groups', () => {
    const parameter = (path: string, name: string) => doc.paths[path]?.get?.parameters?.find((entry) => entry.name === name);
    expect(parameter('/api/v1/admin/users', 'search')).toMatchObject({ in: 'query', required: true });
    expect(parameter('/api/v1/admin/users', 'max')).toMatchObject({ in: 'query', required: false });
    expect(parameter('/api/v1/admin/groups', 'search')).toMatchObject({ in: 'query', required: false });
    const tests = ENDPOINTS.filter((endpoint) => endpoint.path.includes('/keys/test/'));
    expect(tests.map((endpoint) => endpoint.path).sort()).toEqual(['/api/v1/admin/groups/{groupId}/keys/test/{provider}', '/api/v1/byok/keys/test/{provider}']);
    expect(new Set(tests.map((endpoint) => endpoint.kind === 'api' && endpoint.audit))).toEqual(new Set(['key.test']));
  });
});
