/**
 * The holder index (docs/storage.md#holder-index) against the real Keycloak: every service write keeps
 * the `byok_holder` mark; `byok index-holders` marks owners that held byok data before the mark
 * existed (keys, legacy keys, team keys on subgroups), unmarks stale ones, keeps an admin's concurrent
 * changes, and marks the index complete; until then the realm walks visit every owner (and say so),
 * after it exactly the holders, with the same figures. Each test has a realm of its own: the walks
 * cover a whole realm, and the index flag lives on the realm's service account user.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { HOLDER_INDEX_ATTRIBUTE } from '../../src/keycloak/holder-index-store.js';
import { createKeycloakOwnerStore, HOLDER_ATTRIBUTE } from '../../src/keycloak/owner-store.js';
import type { OwnerRef, StoredOwner } from '../../src/vault/ports.js';
import { createTestService } from '../support/app.js';
import { KEYCLOAK_URL, MASTER_ADMIN, SERVICE_CLIENT } from '../support/env.js';
import { createTestUser, masterAdmin, userToken } from '../support/keycloak.js';
import { pythonFernet } from '../support/python-fernet.js';
import { createScratchRealm, deleteScratchRealm, inBatches, realmEnv, runByok } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';

const realms: string[] = [];
afterAll(async () => {
  for (const realm of realms) await deleteScratchRealm(realm).catch(() => undefined);
});

async function scratchRealm(): Promise<string> {
  const realm = await createScratchRealm('byok-holders');
  realms.push(realm);
  return realm;
}

type Attributes = Record<string, string[]>;

async function attributesOf(realm: string, owner: OwnerRef): Promise<Attributes> {
  const kc = await masterAdmin(realm);
  const representation = owner.kind === 'user' ? await kc.users.findOne({ id: owner.id }) : await kc.groups.findOne({ id: owner.id });
  return (representation?.attributes ?? {}) as Attributes;
}

const marked = async (realm: string, owner: OwnerRef) => (await attributesOf(realm, owner))[HOLDER_ATTRIBUTE];

/** As an administrator (or a release before the mark) leaves an owner: its byok data, no mark. */
async function stripMark(realm: string, owner: OwnerRef): Promise<void> {
  const kc = await masterAdmin(realm);
  if (owner.kind === 'user') {
    const user = await kc.users.findOne({ id: owner.id });
    const { [HOLDER_ATTRIBUTE]: _mark, ...attributes } = (user?.attributes ?? {}) as Attributes;
    await kc.users.update({ id: owner.id }, { ...user, attributes });
  } else {
    const group = await kc.groups.findOne({ id: owner.id });
    const { [HOLDER_ATTRIBUTE]: _mark, ...attributes } = (group?.attributes ?? {}) as Attributes;
    await kc.groups.update({ id: owner.id }, { name: group?.name, description: group?.description, attributes });
  }
}

async function subgroup(realm: string, parentName: string, name: string): Promise<OwnerRef> {
  const kc = await masterAdmin(realm);
  const [parent] = await kc.groups.find({ search: parentName, exact: true });
  const { id } = await kc.groups.createChildGroup({ id: parent?.id as string }, { name });
  return { kind: 'group', id };
}

const ids = async (owners: Iterable<StoredOwner> | AsyncIterable<StoredOwner>) => {
  const seen: string[] = [];
  for await (const owner of owners) seen.push(`${owner.owner.kind}:${owner.owner.id}`);
  return seen.sort();
};

const key = (owner: OwnerRef) => `${owner.kind}:${owner.id}`;

describe('the holder mark', () => {
  test('appears with the first key and goes with the last, on users and on team groups; preferences and usage flushes alone never set it', async () => {
    const realm = await scratchRealm();
    const service = createTestService(realmEnv(realm));
    const user: OwnerRef = { kind: 'user', id: (await createTestUser({ tier: 'starter' }, realm)).id };
    const team = await subgroup(realm, 'team-alpha', 'mark-team');

    await service.keys.setPreferences(user, { strict: true });
    expect(await marked(realm, user)).toBeUndefined();
    const first = await service.keys.add(user, { provider: 'openai', apiKey: testApiKey('openai') });
    expect(await marked(realm, user)).toEqual(['1']);
    const second = await service.keys.add(user, { provider: 'anthropic', apiKey: testApiKey('anthropic') });
    service.usage.record(user, 'openai', first.id);
    await service.usage.flush();
    expect(await marked(realm, user)).toEqual(['1']);
    await service.keys.remove(user, 'openai', first.id);
    expect(await marked(realm, user)).toEqual(['1']);
    await service.keys.remove(user, 'anthropic', second.id);
    const after = await attributesOf(realm, user);
    expect(after[HOLDER_ATTRIBUTE]).toBeUndefined();
    expect(Object.keys(after).filter((name) => name.startsWith('byok_')).sort()).toEqual(['byok_preferences']);
    // A usage flush for a key deleted meanwhile writes the owner again: still no mark.
    service.usage.record(user, 'openai', first.id);
    await service.usage.flush();
    expect(await marked(realm, user)).toBeUndefined();

    const teamKey = await service.keys.add(team, { provider: 'groq', apiKey: testApiKey('groq', 200) });
    expect(await marked(realm, team)).toEqual(['1']);
    await service.keys.remove(team, 'groq', teamKey.id);
    expect(await marked(realm, team)).toBeUndefined();
  });
});

