/**
 * The endpoints of the ops center's screens against the real Keycloak (docs/api.md#user-api team keys,
 * docs/api.md#admin-api users and groups): carol sees team-alpha's keys masked, alice (in no group)
 * none; ops finds users by email and by part of a name, lists groups with their key counts and tests
 * a team key against a fake provider; everyone else gets 403, and no token 401.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { TEAM_GROUP } from '../../src/keycloak/realm-bootstrap.js';
import { createTestService } from '../support/app.js';
import { startFakeProvider, type FakeProvider } from '../support/fake-provider.js';
import { createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';

let fake: FakeProvider;
let service: ReturnType<typeof createTestService>;
let ops: string;
let carol: string;
let alice: string;
let alphaId: string;
const teamSecret = testApiKey('openai');
let teamKeyId: string;

const get = (path: string, token?: string) => {
  const call = request(service.app).get(path);
  return token === undefined ? call : call.set('Authorization', `Bearer ${token}`);
};

beforeAll(async () => {
  fake = await startFakeProvider({ respondByKey: { [teamSecret]: 200 } });
  service = createTestService({ OPENAI_BASE_URL: fake.url });
  const devToken = (name: string) => userToken({ username: name, password: name });
  [ops, carol, alice] = await Promise.all([devToken('ops'), devToken('carol'), devToken('alice')]);
  const [alpha] = await (await masterAdmin()).groups.find({ search: TEAM_GROUP, exact: true, briefRepresentation: true });
  alphaId = alpha!.id!;
  const added = await request(service.app).post(`/api/v1/admin/groups/${alphaId}/keys`).set('Authorization', `Bearer ${ops}`).send({ provider: 'openai', apiKey: teamSecret, label: 'alpha shared' });
  expect(added.status).toBe(201);
  teamKeyId = added.body.id;
});

afterAll(async () => {
  await request(service.app).delete(`/api/v1/admin/groups/${alphaId}/keys/openai/${teamKeyId}`).set('Authorization', `Bearer ${ops}`);
  await fake.close();
});

describe('GET /api/v1/byok/team-keys', () => {
  test("carol sees team-alpha's key masked, with her strict preference, and no secret anywhere in the body", async () => {
    const response = await get('/api/v1/byok/team-keys', carol);
    expect(response.status).toBe(200);
    const preferences = await get('/api/v1/byok/preferences', carol);
    expect(response.body.strict).toBe(preferences.body.strict);
    const alpha = response.body.teams.find((team: { id: string }) => team.id === alphaId);
    expect(alpha).toMatchObject({ name: TEAM_GROUP, path: `/${TEAM_GROUP}` });
    const openai = alpha.providers.find((entry: { provider: string }) => entry.provider === 'openai');
    expect(openai.keys).toEqual(expect.arrayContaining([expect.objectContaining({ id: teamKeyId, label: 'alpha shared', maskedKey: `${teamSecret.slice(0, 4)}…${teamSecret.slice(-4)}` })]));
    expect(response.text).not.toContain(teamSecret);
    expect(response.text).not.toContain(teamSecret.slice(4, -4));
  });

  test('alice, in no group, sees no teams; a new member sees a group without keys with no providers', async () => {
    expect((await get('/api/v1/byok/team-keys', alice)).body.teams).toEqual([]);
    const kc = await masterAdmin();
    const { id: groupId } = await kc.groups.create({ name: `team-${randomBytes(4).toString('hex')}` });
    const member = await createTestUser();
    await kc.users.addToGroup({ id: member.id, groupId });
    const response = await get('/api/v1/byok/team-keys', await userToken(member));
    expect(response.body).toEqual({ strict: false, teams: [{ id: groupId, name: expect.any(String), path: expect.stringMatching(/^\/team-/), providers: [] }] });
  });

  test('no token is 401', async () => {
    expect((await get('/api/v1/byok/team-keys')).status).toBe(401);
  });
});

describe('admin: users', () => {
  test('ops finds dave by email and by part of his username, with his tier and key count', async () => {
    for (const search of ['dave@example.com', 'av', 'DAV']) {
      const response = await get(`/api/v1/admin/users?search=${encodeURIComponent(search)}`, ops);
      expect(response.status).toBe(200);
      const dave = response.body.users.find((user: { username: string }) => user.username === 'dave');
      expect({ search, dave }).toEqual({ search, dave: expect.objectContaining({ email: 'dave@example.com', enabled: true, tier: 'enterprise', keyCount: expect.any(Number) }) });
    }
    // The exact email comes first.
    expect((await get('/api/v1/admin/users?search=dave%40example.com', ops)).body.users[0].username).toBe('dave');
  });

  test("keyCount is the user's stored key records; the summary by id is the same; max bounds the list", async () => {
    const user = await createTestUser({ tier: 'starter', firstName: 'Quentin', lastName: `Zed${randomBytes(3).toString('hex')}` });
    const token = await userToken(user);
    const secrets = [testApiKey('openai'), testApiKey('groq')];
    for (const [provider, apiKey] of [['openai', secrets[0]], ['groq', secrets[1]]]) {
      expect((await request(service.app).post('/api/v1/byok/keys/add').set('Authorization', `Bearer ${token}`).send({ provider, apiKey })).status).toBe(201);
    }
    const found = await get(`/api/v1/admin/users?search=${user.username}`, ops);
    expect(found.body.users).toEqual([
      { id: user.id, username: user.username, email: `${user.username}@example.com`, firstName: 'Quentin', lastName: expect.stringMatching(/^Zed/), enabled: true, tier: 'starter', keyCount: 2 },
    ]);
    for (const secret of secrets) expect(found.text).not.toContain(secret!.slice(4, -4));
    const one = await get(`/api/v1/admin/users/${user.id}`, ops);
    expect(one.body).toEqual(found.body.users[0]);
    const missing = await get('/api/v1/admin/users/00000000-0000-4000-8000-00000000dead', ops);
    expect([missing.status, missing.body.error.code]).toEqual([404, 'OWNER_NOT_FOUND']);
    // Every test user's email ends in @example.com: more than one exists, max=1 answers one.
    expect((await get('/api/v1/admin/users?search=example.com&max=1', ops)).body.users).toHaveLength(1);
  });

  test('search validation: missing, empty, too long, max out of range are 400 VALIDATION_FAILED', async () => {
    for (const query of ['', '?search=', `?search=${'x'.repeat(101)}`, '?search=dave&max=0', '?search=dave&max=51']) {
      const response = await get(`/api/v1/admin/users${query}`, ops);
      expect({ query, status: response.status, code: response.body.error?.code }).toEqual({ query, status: 400, code: 'VALIDATION_FAILED' });
    }
  });
});

describe('admin: groups and team-key tests', () => {
  test('the groups list contains team-alpha with its key count; a search finds subgroups with their path', async () => {
    const listed = await get('/api/v1/admin/groups', ops);
    expect(listed.status).toBe(200);
    const alpha = listed.body.groups.find((group: { id: string }) => group.id === alphaId);
    const keys = await get(`/api/v1/admin/groups/${alphaId}/keys`, ops);
    expect(alpha).toEqual({ id: alphaId, name: TEAM_GROUP, path: `/${TEAM_GROUP}`, keyCount: keys.body.keys.length });
    expect(alpha.keyCount).toBeGreaterThanOrEqual(1);

    const kc = await masterAdmin();
    const name = `sub-${randomBytes(4).toString('hex')}`;
    const { id: parentId } = await kc.groups.create({ name: `org-${randomBytes(4).toString('hex')}` });
    const { id: childId } = await kc.groups.createChildGroup({ id: parentId }, { name });
    const searched = await get(`/api/v1/admin/groups?search=${name.toUpperCase()}`, ops);
    expect(searched.body).toEqual({ groups: [{ id: childId, name, path: expect.stringMatching(new RegExp(`^/org-[0-9a-f]+/${name}$`)), keyCount: 0 }], truncated: false });
  });

  test('ops tests a team key against the (fake) provider, audited as key.test; a wrong keyId is 404', async () => {
    const before = fake.requests.length;
    const tested = await request(service.app).post(`/api/v1/admin/groups/${alphaId}/keys/test/openai?keyId=${teamKeyId}`).set('Authorization', `Bearer ${ops}`);
    expect(tested.status).toBe(200);
    expect(tested.body).toEqual({ provider: 'openai', results: [{ keyId: teamKeyId, status: 'valid', testedAt: expect.any(String) }] });
    expect(fake.requests.slice(before).map((sent) => sent.headers.authorization)).toEqual([`Bearer ${teamSecret}`]);
    expect(service.auditEvents).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'key.test', outcome: 'success', owner: { kind: 'group', id: alphaId }, keyId: teamKeyId })]));
    const wrong = await request(service.app).post(`/api/v1/admin/groups/${alphaId}/keys/test/openai?keyId=k_AAAAAAAAAAAAAAAA`).set('Authorization', `Bearer ${ops}`);
    expect([wrong.status, wrong.body.error.code]).toEqual([404, 'KEY_NOT_FOUND']);
  });

  test('alice gets 403 from every new admin endpoint, and no token 401', async () => {
    const calls = [
      () => request(service.app).get('/api/v1/admin/users?search=dave'),
      () => request(service.app).get('/api/v1/admin/users/00000000-0000-4000-8000-000000000001'),
      () => request(service.app).get('/api/v1/admin/groups'),
      () => request(service.app).post(`/api/v1/admin/groups/${alphaId}/keys/test/openai`),
    ];
    for (const call of calls) {
      const refused = await call().set('Authorization', `Bearer ${alice}`);
      expect([refused.status, refused.body.error.code]).toEqual([403, 'FORBIDDEN']);
      expect((await call()).status).toBe(401);
    }
  });
});
