/**
 * The vault's rules, with the in-memory store (the domain's own port) and a fixed clock.
 */
import { randomBytes } from 'node:crypto';
import { createEnvelopeCodec } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createKeyService, type KeyLimits } from '../../src/vault/key-service.js';
import { maskKey } from '../../src/vault/key-record.js';
import type { OwnerRef } from '../../src/vault/ports.js';
import { createInMemoryStore } from '../support/in-memory-store.js';

const keyring = parseKeyring(`1:${randomBytes(32).toString('base64')}`);
if (!keyring.ok) throw new Error('keyring');

function setup(limits: Partial<KeyLimits> = {}) {
  const memory = createInMemoryStore();
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  const warnings: Array<Record<string, unknown>> = [];
  const writes: OwnerRef[] = [];
  const keys = createKeyService({
    store: memory.store,
    locks: createInProcessLocks(),
    codec: createEnvelopeCodec(keyring.ok ? keyring.keyring : (undefined as never)),
    registry: createProviderRegistry(),
    tester: { test: async () => ({ status: 'valid', testedAt: clock.now.toISOString() }) },
    checkBaseUrl: async (raw) => ({ ok: true, url: new URL(raw) }),
    limits: { minTier: 'starter', maxKeysPerProvider: 10, perTier: {}, ...limits },
    clock: { now: () => clock.now.getTime() },
    log: { warn: (fields) => warnings.push(fields) },
    onWrite: (owner) => writes.push(owner),
  });
  const user = (tier: 'free' | 'starter' | 'enterprise' = 'starter'): OwnerRef => {
    const owner = { kind: 'user' as const, id: randomBytes(6).toString('hex') };
    memory.addOwner(owner, tier);
    return owner;
  };
  return { keys, memory, clock, warnings, writes, user };
}

const key = () => `sk-proj-${randomBytes(24).toString('base64url').replace(/[-_]/g, 'x')}`;

