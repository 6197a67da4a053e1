/**
 * Master-key rotation against the real Keycloak (docs/storage.md#encryption, docs/operations.md), the way an operator does it
 * (README "Rotating the master key"): instances holding {1} serve; instances holding {1,2} (2 active)
 * take over; `byok rewrap` moves every value to 2 (interrupted once, and resumed); instances holding
 * {2} only take over. Resolves run in a loop the whole time and not one may fail.
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import type { RequestListener } from 'node:http';
import { readEnvelopeHeader } from '../../src/crypto/envelope.js';
import { fromAttributeValues } from '../../src/keycloak/attribute-codec.js';
import { INTERNAL_CLIENT } from '../support/env.js';
import { createTestService, type TestService } from '../support/app.js';
import { clientToken, createTestUser, masterAdmin } from '../support/keycloak.js';
import { createScratchRealm, deleteScratchRealm, inBatches, realmEnv, runByok } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';

const kek = () => randomBytes(32).toString('base64');
const KEK1 = kek();
const KEK2 = kek();
const USERS = 50;

let realm: string;

beforeAll(async () => {
  realm = await createScratchRealm('byok-rot');
}, 120_000);

afterAll(async () => {
  if (realm) await deleteScratchRealm(realm);
});

/** Every stored byok value of the realm's users and groups, read raw from Keycloak, as KEK versions. */
async function storedKekVersions(): Promise<{ owner: string; kekVersion: number | undefined }[]> {
  const kc = await masterAdmin(realm);
  const users = await kc.users.find({ max: 1000, briefRepresentation: false });
  const groups = await kc.groups.find({ max: 1000, briefRepresentation: false });
  const found: { owner: string; kekVersion: number | undefined }[] = [];
  for (const owner of [...users, ...groups]) {
    for (const [name, values] of Object.entries((owner.attributes ?? {}) as Record<string, string[]>)) {
      if (!/^byok_[a-z]+_keys$/.test(name)) continue;
      const read = fromAttributeValues(values);
      expect(read.problems).toEqual([]);
      for (const { envelope } of read.envelopes) found.push({ owner: owner.id as string, kekVersion: readEnvelopeHeader(envelope)?.kekVersion });
    }
  }
  return found;
}

interface Holder {
  userId: string;
  secrets: Set<string>;
}

