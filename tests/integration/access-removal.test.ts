/**
 * Access removed in Keycloak stops resolution within the stated bound (2 × ADMIN_EVENTS_POLL_SECONDS,
 * 10 s by default) although owners are cached for OWNER_CACHE_TTL_SECONDS (300 s): a disabled user
 * is served nothing (own, team or platform keys), a user who left a group no longer gets its team
 * keys. The caches learn of it from Keycloak's admin events (one poll per instance), not by reading
 * every cached owner again: idle polls read no user, group or membership.
 */
import { randomBytes } from 'node:crypto';
import { applyRealmPlan, realmPlan } from '../../src/keycloak/realm-bootstrap.js';
import { createTestService, type TestService } from '../support/app.js';
import { INTERNAL_CLIENT, SERVICE_CLIENT } from '../support/env.js';
import { clientToken, createTestUser, masterAdmin, type TestUser } from '../support/keycloak.js';
import { internalToken, resolver } from '../support/resolve.js';
import { createScratchRealm, deleteScratchRealm, realmEnv, runByok } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';
import { until } from '../support/wait.js';

/** The bound the README states for the default poll interval (5 s). */
const BOUND_MS = 10_000;
const started: TestService[] = [];

afterAll(async () => {
  await Promise.all(started.map((service) => service.adminEvents.stop()));
});

/** A service whose admin-event follower runs, as `start()` runs it. */
function followingService(overrides: Record<string, string | undefined> = {}): TestService {
  const service = createTestService(overrides);
  service.adminEvents.start();
  started.push(service);
  return service;
}

async function newGroup(realm?: string): Promise<string> {
  const kc = await masterAdmin(realm);
  const { id } = await kc.groups.create({ name: `access-${randomBytes(4).toString('hex')}` });
  return id;
}

/** Calls of one Keycloak admin operation so far (from the service's own metrics). */
async function calls(service: TestService, operation: string): Promise<number> {
  const metric = await service.metrics.keycloakCalls.get();
  return metric.values.filter((value) => value.metricName?.endsWith('_count') && value.labels.operation === operation).reduce((sum, value) => sum + value.value, 0);
}

async function setEnabled(user: TestUser, enabled: boolean, realm?: string): Promise<void> {
  await (await masterAdmin(realm)).users.update({ id: user.id }, { enabled });
}

describe('resolve stops serving when access is removed in Keycloak', () => {
  test('a disabled user gets nothing within 10 s (own, team and platform keys: 404 NO_KEY_AVAILABLE user_disabled), and everything again within 10 s of re-enabling', async () => {
    const platformKey = testApiKey('groq');
    const service = followingService({ GROQ_API_KEY: platformKey });
    const user = await createTestUser({ tier: 'starter' });
    const groupId = await newGroup();
    await (await masterAdmin()).users.addToGroup({ id: user.id, groupId });
    const own = await service.keys.add({ kind: 'user', id: user.id }, { provider: 'openai', apiKey: testApiKey('openai') });
    const team = await service.keys.add({ kind: 'group', id: groupId }, { provider: 'anthropic', apiKey: testApiKey('anthropic') });
    const { resolve } = resolver(service.app, await internalToken());
    const served = async () => {
      const answers = await Promise.all(['openai', 'anthropic', 'groq'].map((provider) => resolve({ userId: user.id, provider })));
      return answers.map((answer) => (answer.status === 200 ? `${answer.body.source}:${answer.body.keyId}` : `${answer.status}:${answer.body.error.code}:${answer.body.error.details?.reason}`));
    };
    const everything = [`user:${own.id}`, `group:${team.id}`, 'system:system-groq-1'];
    expect(await served()).toEqual(everything); // now cached, for 300 s

    await setEnabled(user, false);
    const refusedAfter = await until(async () => (await served()).every((answer) => answer === '404:NO_KEY_AVAILABLE:user_disabled'), 'the disabled user to be refused', BOUND_MS);
    expect(refusedAfter).toBeLessThanOrEqual(BOUND_MS);

    await setEnabled(user, true);
    const servedAfter = await until(async () => JSON.stringify(await served()) === JSON.stringify(everything), 'the re-enabled user to be served', BOUND_MS);
    expect(servedAfter).toBeLessThanOrEqual(BOUND_MS);
  });

  test("a user removed from a group stops getting the group's team key within 10 s", async () => {
    const service = followingService();
    const user = await createTestUser({ tier: 'starter' });
    const groupId = await newGroup();
    const kc = await masterAdmin();
    await kc.users.addToGroup({ id: user.id, groupId });
    const team = await service.keys.add({ kind: 'group', id: groupId }, { provider: 'mistral', apiKey: testApiKey('mistral') });
    const { resolve } = resolver(service.app, await internalToken());
    expect((await resolve({ userId: user.id, provider: 'mistral' })).body).toMatchObject({ source: 'group', keyId: team.id });

    await kc.users.delFromGroup({ id: user.id, groupId });
    const after = await until(async () => (await resolve({ userId: user.id, provider: 'mistral' })).status === 404, 'the team key to stop being served', BOUND_MS);
    expect(after).toBeLessThanOrEqual(BOUND_MS);
    expect((await resolve({ userId: user.id, provider: 'mistral' })).body.error.code).toBe('NO_KEY_AVAILABLE');
  });

  test('idle polls read no owner: over several polls no user, group or membership is read; a disable makes exactly one read of that user', async () => {
    const service = followingService({ ADMIN_EVENTS_POLL_SECONDS: '1' });
    const users = await Promise.all([1, 2, 3].map(() => createTestUser({ tier: 'starter' })));
    const groupId = await newGroup();
    const kc = await masterAdmin();
    for (const user of users) {
      await kc.users.addToGroup({ id: user.id, groupId });
      await service.keys.add({ kind: 'user', id: user.id }, { provider: 'openai', apiKey: testApiKey('openai') });
    }
    await service.keys.add({ kind: 'group', id: groupId }, { provider: 'anthropic', apiKey: testApiKey('anthropic') });
    const { resolve } = resolver(service.app, await internalToken());
    const resolveAll = () => Promise.all(users.flatMap((user) => ['openai', 'anthropic'].map((provider) => resolve({ userId: user.id, provider }))));
    await until(() => service.adminEvents.status().ok, 'the follower to follow');
    // The service's own writes above come back as events; they are its own, so they drop nothing.
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    expect((await resolveAll()).map((answer) => answer.status)).toEqual(Array(6).fill(200));

    const ownerReads = async () => ({
      users: await calls(service, 'users.findOne'),
      groups: await calls(service, 'groups.findOne'),
      memberships: await calls(service, 'users.listGroups'),
    });
    const before = await ownerReads();
    const polls = await calls(service, 'realms.findAdminEvents');
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect((await resolveAll()).map((answer) => answer.status)).toEqual(Array(6).fill(200));
    expect(await calls(service, 'realms.findAdminEvents')).toBeGreaterThanOrEqual(polls + 2);
    expect(await ownerReads()).toEqual(before);

    await setEnabled(users[0] as TestUser, false);
    await until(async () => (await resolve({ userId: users[0]!.id, provider: 'openai' })).status === 404, 'the disable to be seen', BOUND_MS);
    expect((await resolveAll()).map((answer) => answer.status)).toEqual([404, 404, 200, 200, 200, 200]);
    // One read of the disabled user; the others stay cached (their memberships too: it stops before groups).
    expect(await ownerReads()).toEqual({ ...before, users: before.users + 1 });
  });
});