describe('key service', () => {
  test('keys are listed in creation order, then by id for equal times', async () => {
    const { keys, clock, user } = setup();
    const owner = user();
    const a = await keys.add(owner, { provider: 'openai', apiKey: key() });
    clock.now = new Date('2026-01-02T00:00:00Z');
    const b = await keys.add(owner, { provider: 'openai', apiKey: key() });
    const c = await keys.add(owner, { provider: 'openai', apiKey: key() }); // same time as b
    const listed = (await keys.list(owner, 'openai')).providers[0]?.keys.map((view) => view.id);
    expect(listed).toEqual([a.id, ...[b.id, c.id].sort()]);
  });

  test('masking shows at most 4 + 4 characters, and only the last 2 of a key shorter than 16', () => {
    expect(maskKey('sk-proj-abcdefghijklmnopqrstuvwxyz')).toBe('sk-p…wxyz');
    expect(maskKey('abcdefghijklmno')).toBe('…no');
    expect(maskKey('abcdefghijklmnop')).toBe('abcd…mnop');
  });

  test('a per-tier limit overrides the default, and the tier is read at write time', async () => {
    const { keys, user, memory } = setup({ perTier: { starter: 2 } });
    const owner = user('starter');
    await keys.add(owner, { provider: 'openai', apiKey: key() });
    await keys.add(owner, { provider: 'openai', apiKey: key() });
    await expect(keys.add(owner, { provider: 'openai', apiKey: key() })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED', details: { limit: 2 } });
    const stored = await memory.store.load(owner);
    await memory.store.save(stored!, { tier: 'enterprise' });
    await expect(keys.add(owner, { provider: 'openai', apiKey: key() })).resolves.toMatchObject({ provider: 'openai' });
  });

  test('values that no longer decrypt still count toward the limit (they occupy a slot until deleted)', async () => {
    const { keys, user, memory } = setup({ maxKeysPerProvider: 2 });
    const owner = user();
    await keys.add(owner, { provider: 'openai', apiKey: key() });
    const [sealed] = memory.sealedOf(owner, 'openai');
    memory.putSealed(owner, 'openai', [sealed!, { keyId: 'k_AAAAAAAAAAAAAAAA', envelope: sealed!.envelope.replace(sealed!.keyId, 'k_AAAAAAAAAAAAAAAA') }]);
    await expect(keys.add(owner, { provider: 'openai', apiKey: key() })).rejects.toMatchObject({ code: 'KEY_LIMIT_REACHED' });
    await keys.remove(owner, 'openai', 'k_AAAAAAAAAAAAAAAA');
    await expect(keys.add(owner, { provider: 'openai', apiKey: key() })).resolves.toBeDefined();
  });

  test('concurrent adds never exceed the limit and never lose a key', async () => {
    const { keys, user, memory } = setup({ maxKeysPerProvider: 10 });
    const owner = user();
    const results = await Promise.allSettled(Array.from({ length: 40 }, () => keys.add(owner, { provider: 'openai', apiKey: key() })));
    const created = results.filter((r) => r.status === 'fulfilled').map((r) => (r as PromiseFulfilledResult<{ id: string }>).value.id);
    expect(created).toHaveLength(10);
    expect(memory.sealedOf(owner, 'openai').map((s) => s.keyId).sort()).toEqual(created.sort());
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'KEY_LIMIT_REACHED')).toBe(true);
  });

  test('a failed write releases the lock and changes nothing; a successful one is announced', async () => {
    const { keys, user, memory, writes } = setup();
    const owner = user('free');
    await expect(keys.add(owner, { provider: 'openai', apiKey: key() })).rejects.toMatchObject({ code: 'TIER_REQUIRED' });
    expect(memory.stats.saves).toBe(0);
    expect(writes).toEqual([]);
    await keys.setTier(owner.id, 'starter');
    await keys.add(owner, { provider: 'openai', apiKey: key() });
    expect(writes).toEqual([owner, owner]);
  });

  test('an expired key shows as expired; an expiry in the past is refused', async () => {
    const { keys, user, clock } = setup();
    const owner = user();
    const view = await keys.add(owner, { provider: 'openai', apiKey: key(), expiresAt: '2026-01-05T00:00:00Z' });
    expect(view.status).toBe('active');
    clock.now = new Date('2026-01-06T00:00:00Z');
    expect((await keys.list(owner, 'openai')).providers[0]?.keys[0]?.status).toBe('expired');
    await expect(keys.add(owner, { provider: 'openai', apiKey: key(), expiresAt: '2026-01-01T00:00:00Z' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  test('a record decrypted under the wrong owner is skipped with a warning naming the key id only', async () => {
    const { keys, user, memory, warnings } = setup();
    const victim = user();
    const thief = user();
    const secret = key();
    const added = await keys.add(victim, { provider: 'openai', apiKey: secret });
    memory.putSealed(thief, 'openai', memory.sealedOf(victim, 'openai'));
    expect((await keys.list(thief, 'openai')).providers[0]?.keys).toEqual([]);
    expect(warnings).toEqual([expect.objectContaining({ keyId: added.id, reason: 'authentication_failed', ownerId: thief.id })]);
    expect(JSON.stringify(warnings)).not.toContain(secret);
  });

  test('groups are not tier-gated; users below the minimum tier are, with the tier they need', async () => {
    const { keys, memory } = setup({ minTier: 'professional' });
    const group = { kind: 'group' as const, id: 'g1' };
    memory.addOwner(group);
    await expect(keys.add(group, { provider: 'openai', apiKey: key() })).resolves.toBeDefined();
    const owner = { kind: 'user' as const, id: 'u1' };
    memory.addOwner(owner, 'starter');
    await expect(keys.add(owner, { provider: 'openai', apiKey: key() })).rejects.toMatchObject({ code: 'TIER_REQUIRED', details: { tier: 'starter', requiredTier: 'professional' } });
  });
});

describe('in-process owner locks', () => {
  test('writers for one owner run one at a time in arrival order; other owners are not blocked', async () => {
    const locks = createInProcessLocks();
    const order: string[] = [];
    const slow = (name: string, ms: number) => async () => {
      order.push(`${name}:start`);
      await new Promise((resolve) => setTimeout(resolve, ms));
      order.push(`${name}:end`);
    };
    const alice = { kind: 'user' as const, id: 'alice' };
    const bob = { kind: 'user' as const, id: 'bob' };
    await Promise.all([locks.withLock(alice, slow('a1', 20)), locks.withLock(alice, slow('a2', 1)), locks.withLock(bob, slow('b1', 1))]);
    expect(order.indexOf('a2:start')).toBeGreaterThan(order.indexOf('a1:end'));
    expect(order.indexOf('b1:end')).toBeLessThan(order.indexOf('a1:end'));
    expect(locks.held()).toBe(0);
  });

  test('a throwing writer releases the lock', async () => {
    const locks = createInProcessLocks();
    const owner = { kind: 'user' as const, id: 'x' };
    await expect(locks.withLock(owner, async () => { throw new Error('boom'); })).rejects.toThrow('boom');
    await expect(locks.withLock(owner, async () => 'next')).resolves.toBe('next');
    expect(locks.held()).toBe(0);
  });
});
