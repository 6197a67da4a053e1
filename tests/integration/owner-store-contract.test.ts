/**
 * One contract for the vault's OwnerStore port, run against the in-memory fake used by unit tests
 * and against the Keycloak adapter: whatever the unit tests assume of the fake holds for Keycloak.
 */
import { randomBytes } from 'node:crypto';
import { createEnvelopeCodec, newKeyId } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { createKeycloakOwnerStore } from '../../src/keycloak/owner-store.js';
import type { OwnerRef, OwnerStore, SealedKey } from '../../src/vault/ports.js';
import { createTestService } from '../support/app.js';
import { createInMemoryStore } from '../support/in-memory-store.js';
import { createTestUser, masterAdmin } from '../support/keycloak.js';

const keyring = parseKeyring(`1:${randomBytes(32).toString('base64')}`);
if (!keyring.ok) throw new Error('keyring');
const codec = createEnvelopeCodec(keyring.keyring);

interface Harness {
  store: OwnerStore;
  /** A new owner with a tier (users) and an unrelated attribute `department`. */
  newOwner(kind: 'user' | 'group'): Promise<OwnerRef>;
}

function sealedKey(owner: OwnerRef, provider: string, size = 40): SealedKey {
  const keyId = newKeyId();
  const envelope = codec.seal(randomBytes(size), { ownerKind: owner.kind, ownerId: owner.id, provider, keyId });
  return { keyId, envelope };
}

const sortById = (keys: readonly SealedKey[] | undefined) => [...(keys ?? [])].sort((a, b) => a.keyId.localeCompare(b.keyId));

function ownerStoreContract(name: string, harness: () => Harness) {
  describe(`OwnerStore contract: ${name}`, () => {
    test('an owner that does not exist loads as undefined', async () => {
      const { store } = harness();
      expect(await store.load({ kind: 'user', id: '00000000-0000-0000-0000-000000000000' })).toBeUndefined();
      expect(await store.load({ kind: 'group', id: '00000000-0000-0000-0000-000000000000' })).toBeUndefined();
    });

    for (const kind of ['user', 'group'] as const) {
      test(`${kind}: saved keys load back (in any order), other providers and state untouched`, async () => {
        const { store, newOwner } = harness();
        const owner = await newOwner(kind);
        const first = await store.load(owner);
        expect(first?.sealed.size).toBe(0);
        const keys = [sealedKey(owner, 'openai'), sealedKey(owner, 'openai', 600), sealedKey(owner, 'openai')];
        const other = [sealedKey(owner, 'anthropic')];
        await store.save(first!, { sealed: new Map([['openai', keys], ['anthropic', other]]) });

        const second = await store.load(owner);
        expect(sortById(second?.sealed.get('openai'))).toEqual(sortById(keys));
        expect(second?.sealed.get('anthropic')).toEqual(other);
        expect(second?.unreadable).toEqual([]);

        // Changing one provider leaves the other as it was.
        await store.save(second!, { sealed: new Map([['openai', keys.slice(0, 1)]]) });
        const third = await store.load(owner);
        expect(third?.sealed.get('openai')).toEqual(keys.slice(0, 1));
        expect(third?.sealed.get('anthropic')).toEqual(other);

        // An empty list removes the provider.
        await store.save(third!, { sealed: new Map([['openai', []]]) });
        expect((await store.load(owner))?.sealed.has('openai')).toBe(false);
      });

      test(`${kind}: the holder mark is set by the save that stores the first key and removed by the one that removes the last (docs/storage.md#holder-index)`, async () => {
        const { store, newOwner } = harness();
        const owner = await newOwner(kind);
        const loaded = await store.load(owner);
        expect(loaded?.holderMark).toBe(false);
        await store.save(loaded!, { preferences: { strict: true } });
        const keyless = await store.load(owner);
        expect(keyless?.holderMark).toBe(false);
        await store.save(keyless!, { sealed: new Map([['openai', [sealedKey(owner, 'openai')]]]) });
        const holding = await store.load(owner);
        expect(holding?.holderMark).toBe(true);
        await store.save(holding!, { sealed: new Map([['openai', []]]) });
        expect((await store.load(owner))?.holderMark).toBe(false);
      });

      test(`${kind}: preferences round-trip and default to not strict`, async () => {
        const { store, newOwner } = harness();
        const owner = await newOwner(kind);
        const loaded = await store.load(owner);
        expect(loaded?.preferences).toEqual({ strict: false });
        await store.save(loaded!, { preferences: { strict: true } });
        expect((await store.load(owner))?.preferences).toEqual({ strict: true });
      });

      test(`${kind}: daily usage round-trips per provider, key and day; an empty map removes the provider's`, async () => {
        const { store, newOwner } = harness();
        const owner = await newOwner(kind);
        const loaded = await store.load(owner);
        expect(loaded?.daily.size).toBe(0);
        const days = (entries: Record<string, [number, number, number]>) =>
          new Map(Object.entries(entries).map(([date, [requests, inputTokens, outputTokens]]) => [date, { requests, inputTokens, outputTokens }]));
        const openai = new Map([
          ['k_one', days({ '2026-01-01': [3, 100, 50], '2026-01-02': [1, 0, 0] })],
          ['k_two', days({ '2026-01-02': [0, 7, 9] })],
        ]);
        const anthropic = new Map([['k_three', days({ '2026-01-02': [2, 1, 1] })]]);
        await store.save(loaded!, { daily: new Map([['openai', openai], ['anthropic', anthropic]]) });
        const second = await store.load(owner);
        expect(second?.daily.get('openai')).toEqual(openai);
        expect(second?.daily.get('anthropic')).toEqual(anthropic);
        await store.save(second!, { daily: new Map([['openai', new Map()]]) });
        const third = await store.load(owner);
        expect(third?.daily.has('openai')).toBe(false);
        expect(third?.daily.get('anthropic')).toEqual(anthropic);
      });
    }

    test('user: the tier is read, written, and unknown values read as free', async () => {
      const { store, newOwner } = harness();
      const owner = await newOwner('user');
      const loaded = await store.load(owner);
      expect(loaded?.tier).toBe('starter');
      await store.save(loaded!, { tier: 'enterprise' });
      expect((await store.load(owner))?.tier).toBe('enterprise');
    });

    test('a save based on an older load still writes exactly what the change names', async () => {
      const { store, newOwner } = harness();
      const owner = await newOwner('user');
      const loaded = await store.load(owner);
      const key = sealedKey(owner, 'groq');
      await store.save(loaded!, { sealed: new Map([['groq', [key]]]) });
      expect((await store.load(owner))?.sealed.get('groq')).toEqual([key]);
    });
  });
}

