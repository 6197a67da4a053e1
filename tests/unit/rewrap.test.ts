/**
 * The rewrap logic (src/vault/rewrap.ts) over the in-memory owner store: what is rewritten, what is
 * left alone, and that an interrupted run is finished by the next one.
 */
import { createEnvelopeCodec, newKeyId } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import type { ProviderId } from '../../src/providers/registry.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createOwnerWalks } from '../../src/vault/holders.js';
import type { OwnerKind, OwnerRef, OwnerScanner, StoredOwner } from '../../src/vault/ports.js';
import { createRewrap } from '../../src/vault/rewrap.js';
import { createInMemoryStore } from '../support/in-memory-store.js';

const keyOf = (byte: number) => Buffer.alloc(32, byte).toString('base64');
function codecFor(spec: string) {
  const parsed = parseKeyring(spec);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return createEnvelopeCodec(parsed.keyring);
}
const v1 = codecFor(`1:${keyOf(1)}`);
const v12 = codecFor(`1:${keyOf(1)},2:${keyOf(2)}`);
const v2 = codecFor(`2:${keyOf(2)}`);

function world(owners: OwnerRef[], tweak: (stored: StoredOwner) => StoredOwner = (s) => s) {
  const memory = createInMemoryStore();
  for (const owner of owners) memory.addOwner(owner, owner.kind === 'user' ? 'starter' : undefined);
  const store = {
    ...memory.store,
    load: async (owner: OwnerRef) => {
      const stored = await memory.store.load(owner);
      return stored && tweak(stored);
    },
  };
  // The scan reads through `store` (tweaks included); which owners it visits is the walk's choice.
  const loadAll = async function* (kind: OwnerKind, holdersOnly: boolean) {
    for (const owner of owners.filter((o) => o.kind === kind)) {
      const stored = (await store.load(owner)) as StoredOwner;
      if (!holdersOnly || stored.holderMark) yield stored;
    }
  };
  const scanner: OwnerScanner = {
    ...memory.scanner,
    scanUsers: () => loadAll('user', false),
    scanGroups: () => loadAll('group', false),
    scanHolders: (kind) => loadAll(kind, true),
  };
  const walks = createOwnerWalks({ scanner, index: memory.holderIndex });
  const seal = (codec: typeof v1, owner: OwnerRef, provider: ProviderId, text: string) => {
    const keyId = newKeyId();
    const sealed = { keyId, envelope: codec.seal(Buffer.from(text), { ownerKind: owner.kind, ownerId: owner.id, provider, keyId }) };
    memory.putSealed(owner, provider, [...memory.sealedOf(owner, provider), sealed]);
    return sealed;
  };
  const rewrap = (codec: typeof v1, activeVersion: number) => createRewrap({ owners: walks, store, locks: createInProcessLocks(), codec, activeVersion });
  return { memory, seal, rewrap };
}

const open = (codec: typeof v1, owner: OwnerRef, provider: ProviderId, sealed: { keyId: string; envelope: string }) =>
  codec.open(sealed.envelope, { ownerKind: owner.kind, ownerId: owner.id, provider, keyId: sealed.keyId }).toString();

