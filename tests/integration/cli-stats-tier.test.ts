/**
 * `byok stats` and `byok set-tier` as real processes against a realm of their own (the development
 * data of docs/development.md plus keys added here), so every count is known.
 */
import { randomBytes } from 'node:crypto';
import { createTestService } from '../support/app.js';
import { masterAdmin } from '../support/keycloak.js';
import { createScratchRealm, deleteScratchRealm, realmEnv, runByok } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';

let realm: string;

beforeAll(async () => {
  realm = await createScratchRealm('byok-stats');
}, 120_000);

afterAll(async () => {
  if (realm) await deleteScratchRealm(realm);
});

async function userId(username: string): Promise<string> {
  const [user] = await (await masterAdmin(realm)).users.find({ username, exact: true });
  return user?.id as string;
}

describe('byok stats and set-tier', () => {
  test('stats counts owners with keys, keys per provider, by status, users by tier, values per KEK version and legacy keys', async () => {
    const kek = randomBytes(32).toString('base64');
    const env = realmEnv(realm, { ENCRYPTION_KEYS: `3:${kek}` });
    const service = createTestService(env);
    const kc = await masterAdmin(realm);
    const alice = { kind: 'user' as const, id: await userId('alice') };
    const carol = { kind: 'user' as const, id: await userId('carol') };
    const [team] = await kc.groups.find({ search: 'team-alpha' });
    await service.keys.add(alice, { provider: 'openai', apiKey: testApiKey('openai') });
    const disabled = await service.keys.add(alice, { provider: 'openai', apiKey: testApiKey('openai') });
    await service.keys.update(alice, 'openai', disabled.id, { enabled: false });
    await service.keys.add(carol, { provider: 'anthropic', apiKey: testApiKey('anthropic') });
    await service.keys.add({ kind: 'group', id: team?.id as string }, { provider: 'groq', apiKey: testApiKey('groq', 200) });
    // A value under another KEK (unreadable here) and a legacy key on bob.
    const other = createTestService(realmEnv(realm, { ENCRYPTION_KEYS: `1:${randomBytes(32).toString('base64')}` }));
    await other.keys.add(carol, { provider: 'mistral', apiKey: testApiKey('mistral') });
    const bob = await kc.users.findOne({ id: await userId('bob') });
    await kc.users.update({ id: bob?.id as string }, { ...bob, attributes: { ...bob?.attributes, byok_openai_key: ['gAAAAAB-not-read-by-stats'] } });

    const run = await runByok(['stats', '--json'], env);
    expect(run.code).toBe(0);
    const stats = JSON.parse(run.stdout);
    expect(stats).toMatchObject({
      users: 5,
      usersWithKeys: 2,
      groups: 1,
      groupsWithKeys: 1,
      keys: 5,
      keysByProvider: { openai: 2, anthropic: 1, groq: 1, mistral: 1 },
      keysByStatus: { active: 3, disabled: 1, expired: 0, invalid: 0, unreadable: 1 },
      usersByTier: {
        free: { users: 1, withKeys: 0 },
        trial: { users: 0, withKeys: 0 },
        starter: { users: 1, withKeys: 1 },
        professional: { users: 2, withKeys: 1 },
        enterprise: { users: 1, withKeys: 0 },
      },
      valuesByKekVersion: { '1': 1, '3': 4 },
      legacy: { users: 1, keys: 1 },
    });

    const table = await runByok(['stats'], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('users with keys      2 of 5');
    expect(table.stdout).toContain('values by KEK        v1 1, v3 (active) 4');
    expect(table.stdout).toContain('legacy keys          1 on 1 users (run byok migrate-legacy)');
  }, 120_000);

  test('set-tier sets subscription_tier by username or id through the locked write, keeps other attributes, and refuses bad input', async () => {
    const env = realmEnv(realm);
    const kc = await masterAdmin(realm);
    const daveId = await userId('dave');
    const dave = await kc.users.findOne({ id: daveId });
    await kc.users.update({ id: daveId }, { ...dave, attributes: { ...dave?.attributes, cost_center: ['cc-9'] } });

    const byName = await runByok(['set-tier', 'dave', 'trial'], env);
    expect([byName.code, byName.stdout.trim()]).toEqual([0, `subscription_tier of dave (${daveId}): enterprise -> trial`]);
    expect((await kc.users.findOne({ id: daveId }))?.attributes).toMatchObject({ subscription_tier: ['trial'], cost_center: ['cc-9'] });

    const byId = await runByok(['set-tier', daveId, 'professional'], env);
    expect(byId.code).toBe(0);
    expect((await kc.users.findOne({ id: daveId }))?.attributes?.subscription_tier).toEqual(['professional']);

    const unknownUser = await runByok(['set-tier', 'nobody-here', 'starter'], env);
    expect(unknownUser.code).toBe(1);
    expect(unknownUser.stdout).toContain('no user with id or username "nobody-here"');

    const badTier = await runByok(['set-tier', 'dave', 'platinum'], env);
    expect(badTier.code).toBe(2);
    expect(badTier.stderr).toContain('unknown tier "platinum"; one of free, trial, starter, professional, enterprise');
    const missing = await runByok(['set-tier', 'dave'], env);
    expect(missing.code).toBe(2);
    expect((await kc.users.findOne({ id: daveId }))?.attributes?.subscription_tier).toEqual(['professional']);
  }, 120_000);
});
