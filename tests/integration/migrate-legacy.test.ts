/**
 * `byok migrate-legacy` against the real Keycloak, with legacy tokens made by real Python
 * (`cryptography.fernet`), the way the previous ops center stored them (docs/storage.md#legacy-format).
 */
import request from 'supertest';
import { createTestService } from '../support/app.js';
import { INTERNAL_CLIENT } from '../support/env.js';
import { clientToken, createTestUser, masterAdmin } from '../support/keycloak.js';
import { pythonFernet } from '../support/python-fernet.js';
import { createScratchRealm, deleteScratchRealm, realmEnv, runByok } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';

let realm: string;

beforeAll(async () => {
  realm = await createScratchRealm('byok-legacy');
}, 120_000);

afterAll(async () => {
  if (realm) await deleteScratchRealm(realm);
});

type Attributes = Record<string, string[]>;

/** The ops center's attributes for one provider (each an array of one string, as Keycloak keeps them). */
function legacy(provider: string, token: string, fields: { label?: string; added?: string; tested?: string; status?: string; endpoint?: string } = {}): Attributes {
  return {
    [`byok_${provider}_key`]: [token],
    ...(fields.label ? { [`byok_${provider}_label`]: [fields.label] } : {}),
    [`byok_${provider}_added_date`]: [fields.added ?? '2025-10-10T22:00:00.000000'],
    ...(fields.tested ? { [`byok_${provider}_last_tested`]: [fields.tested] } : {}),
    ...(fields.status ? { [`byok_${provider}_test_status`]: [fields.status] } : {}),
    ...(fields.endpoint ? { [`byok_${provider}_endpoint`]: [fields.endpoint] } : {}),
  };
}