describe('the holder scan', () => {
  test('misses no holder when holders it already passed lose their mark while it reads (its pages overlap)', async () => {
    const realm = await scratchRealm();
    const holders = await inBatches(Array.from({ length: 30 }, (_, i) => i), 4, () => createTestUser({ tier: 'starter', attributes: { [HOLDER_ATTRIBUTE]: ['1'] } }, realm));
    const store = createKeycloakOwnerStore(createTestService(realmEnv(realm)).admin);
    const seen: string[] = [];
    // Pages of 20 overlap by 2: two holders already read lose their mark during the first page.
    for await (const holder of store.scanHolders('user', 20)) {
      seen.push(holder.owner.id);
      if (seen.length === 5) for (const id of seen.slice(0, 2)) await stripMark(realm, { kind: 'user', id });
    }
    expect(seen.sort()).toEqual(holders.map((holder) => holder.id).sort());
    expect(await store.countUserHolders()).toBe(28);
  });
});

describe('byok index-holders and the walks', () => {
  test('before the index the walks visit every owner and say so; index-holders marks pre-existing holders (legacy, subgroups) and unmarks stale marks; after it the walks visit exactly the holders with the same figures', async () => {
    const realm = await scratchRealm();
    const service = createTestService(realmEnv(realm));
    const kc = await masterAdmin(realm);
    const made = pythonFernet([testApiKey('openai')]);
    const legacyToken = made.tokens[0] as string;

    // Holders from before the mark: keys written by the service, mark stripped; a legacy key of the old ops center.
    const old: OwnerRef = { kind: 'user', id: (await createTestUser({ tier: 'professional' }, realm)).id };
    await service.keys.add(old, { provider: 'openai', apiKey: testApiKey('openai') });
    await stripMark(realm, old);
    const legacy: OwnerRef = {
      kind: 'user',
      id: (await createTestUser({ tier: 'starter', attributes: { byok_openai_key: [legacyToken], byok_openai_label: ['Old key'], byok_openai_added_date: ['2025-10-10T22:00:00.000000'] } }, realm)).id,
    };
    // A holder marked by the service, a stale mark without data, a team key on a nested subgroup (marked) and one whose mark is gone.
    const current: OwnerRef = { kind: 'user', id: (await createTestUser({ tier: 'enterprise' }, realm)).id };
    await service.keys.add(current, { provider: 'mistral', apiKey: testApiKey('mistral') });
    const stale: OwnerRef = { kind: 'user', id: (await createTestUser({ tier: 'free', attributes: { [HOLDER_ATTRIBUTE]: ['1'] } }, realm)).id };
    const nested = await subgroup(realm, 'team-alpha', 'nested-team');
    await service.keys.add(nested, { provider: 'groq', apiKey: testApiKey('groq', 200) });
    const deep: OwnerRef = { kind: 'group', id: (await kc.groups.createChildGroup({ id: nested.id }, { name: 'deep-team' })).id };
    await service.keys.add(deep, { provider: 'openai', apiKey: testApiKey('openai') });
    await stripMark(realm, deep);
    const holders = [old, legacy, current, nested, deep].map(key).sort();

    // Before: every owner, and said so (stats, doctor, the service's log).
    const env = realmEnv(realm, { LEGACY_ENCRYPTION_KEY: made.key });
    const before = JSON.parse((await runByok(['stats', '--json'], env)).stdout);
    const users = 5 + 4; // the development users and the ones made here
    const groups = 3; // team-alpha, nested-team, deep-team
    expect(before).toMatchObject({ walk: { scope: 'every-owner', indexedAt: null, ownersVisited: users + groups }, users, groups, usersWithKeys: 2, groupsWithKeys: 2, legacy: { users: 1, keys: 1 } });
    const doctorBefore = await runByok(['doctor'], env);
    expect(doctorBefore.stdout).toMatch(/^warn +holder_index +not complete: .*run byok index-holders/m);
    expect(doctorBefore.code).toBe(0);
    const admin = await userToken({ username: 'ops', password: 'ops' }, realm);
    const adminStats = async () => (await request(createTestService(realmEnv(realm)).app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`)).body;
    const statsService = createTestService(realmEnv(realm, { LOG_LEVEL: 'info' }));
    const adoptionBefore = (await request(statsService.app).get('/api/v1/admin/stats').set('Authorization', `Bearer ${admin}`)).body.adoption;
    expect(statsService.logs.filter((line) => String(line.msg).startsWith('holder index not complete'))).toHaveLength(1);
    const bootstrapBefore = await runByok(['bootstrap-realm', '--quiet'], { KEYCLOAK_URL, KEYCLOAK_REALM: realm, KEYCLOAK_ADMIN_USERNAME: MASTER_ADMIN.username, KEYCLOAK_ADMIN_PASSWORD: MASTER_ADMIN.password, KEYCLOAK_CLIENT_SECRET: SERVICE_CLIENT.secret });
    expect(bootstrapBefore.stdout).toMatch(/^NOTE +holder index not complete/m);

    // A dry run writes nothing; the real run marks and unmarks, then marks the index complete.
    const dry = await runByok(['index-holders', '--dry-run', '--quiet'], env);
    expect(dry.stdout).toMatch(/would mark\s+3\b/);
    expect(dry.stdout).toMatch(/would unmark\s+1\b/);
    expect(await marked(realm, old)).toBeUndefined();
    const run = await runByok(['index-holders', '--verbose', '--concurrency', '2'], env);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`owners scanned\\s+${users + groups}\\b`));
    expect(run.stdout).toMatch(/key holders\s+3 users, 2 groups/);
    expect(run.stdout).toMatch(/marked\s+3\b/);
    expect(run.stdout).toMatch(/unmarked\s+1\b/);
    expect(run.stdout).toContain(`mark    user ${legacy.id}`);
    expect(run.stdout).toContain(`unmark  user ${stale.id}`);
    expect(run.stdout).toMatch(/^done: the holder index is complete/m);
    for (const owner of [old, legacy, current, nested, deep]) expect(await marked(realm, owner)).toEqual(['1']);
    expect(await marked(realm, stale)).toBeUndefined();
    expect((await runByok(['index-holders', '--quiet'], env)).stdout).toMatch(/marked\s+0\b[\s\S]*unmarked\s+0\b/);

    // After: exactly the holders, the same figures.
    const walk = await service.walks.open();
    expect(walk.scope).toBe('holders');
    expect(walk.usersTotal).toBe(3);
    expect([...(await ids(walk.groups)), ...(await ids(walk.users()))].sort()).toEqual(holders);
    const after = JSON.parse((await runByok(['stats', '--json'], env)).stdout);
    expect(after.walk).toEqual({ scope: 'holders', indexedAt: expect.any(String), ownersVisited: holders.length });
    const { walk: _b, computedAt: _bt, ...figuresBefore } = before;
    const { walk: _a, computedAt: _at, ...figuresAfter } = after;
    expect(figuresAfter).toEqual(figuresBefore);
    const table = await runByok(['stats'], env);
    expect(table.stdout).toMatch(/^walked +5 owners: key holders only \(holder index complete since /m);
    const { computedAt: _c1, ...adoptionShapeBefore } = adoptionBefore;
    const { computedAt: _c2, ...adoptionShapeAfter } = (await adminStats()).adoption;
    expect(adoptionShapeAfter).toEqual(adoptionShapeBefore);
    expect((await runByok(['doctor'], env)).stdout).toMatch(/^ok +holder_index +complete since /m);
    const bootstrapAfter = await runByok(['bootstrap-realm'], { KEYCLOAK_URL, KEYCLOAK_REALM: realm, KEYCLOAK_ADMIN_USERNAME: MASTER_ADMIN.username, KEYCLOAK_ADMIN_PASSWORD: MASTER_ADMIN.password, KEYCLOAK_CLIENT_SECRET: SERVICE_CLIENT.secret });
    expect(bootstrapAfter.stdout).toMatch(/^exists +holder index \(complete since /m);

    // The commands that write walk the holders too: rewrap visits 5 owners, migrate-legacy finds the
    // legacy key through its mark, and the migrated user stays marked.
    const rewrap = await runByok(['rewrap', '--dry-run', '--quiet'], env);
    expect(rewrap.stdout).toMatch(/owners scanned +5 \(key holders only/);
    const migrate = await runByok(['migrate-legacy', '--quiet'], env);
    expect(migrate.stdout).toMatch(/users scanned +3 \(key holders only/);
    expect(migrate.stdout).toMatch(/migrated\s+1\b/);
    expect(Object.keys(await attributesOf(realm, legacy)).sort()).toEqual(['byok_holder', 'byok_openai_keys', 'subscription_tier']);
    expect(`${run.stdout}${migrate.stdout}${migrate.stderr}`).not.toContain(legacyToken);
  }, 240_000);

  test("index-holders keeps an administrator's concurrent changes to the users it marks", async () => {
    const realm = await scratchRealm();
    const service = createTestService(realmEnv(realm));
    const people = await inBatches(Array.from({ length: 12 }, (_, i) => i), 3, async () => {
      const user = await createTestUser({ tier: 'starter', firstName: 'Grace', lastName: 'Hopper', attributes: { cost_center: [`cc-${randomBytes(2).toString('hex')}`] } }, realm);
      const owner: OwnerRef = { kind: 'user', id: user.id };
      await service.keys.add(owner, { provider: 'openai', apiKey: testApiKey('openai') });
      await stripMark(realm, owner);
      return { ...user, owner, costCenter: (await attributesOf(realm, owner)).cost_center };
    });

    // The admin flips enabled, emailVerified and required actions on every one of them while the index is built.
    const running = runByok(['index-holders', '--quiet', '--concurrency', '1'], realmEnv(realm));
    let done = false;
    void running.then(() => (done = true));
    const last = new Map<string, { enabled: boolean; emailVerified: boolean; requiredActions: string[] }>();
    let flips = 0;
    for (let round = 0; !done || round < 2; round += 1) {
      for (const person of people) {
        const state = { enabled: round % 2 === 1, emailVerified: round % 3 !== 0, requiredActions: round % 2 === 0 ? ['UPDATE_PASSWORD'] : [] };
        await (await masterAdmin(realm)).users.update({ id: person.id }, state);
        last.set(person.id, state);
        flips += 1;
      }
    }
    const result = await running;
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/marked\s+12\b/);
    expect(flips).toBeGreaterThanOrEqual(24);

    const kc = await masterAdmin(realm);
    for (const person of people) {
      const seen = await kc.users.findOne({ id: person.id });
      expect({ enabled: seen?.enabled, emailVerified: seen?.emailVerified, requiredActions: seen?.requiredActions }).toEqual(last.get(person.id));
      expect({ email: seen?.email, firstName: seen?.firstName, lastName: seen?.lastName }).toEqual({ email: `${person.username}@example.com`, firstName: 'Grace', lastName: 'Hopper' });
      expect(seen?.attributes).toMatchObject({ [HOLDER_ATTRIBUTE]: ['1'], cost_center: person.costCenter, subscription_tier: ['starter'] });
      expect(seen?.attributes?.byok_openai_keys).toHaveLength(1);
    }
  }, 240_000);

  test('bootstrap-realm marks the index of a realm it creates complete: the walks visit key holders from the start', async () => {
    const realm = `byok-holders-new-${randomBytes(4).toString('hex')}`;
    realms.push(realm);
    const bootstrap = await runByok(['bootstrap-realm', '--dev'], { KEYCLOAK_URL, KEYCLOAK_REALM: realm, KEYCLOAK_ADMIN_USERNAME: MASTER_ADMIN.username, KEYCLOAK_ADMIN_PASSWORD: MASTER_ADMIN.password });
    expect(bootstrap.code).toBe(0);
    expect(bootstrap.stdout).toContain('created   holder index (a new realm: nothing to index)');
    const kc = await masterAdmin(realm);
    const [account] = await kc.users.find({ username: `service-account-${SERVICE_CLIENT.clientId}`, exact: true, briefRepresentation: false });
    expect(account?.attributes?.[HOLDER_INDEX_ATTRIBUTE]).toEqual([expect.stringMatching(/^v1@\d{4}-/)]);

    const service = createTestService(realmEnv(realm));
    const [alice] = await kc.users.find({ username: 'alice', exact: true });
    await service.keys.add({ kind: 'user', id: alice?.id as string }, { provider: 'openai', apiKey: testApiKey('openai') });
    const stats = JSON.parse((await runByok(['stats', '--json'], realmEnv(realm))).stdout);
    expect(stats).toMatchObject({ walk: { scope: 'holders', ownersVisited: 1 }, users: 5, usersWithKeys: 1, groups: 1, usersByTier: { starter: { users: 1, withKeys: 1 } } });
  }, 120_000);
});
