/**
 * A service write never reverts an admin's change: the owner store PUTs only what the service owns
 * (for users `username`, `email`, `firstName`, `lastName` and `attributes`; for groups `name`,
 * `description` and `attributes`), so fields an admin changes between the service's read and its
 * write (`enabled`, `emailVerified`, `requiredActions`) stay the admin's. The writes are made the way
 * the service makes them (KeyService and the usage tracker of createService), not over HTTP.
 */
import { randomBytes } from 'node:crypto';
import type { OwnerRef } from '../../src/vault/ports.js';
import { createTestService } from '../support/app.js';
import { createTestUser, masterAdmin } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';
import { until } from '../support/wait.js';

interface AdminState {
  enabled: boolean;
  emailVerified: boolean;
  requiredActions: string[];
}

test("100 service writes (adds, removes, preferences, usage flushes) while an admin flips enabled, emailVerified and requiredActions 20 times: every admin change stands, email and names are never lost", async () => {
  const service = createTestService();
  const user = await createTestUser({ tier: 'starter', firstName: 'Ada', lastName: 'Lovelace' });
  const owner: OwnerRef = { kind: 'user', id: user.id };
  const identity = { username: user.username, email: `${user.username}@example.com`, firstName: 'Ada', lastName: 'Lovelace' };
  const kept = await service.keys.add(owner, { provider: 'openai', apiKey: testApiKey('openai') });

  // Two writers, so that a write is nearly always between its read and its PUT (under the owner lock).
  let completed = 0;
  let strict = false;
  let anthropicKeys = 0;
  let uses = 0;
  async function writer(count: number, seed: number): Promise<void> {
    const added: string[] = [];
    for (let i = 0; i < count; i += 1) {
      switch ((i + seed) % 4) {
        case 0:
          added.push((await service.keys.add(owner, { provider: 'anthropic', apiKey: testApiKey('anthropic') })).id);
          anthropicKeys += 1;
          break;
        case 1:
          strict = !strict;
          await service.keys.setPreferences(owner, { strict });
          break;
        case 2:
          service.usage.record(owner, 'openai', kept.id);
          uses += 1;
          await service.usage.flush();
          break;
        default: {
          const keyId = added.pop();
          if (keyId) {
            await service.keys.remove(owner, 'anthropic', keyId);
            anthropicKeys -= 1;
          } else await service.keys.setPreferences(owner, { strict });
        }
      }
      completed += 1;
    }
  }
  const writes = Promise.all([writer(50, 0), writer(50, 2)]);

  // The admin: 20 changes, each checked once every write in flight when it was made has ended.
  const reverted: string[] = [];
  let last: AdminState | undefined;
  const read = async () => (await masterAdmin()).users.findOne({ id: user.id });
  for (let flip = 0; flip < 20; flip += 1) {
    const state: AdminState = { enabled: flip % 2 === 1, emailVerified: flip % 3 !== 0, requiredActions: flip % 2 === 0 ? ['UPDATE_PASSWORD'] : [] };
    await (await masterAdmin()).users.update({ id: user.id }, state);
    last = state;
    const at = completed;
    await until(() => completed >= at + 3 || completed === 100, 'writes after the admin change', 30_000);
    const seen = await read();
    const now = { enabled: seen?.enabled, emailVerified: seen?.emailVerified, requiredActions: seen?.requiredActions };
    if (JSON.stringify(now) !== JSON.stringify(state)) reverted.push(`change ${flip + 1}: admin set ${JSON.stringify(state)}, found ${JSON.stringify(now)}`);
    expect({ username: seen?.username, email: seen?.email, firstName: seen?.firstName, lastName: seen?.lastName }).toEqual(identity);
  }
  await writes;
  expect(completed).toBe(100);
  expect(reverted).toEqual([]);

  // The end state: the admin's last change, the identity, and every service write.
  const end = await read();
  expect({ enabled: end?.enabled, emailVerified: end?.emailVerified, requiredActions: end?.requiredActions }).toEqual(last);
  expect({ username: end?.username, email: end?.email, firstName: end?.firstName, lastName: end?.lastName }).toEqual(identity);
  expect(end?.attributes?.subscription_tier).toEqual(['starter']);
  const stored = await service.store.load(owner);
  expect(stored?.sealed.get('anthropic') ?? []).toHaveLength(anthropicKeys);
  expect(stored?.sealed.get('openai')?.map((key) => key.keyId)).toEqual([kept.id]);
  expect(stored?.usage.get('openai')?.get(kept.id)?.uses).toBe(uses);
  expect(stored?.preferences).toEqual({ strict });
});

test("a team-key write keeps the group's description and other attributes (a group PUT without description erases it)", async () => {
  const service = createTestService();
  const kc = await masterAdmin();
  const name = `kept-${randomBytes(4).toString('hex')}`;
  const { id } = await kc.groups.create({ name, description: 'Team Alpha, billing code 42', attributes: { cost_center: ['cc-7'] } });
  await service.keys.add({ kind: 'group', id }, { provider: 'openai', apiKey: testApiKey('openai') });
  const group = await (await masterAdmin()).groups.findOne({ id });
  expect({ name: group?.name, description: group?.description, costCenter: group?.attributes?.cost_center }).toEqual({ name, description: 'Team Alpha, billing code 42', costCenter: ['cc-7'] });
  expect(group?.attributes?.byok_openai_keys?.length).toBeGreaterThan(0);
});