describe('rewrap', () => {
  test('values under an old KEK move to the active one with the same plaintext; values already current are not rewritten', async () => {
    const alice: OwnerRef = { kind: 'user', id: 'alice' };
    const team: OwnerRef = { kind: 'group', id: 'team' };
    const w = world([alice, team]);
    w.seal(v1, alice, 'openai', 'record-a1');
    const current = w.seal(v12, alice, 'openai', 'record-a2');
    w.seal(v1, team, 'groq', 'record-t1');

    const report = await w.rewrap(v12, 2).run({ dryRun: false, concurrency: 2 });
    expect(report).toMatchObject({ ownersScanned: 2, ownersChanged: 2, valuesRewrapped: 2, alreadyCurrent: 1, failures: [], remaining: 0, passes: 2, valuesByKekVersion: { 1: 2, 2: 1 } });
    const aliceValues = w.memory.sealedOf(alice, 'openai');
    expect(aliceValues.map((sealed) => open(v2, alice, 'openai', sealed)).sort()).toEqual(['record-a1', 'record-a2']);
    expect(aliceValues.find((sealed) => sealed.keyId === current.keyId)?.envelope).toBe(current.envelope);
    expect(open(v2, team, 'groq', w.memory.sealedOf(team, 'groq')[0] as { keyId: string; envelope: string })).toBe('record-t1');
  });

  test('--dry-run counts what would change and writes nothing', async () => {
    const alice: OwnerRef = { kind: 'user', id: 'alice' };
    const w = world([alice]);
    w.seal(v1, alice, 'openai', 'record');
    const report = await w.rewrap(v12, 2).run({ dryRun: true, concurrency: 1 });
    expect(report).toMatchObject({ valuesRewrapped: 1, remaining: 1, passes: 1 });
    expect(w.memory.stats.saves).toBe(0);
  });

  test('a value under a KEK version the keyring lacks is reported and kept; the rest still moves', async () => {
    const alice: OwnerRef = { kind: 'user', id: 'alice' };
    const w = world([alice]);
    const lost = w.seal(codecFor(`5:${keyOf(5)}`), alice, 'openai', 'record-lost');
    w.seal(v1, alice, 'anthropic', 'record-ok');
    const report = await w.rewrap(v12, 2).run({ dryRun: false, concurrency: 1 });
    expect(report.failures).toEqual([expect.objectContaining({ provider: 'openai', keyId: lost.keyId, reason: expect.stringContaining('unknown_kek_version') })]);
    expect(report.remaining).toBe(1);
    expect(w.memory.sealedOf(alice, 'openai')).toEqual([lost]);
    expect(open(v2, alice, 'anthropic', w.memory.sealedOf(alice, 'anthropic')[0] as { keyId: string; envelope: string })).toBe('record-ok');
  });

  test('a provider that also holds unreadable (broken) values is not rewritten, so they are not dropped', async () => {
    const alice: OwnerRef = { kind: 'user', id: 'alice' };
    const w = world([alice], (stored) => ({ ...stored, unreadable: [{ provider: 'openai', problem: 'only 1 of 2 chunks present' }] }));
    const old = w.seal(v1, alice, 'openai', 'record');
    const report = await w.rewrap(v12, 2).run({ dryRun: false, concurrency: 1 });
    expect(report.failures.map((failure) => failure.reason)).toEqual([expect.stringContaining('unreadable value'), expect.stringContaining('not rewritten')]);
    expect(w.memory.sealedOf(alice, 'openai')).toEqual([old]);
    expect(w.memory.stats.saves).toBe(0);
  });

  test('an interrupted run (abort after the first owner) reports it, and the next run finishes the rest', async () => {
    const owners: OwnerRef[] = Array.from({ length: 6 }, (_, i) => ({ kind: 'user', id: `u${i}` }));
    const w = world(owners);
    for (const owner of owners) w.seal(v1, owner, 'openai', `record-${owner.id}`);
    const controller = new AbortController();
    const first = await w.rewrap(v12, 2).run({ dryRun: false, concurrency: 1, signal: controller.signal, onOwnerChanged: () => controller.abort() });
    expect(first).toMatchObject({ interrupted: true, valuesRewrapped: 1 });
    const second = await w.rewrap(v12, 2).run({ dryRun: false, concurrency: 1 });
    expect(second).toMatchObject({ interrupted: false, valuesRewrapped: 5, alreadyCurrent: 1, remaining: 0 });
    for (const owner of owners) expect(open(v2, owner, 'openai', w.memory.sealedOf(owner, 'openai')[0] as { keyId: string; envelope: string })).toBe(`record-${owner.id}`);
  });
});