describe('a realm that does not record admin events, or a service account without view-events', () => {
  let realm: string;
  beforeAll(async () => {
    realm = await createScratchRealm('events');
  });
  afterAll(async () => {
    if (realm) await deleteScratchRealm(realm);
  });

  test('the follower and byok doctor say so with the fix, disables still take effect within 10 s (by reloading), and bootstrap-realm upgrades the realm', async () => {
    // Make the realm as one bootstrapped before the service followed events.
    const kc = await masterAdmin(realm);
    const events = await kc.realms.getConfigEvents({ realm });
    await kc.realms.updateConfigEvents({ realm }, { ...events, adminEventsEnabled: false });
    const [client] = await kc.clients.find({ clientId: SERVICE_CLIENT.clientId });
    const [management] = await kc.clients.find({ clientId: 'realm-management' });
    const serviceUser = await kc.clients.getServiceAccountUser({ id: client!.id! });
    const viewEvents = await kc.clients.findRole({ id: management!.id!, roleName: 'view-events' });
    await kc.users.delClientRoleMappings({ id: serviceUser.id!, clientUniqueId: management!.id!, roles: [{ id: viewEvents!.id!, name: 'view-events' }] });
    const representation = await kc.realms.findOne({ realm });
    const { adminEventsExpiration: _dropped, ...otherAttributes } = (representation?.attributes ?? {}) as Record<string, string>;
    await kc.realms.update({ realm }, { attributes: otherAttributes });

    const service = followingService(realmEnv(realm));
    await until(() => service.adminEvents.status().state === 'forbidden', 'the follower to report the missing role');
    expect(service.adminEvents.status().detail).toMatch(/view-events.*byok bootstrap-realm/);
    const ready = await service.readiness.check();
    expect(ready.checks).toContainEqual(expect.objectContaining({ name: 'admin_events', ok: false }));
    const doctor = await runByok(['doctor'], realmEnv(realm));
    expect(doctor.stdout).toMatch(/^FAIL {2}admin_events {3}.*view-events/m);
    expect(doctor.code).toBe(1);

    // Without events, cached owners are reloaded once older than one interval: the bound still holds.
    const user = await createTestUser({ tier: 'starter' }, realm);
    const key = await service.keys.add({ kind: 'user', id: user.id }, { provider: 'openai', apiKey: testApiKey('openai') });
    const { resolve } = resolver(service.app, await clientToken(INTERNAL_CLIENT, realm));
    expect((await resolve({ userId: user.id, provider: 'openai' })).body.keyId).toBe(key.id);
    await setEnabled(user, false, realm);
    expect(await until(async () => (await resolve({ userId: user.id, provider: 'openai' })).status === 404, 'the disable to be seen without events', BOUND_MS)).toBeLessThanOrEqual(BOUND_MS);

    // The upgrade: events on with an expiration, the role granted; nothing else of the realm changed.
    const report = await applyRealmPlan(
      await masterAdmin('master'),
      realmPlan({ realm, dev: true, serviceClientId: SERVICE_CLIENT.clientId, serviceClientSecret: SERVICE_CLIENT.secret, uiOrigins: ['http://127.0.0.1:8787'] }),
    );
    expect(report.created).toEqual(
      expect.arrayContaining(['realm admin events on', 'realm admin events expiration 86400 s', `client ${SERVICE_CLIENT.clientId} service account role realm-management/view-events`]),
    );
    const upgraded = await (await masterAdmin(realm)).realms.findOne({ realm });
    expect(upgraded?.adminEventsEnabled).toBe(true);
    expect(upgraded?.attributes).toEqual({ ...otherAttributes, adminEventsExpiration: '86400' });

    const fixed = await runByok(['doctor'], realmEnv(realm));
    expect(fixed.stdout).toMatch(/^ok {4}admin_events/m);
    await until(() => service.adminEvents.status().ok, 'the running service to follow events once the role is granted', 30_000);
  });
});