describe('master-key rotation with byok rewrap', () => {
  test('50 users and a team: resolves never fail across {1} -> {1,2} -> rewrap (interrupted, resumed) -> {2}; every value ends under KEK 2', async () => {
    const env1 = { ENCRYPTION_KEYS: `1:${KEK1}`, OWNER_CACHE_TTL_SECONDS: '1' };
    const env12 = { ENCRYPTION_KEYS: `1:${KEK1},2:${KEK2}`, OWNER_CACHE_TTL_SECONDS: '1' };
    const env2 = { ENCRYPTION_KEYS: `2:${KEK2}`, OWNER_CACHE_TTL_SECONDS: '1' };
    const instanceA = createTestService(realmEnv(realm, env1));

    // Fixtures: 50 users with one or two keys, and a group with a long (chunked) team key.
    const holders = await inBatches(Array.from({ length: USERS }, (_, i) => i), 5, async (i): Promise<Holder> => {
      const user = await createTestUser({ tier: 'starter', attributes: { department: [`d${i}`] } }, realm);
      const secrets = new Set<string>();
      for (let k = 0; k < (i % 3 === 0 ? 2 : 1); k += 1) {
        const apiKey = testApiKey('openai');
        await instanceA.keys.add({ kind: 'user', id: user.id }, { provider: 'openai', apiKey, label: `key ${i}` });
        secrets.add(apiKey);
      }
      return { userId: user.id, secrets };
    });
    const kc = await masterAdmin(realm);
    const { id: groupId } = await kc.groups.create({ name: `team-${randomBytes(3).toString('hex')}` });
    const teamSecret = testApiKey('anthropic', 220);
    await instanceA.keys.add({ kind: 'group', id: groupId }, { provider: 'anthropic', apiKey: teamSecret, label: 'team' });
    // What a user sees of their keys, less the last use (served since, by design).
    const viewsOf = async (service: TestService) =>
      Promise.all(holders.map(async (h) => (await service.keys.listKeys({ kind: 'user', id: h.userId })).map(({ lastUsedAt: _used, ...view }) => view)));
    const viewsBefore = await viewsOf(instanceA);
    expect((await storedKekVersions()).every((value) => value.kekVersion === 1)).toBe(true);

    // The resolve loop: as a load balancer would, it sends each request to the current instance.
    const token = await clientToken(INTERNAL_CLIENT, realm);
    let current: { name: string; service: TestService } = { name: 'A{1}', service: instanceA };
    const served: Record<string, number> = {};
    const failures: string[] = [];
    let running = true;
    const resolveOnce = async (app: RequestListener, name: string, holder: Holder) => {
      const response = await request(app).post('/api/v1/internal/resolve').set('Authorization', `Bearer ${token}`).send({ userId: holder.userId, provider: 'openai', allowSystemFallback: false });
      if (response.status !== 200 || !holder.secrets.has(response.body.apiKey)) {
        failures.push(`${name}: ${response.status} ${response.body?.error?.code ?? (response.status === 200 ? 'wrong key' : '')}`);
      } else {
        served[name] = (served[name] ?? 0) + 1;
      }
    };
    const loop = (async () => {
      for (let n = 0; running; n += 1) {
        const { name, service } = current;
        await Promise.all([0, 1].map((k) => resolveOnce(service.app, name, holders[(2 * n + k) % USERS] as Holder)));
      }
    })();
    const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await settle(1500);

      // 1. Instances with {1,2}, 2 active, take over; the old ones stop.
      const instanceB = createTestService(realmEnv(realm, env12));
      current = { name: 'B{1,2}', service: instanceB };
      await settle(1500);

      // 2. A dry run reports and writes nothing.
      const dry = await runByok(['rewrap', '--dry-run', '--quiet'], realmEnv(realm, env12));
      expect(dry.code).toBe(0);
      const valueCount = holders.reduce((sum, h) => sum + h.secrets.size, 0) + 1;
      expect(dry.stdout).toMatch(new RegExp(`would rewrap\\s+${valueCount} `));
      expect((await storedKekVersions()).every((value) => value.kekVersion === 1)).toBe(true);

      // 3. rewrap, killed (SIGKILL: no chance to clean up) after 10 owners were written.
      const killed = await runByok(['rewrap', '--verbose', '--concurrency', '1'], realmEnv(realm, env12), (stdout, kill) => {
        if ((stdout.match(/^rewrapped /gm) ?? []).length >= 10) kill();
      });
      expect(killed.signal).toBe('SIGKILL');
      const midway = await storedKekVersions();
      const movedBeforeKill = midway.filter((value) => value.kekVersion === 2).length;
      expect(movedBeforeKill).toBeGreaterThanOrEqual(10);
      expect(midway.some((value) => value.kekVersion === 1)).toBe(true);

      // 4. A second run finishes the rest and leaves nothing under KEK 1.
      const resumed = await runByok(['rewrap'], realmEnv(realm, env12));
      expect(resumed.code).toBe(0);
      const rewrapped = Number(/values rewrapped\s+(\d+)/.exec(resumed.stdout)?.[1]);
      const current2 = Number(/already current\s+(\d+)/.exec(resumed.stdout)?.[1]);
      expect(rewrapped + current2).toBe(valueCount);
      expect(current2).toBeGreaterThanOrEqual(movedBeforeKill);
      expect(resumed.stdout).toContain('done: every readable value is under KEK version 2');

      // 5. Instances with {2} only take over.
      const instanceC = createTestService(realmEnv(realm, env2));
      current = { name: 'C{2}', service: instanceC };
      await settle(1500);
      running = false;
      await loop;

      expect(failures).toEqual([]);
      expect(served['A{1}']).toBeGreaterThan(0);
      expect(served['B{1,2}']).toBeGreaterThan(0);
      expect(served['C{2}']).toBeGreaterThan(0);

      // Every value names KEK 2, and with KEK 1 gone every user's and the team's keys read back
      // with all their fields as they were (ids, labels, dates, status).
      const after = await storedKekVersions();
      expect(after).toHaveLength(valueCount);
      expect(after.every((value) => value.kekVersion === 2)).toBe(true);
      expect(await viewsOf(instanceC)).toEqual(viewsBefore);
      await inBatches(holders, 4, (holder) => resolveOnce(instanceC.app, 'C{2} check', holder));
      expect(failures).toEqual([]);
      expect(served['C{2} check']).toBe(USERS);
      expect((await instanceC.keys.listKeys({ kind: 'group', id: groupId })).map((view) => view.label)).toEqual(['team']);
      // Other attributes were written back as they were.
      const sample = await kc.users.findOne({ id: holders[7]?.userId as string });
      expect(sample?.attributes?.department).toEqual(['d7']);

      // No secret in what the command printed.
      const printed = [dry, killed, resumed].map((run) => run.stdout + run.stderr).join('\n');
      for (const secret of [teamSecret, ...holders.flatMap((h) => [...h.secrets])]) expect(printed).not.toContain(secret);
      expect(printed).not.toContain(KEK1);
      expect(printed).not.toContain(KEK2);
    } finally {
      running = false;
      await loop;
    }
  }, 300_000);

  test('a value under a KEK version the keyring lacks is reported by owner and key id, left as it is, and the exit code is 1', async () => {
    const other = createTestService(realmEnv(realm, { ENCRYPTION_KEYS: `7:${kek()}` }));
    const user = await createTestUser({ tier: 'starter' }, realm);
    const added = await other.keys.add({ kind: 'user', id: user.id }, { provider: 'groq', apiKey: testApiKey('groq') });
    const kc = await masterAdmin(realm);
    const before = (await kc.users.findOne({ id: user.id }))?.attributes?.byok_groq_keys;

    const run = await runByok(['rewrap', '--quiet'], realmEnv(realm, { ENCRYPTION_KEYS: `1:${KEK1},2:${KEK2}` }));
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`FAIL  user ${user.id} groq ${added.id}: unknown_kek_version`);
    expect(run.stdout).toMatch(/not done: 1 value not under KEK version 2/);
    expect((await kc.users.findOne({ id: user.id }))?.attributes?.byok_groq_keys).toEqual(before);
  }, 120_000);
});