ownerStoreContract('in-memory fake', () => {
  const memory = createInMemoryStore();
  return {
    store: memory.store,
    async newOwner(kind) {
      const owner = { kind, id: randomBytes(8).toString('hex') };
      memory.addOwner(owner, kind === 'user' ? 'starter' : undefined, { department: ['research'] });
      return owner;
    },
  };
});

ownerStoreContract('Keycloak adapter', () => {
  const service = createTestService();
  return {
    store: createKeycloakOwnerStore(service.admin),
    async newOwner(kind) {
      if (kind === 'user') {
        const user = await createTestUser({ tier: 'starter', attributes: { department: ['research'] } });
        return { kind, id: user.id };
      }
      const { id } = await (await masterAdmin()).groups.create({ name: `contract-${randomBytes(4).toString('hex')}`, attributes: { department: ['research'] } });
      return { kind, id };
    },
  };
});

test('Keycloak adapter: unrelated attributes survive every save', async () => {
  const service = createTestService();
  const store = createKeycloakOwnerStore(service.admin);
  const user = await createTestUser({ tier: 'starter', attributes: { department: ['research'] } });
  const owner: OwnerRef = { kind: 'user', id: user.id };
  const loaded = await store.load(owner);
  await store.save(loaded!, { sealed: new Map([['openai', [sealedKey(owner, 'openai')]]]), preferences: { strict: true } });
  const rep = await (await masterAdmin()).users.findOne({ id: user.id });
  expect(rep?.attributes?.department).toEqual(['research']);
  expect(rep?.attributes?.subscription_tier).toEqual(['starter']);
});