describe('byok migrate-legacy', () => {
  test('migrates Python-made Fernet keys; --dry-run writes nothing; a second run changes nothing; an undecryptable or refused key is reported and left as it was', async () => {
    const secrets = {
      openai: testApiKey('openai'),
      anthropic: testApiKey('anthropic'),
      groq: testApiKey('groq'),
      custom: testApiKey('custom'),
      refused: testApiKey('custom'),
      foreign: testApiKey('mistral'),
      existing: testApiKey('openai'),
    };
    const made = pythonFernet([secrets.openai, secrets.anthropic, secrets.groq, secrets.custom, secrets.refused]);
    const [tOpenai, tAnthropic, tGroq, tCustom, tRefused] = made.tokens as [string, string, string, string, string];
    const foreign = pythonFernet([secrets.foreign]); // another ENCRYPTION_KEY: cannot be decrypted with ours

    const kc = await masterAdmin(realm);
    const withOne = await createTestUser({ tier: 'starter', attributes: { department: ['ml'], ...legacy('openai', tOpenai, { label: 'Production Key', tested: '2025-10-11T08:30:00.250000', status: 'valid', endpoint: 'https://api.openai.com/v1' }) } }, realm);
    const withTwo = await createTestUser({ tier: 'free', attributes: { ...legacy('anthropic', tAnthropic, { label: 'Claude' }), ...legacy('groq', tGroq, { endpoint: 'https://gateway.internal.example/groq' }) } }, realm);
    const withCustom = await createTestUser({ tier: 'professional', attributes: legacy('custom', tCustom, { label: 'Self-hosted', endpoint: 'https://93.184.215.14/v1' }) }, realm);
    const refused = await createTestUser({ tier: 'starter', attributes: legacy('custom', tRefused, { endpoint: 'http://127.0.0.1:8000/v1' }) }, realm);
    const undecryptable = await createTestUser({ tier: 'starter', attributes: { team: ['x'], ...legacy('mistral', foreign.tokens[0] as string, { label: 'old' }) } }, realm);
    const mixed = await createTestUser({ tier: 'starter', attributes: legacy('openai', tOpenai.replace(/^gAAAAA/, 'gAAAAA'), { label: 'Legacy' }) }, realm);
    const users = [withOne, withTwo, withCustom, refused, undecryptable, mixed];
    const service = createTestService(realmEnv(realm));
    // A user who already has a key in the new format keeps it next to the migrated one.
    const existing = await service.keys.add({ kind: 'user', id: mixed.id }, { provider: 'openai', apiKey: secrets.existing, label: 'new' });

    const attributesOf = async (id: string) => ((await kc.users.findOne({ id }))?.attributes ?? {}) as Attributes;
    const snapshot = async () => Object.fromEntries(await Promise.all(users.map(async (u) => [u.id, await attributesOf(u.id)] as const)));
    const env = realmEnv(realm, { LEGACY_ENCRYPTION_KEY: made.key });
    const printed: string[] = [];

    // --dry-run: decrypts and reports, writes nothing.
    const before = await snapshot();
    const dry = await runByok(['migrate-legacy', '--dry-run'], env);
    printed.push(dry.stdout, dry.stderr);
    expect(dry.code).toBe(1); // problems would remain
    expect(dry.stdout).toContain(`would migrate  user ${withOne.id} openai`);
    expect(dry.stdout).toMatch(/would migrate\s+5\b/);
    expect(await snapshot()).toEqual(before);

    // The real run.
    const first = await runByok(['migrate-legacy'], env);
    printed.push(first.stdout, first.stderr);
    expect(first.code).toBe(1); // completed with problems: two keys left as they were
    expect(first.stdout).toMatch(/migrated\s+5\b/);
    expect(first.stdout).toContain(`FAIL           user ${undecryptable.id} mistral: the legacy token does not decrypt with LEGACY_ENCRYPTION_KEY`);
    expect(first.stdout).toContain(`SKIP           user ${refused.id} custom: the endpoint is refused by the base URL policy`);
    expect(first.stdout).toContain(`note           user ${withTwo.id} groq: its endpoint was not carried over`);
    expect(first.stdout).toContain('completed with problems');

    // Left exactly as they were.
    const afterFirst = await snapshot();
    expect(afterFirst[undecryptable.id]).toEqual(before[undecryptable.id]);
    expect(afterFirst[refused.id]).toEqual(before[refused.id]);
    // Migrated: legacy attributes gone, other attributes kept, records in their place (and the holder mark: docs/storage.md#holder-index).
    expect(Object.keys(afterFirst[withOne.id] ?? {}).sort()).toEqual(['byok_holder', 'byok_openai_keys', 'department', 'subscription_tier']);
    expect(Object.keys(afterFirst[withTwo.id] ?? {}).sort()).toEqual(['byok_anthropic_keys', 'byok_groq_keys', 'byok_holder', 'subscription_tier']);
    expect(Object.keys(afterFirst[withCustom.id] ?? {}).sort()).toEqual(['byok_custom_keys', 'byok_holder', 'subscription_tier']);

    const [one] = await service.keys.listKeys({ kind: 'user', id: withOne.id });
    expect(one).toMatchObject({ provider: 'openai', label: 'Production Key', createdAt: '2025-10-10T22:00:00.000Z', lastTestedAt: '2025-10-11T08:30:00.250Z', testStatus: 'valid', enabled: true, baseUrl: null });
    expect((await service.keys.listKeys({ kind: 'user', id: withTwo.id })).map((k) => [k.provider, k.label])).toEqual([
      ['anthropic', 'Claude'],
      ['groq', 'Groq key (migrated)'],
    ]);
    const [custom] = await service.keys.listKeys({ kind: 'user', id: withCustom.id });
    expect(custom).toMatchObject({ label: 'Self-hosted', baseUrl: 'https://93.184.215.14/v1' });
    expect((await service.keys.listKeys({ kind: 'user', id: mixed.id })).map((k) => k.label).sort()).toEqual(['Legacy', 'new']);

    // The secrets are the ones Python encrypted: resolution serves them.
    const token = await clientToken(INTERNAL_CLIENT, realm);
    const resolve = (userId: string, provider: string) =>
      request(service.app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send({ userId, provider, allowSystemFallback: false });
    expect((await resolve(withOne.id, 'openai')).body).toMatchObject({ apiKey: secrets.openai, source: 'user', keyId: one?.id });
    expect((await resolve(withTwo.id, 'anthropic')).body.apiKey).toBe(secrets.anthropic);
    expect((await resolve(withTwo.id, 'groq')).body.apiKey).toBe(secrets.groq);
    expect((await resolve(withCustom.id, 'custom')).body).toMatchObject({ apiKey: secrets.custom, baseUrl: 'https://93.184.215.14/v1' });
    const mixedServed = new Set([(await resolve(mixed.id, 'openai')).body.apiKey, (await resolve(mixed.id, 'openai')).body.apiKey]);
    expect(mixedServed).toEqual(new Set([secrets.openai, secrets.existing]));
    expect(existing.id).toBeDefined();

    // A second run changes nothing.
    const second = await runByok(['migrate-legacy'], env);
    printed.push(second.stdout, second.stderr);
    expect(second.stdout).toMatch(/migrated\s+0\b/);
    expect(second.stdout).toMatch(/users with legacy keys\s+2\b/);
    expect(await snapshot()).toEqual(afterFirst);

    // A run that died after writing the record but before removing the legacy attributes: the next
    // run finds its record by id, adds nothing, and removes the legacy attributes.
    const interrupted = await attributesOf(withOne.id);
    await kc.users.update({ id: withOne.id }, { ...(await kc.users.findOne({ id: withOne.id })), attributes: { ...interrupted, ...legacy('openai', tOpenai, { label: 'Production Key' }) } });
    const resumed = await runByok(['migrate-legacy', '--verbose'], env);
    printed.push(resumed.stdout, resumed.stderr);
    expect(resumed.stdout).toContain(`migrated       user ${withOne.id} openai -> ${one?.id}`);
    expect(await attributesOf(withOne.id)).toEqual(interrupted);

    // Nothing secret was printed: no key, no token, not the legacy key.
    const output = printed.join('\n');
    for (const secret of [...Object.values(secrets), ...made.tokens, ...foreign.tokens, made.key, foreign.key]) expect(output).not.toContain(secret);
  }, 180_000);
});
