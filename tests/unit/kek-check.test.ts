/**
 * Key-check values (src/crypto/kek-check.ts) and the check that ENCRYPTION_KEYS opens what is stored
 * (src/vault/kek-check.ts), over an in-memory check-value store and owners.
 */
import { randomBytes } from 'node:crypto';
import { createEnvelopeCodec, newKeyId } from '../../src/crypto/envelope.js';
import { kekCheckVersion, sealKekCheck, verifyKekCheck } from '../../src/crypto/kek-check.js';
import { parseKeyring, type Keyring } from '../../src/crypto/keyring.js';
import type { ProviderId } from '../../src/providers/registry.js';
import { createKekCheck, type KekCheckStore } from '../../src/vault/kek-check.js';
import { DEFAULT_PREFERENCES, type SealedKey, type StoredOwner } from '../../src/vault/ports.js';
import { walksOver } from '../support/walks.js';

const bytes = () => randomBytes(32);
function keyringOf(entries: Array<[number, Buffer]>): Keyring {
  const result = parseKeyring(entries.map(([version, key]) => `${version}:${key.toString('base64')}`).join(','));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.keyring;
}

describe('key-check values', () => {
  test('open under the same bytes for the same version only', () => {
    const key = bytes();
    const value = sealKekCheck(keyringOf([[1, key]]), 1);
    expect(kekCheckVersion(value)).toBe(1);
    expect(verifyKekCheck(keyringOf([[1, key]]), value).verdict).toBe('match');
    expect(verifyKekCheck(keyringOf([[1, bytes()]]), value).verdict).toBe('mismatch');
    expect(verifyKekCheck(keyringOf([[2, key]]), value)).toEqual({ version: 1, verdict: 'unknown_version' });
  });

  test('a value relabelled to another version fails even when both versions share bytes', () => {
    const key = bytes();
    const value = sealKekCheck(keyringOf([[1, key]]), 1);
    expect(verifyKekCheck(keyringOf([[1, key], [2, key]]), value.replace(/^kc1\.1\./, 'kc1.2.')).verdict).toBe('mismatch');
  });

  test('anything that is not a kc1 value is malformed, never a match', () => {
    const keyring = keyringOf([[1, bytes()]]);
    const value = sealKekCheck(keyring, 1);
    for (const bad of ['', 'kc1.1', `${value}.x`, value.replace('kc1.', 'kc2.'), value.replace('kc1.1.', 'kc1.01.'), `${value}=`]) {
      expect(verifyKekCheck(keyring, bad).verdict).toBe('malformed');
    }
  });
});

function memoryCheckStore(initial: string[] = []) {
  let values = [...initial];
  const store: KekCheckStore & { writes: number; values: () => string[] } = {
    writes: 0,
    values: () => values,
    async read() {
      return values;
    },
    async write(next) {
      store.writes += 1;
      values = [...next];
    },
  };
  return store;
}

/** Users holding one openai key each, sealed under `keyring`'s active version. */
function ownersWithKeys(keyring: Keyring, count: number): StoredOwner[] {
  const codec = createEnvelopeCodec(keyring);
  return Array.from({ length: count }, (_, index) => {
    const owner = { kind: 'user' as const, id: `user-${index}` };
    const keyId = newKeyId();
    const envelope = codec.seal(Buffer.from('{"secret":"x"}'), { ownerKind: 'user', ownerId: owner.id, provider: 'openai', keyId });
    const sealed = new Map<ProviderId, SealedKey[]>([['openai', [{ keyId, envelope }]]]);
    return { owner, tier: undefined, enabled: true, sealed, preferences: DEFAULT_PREFERENCES, usage: new Map(), daily: new Map(), unreadable: [], revision: undefined };
  });
}

function checkFor(keyring: Keyring, store: KekCheckStore, users: StoredOwner[] = [], record = true, now = () => 0) {
  return createKekCheck({
    keyring,
    store,
    owners: walksOver({ users }),
    codec: createEnvelopeCodec(keyring),
    record,
    now,
  });
}

describe('the KEK check', () => {
  test('records a check value per version on a realm with nothing stored, then passes on it', async () => {
    const keyring = keyringOf([[1, bytes()], [2, bytes()]]);
    const store = memoryCheckStore();
    const first = await checkFor(keyring, store).check();
    expect(first.ok).toBe(true);
    expect(first.recorded).toEqual([1, 2]);
    expect(store.values().map(kekCheckVersion).sort()).toEqual([1, 2]);
    const again = await checkFor(keyring, store).check();
    expect(again).toMatchObject({ ok: true, recorded: [] });
    expect(store.writes).toBe(1);
  });

  test('fails naming the version whose bytes differ from the recorded check value', async () => {
    const two = bytes();
    const store = memoryCheckStore();
    await checkFor(keyringOf([[1, bytes()], [2, two]]), store).check();
    const report = await checkFor(keyringOf([[1, bytes()], [2, two]]), store).check();
    expect(report.ok).toBe(false);
    expect(report.failedVersions).toEqual([1]);
    expect(report.detail).toMatch(/KEK version 1 has other bytes/);
    expect(store.writes).toBe(1);
  });

  test('without a check value (an upgrade), a wrong key is caught by the stored keys it cannot open, and nothing is recorded', async () => {
    const right = keyringOf([[1, bytes()]]);
    const users = ownersWithKeys(right, 8);
    const store = memoryCheckStore();
    const wrong = await checkFor(keyringOf([[1, bytes()]]), store, users).check();
    expect(wrong.ok).toBe(false);
    expect(wrong.failedVersions).toEqual([1]);
    expect(wrong.detail).toMatch(/KEK version 1: none of 5 stored keys sampled opens/);
    expect(store.writes).toBe(0);

    const good = await checkFor(right, store, users).check();
    expect(good).toMatchObject({ ok: true, recorded: [1] });
  });

  test('a few tampered values among the stored keys do not fail the right key', async () => {
    const right = keyringOf([[1, bytes()]]);
    const tampered = ownersWithKeys(keyringOf([[1, bytes()]]), 3);
    const report = await checkFor(right, memoryCheckStore(), [...tampered, ...ownersWithKeys(right, 1)]).check();
    expect(report.ok).toBe(true);
  });

  test('doctor mode verifies by sample and writes nothing', async () => {
    const right = keyringOf([[1, bytes()]]);
    const store = memoryCheckStore();
    const report = await checkFor(right, store, ownersWithKeys(right, 2), false).check();
    expect(report.ok).toBe(true);
    expect(report.detail).toMatch(/no key-check value yet for 1/);
    expect(store.writes).toBe(0);
  });

  test('a retired version (check value stored, not in ENCRYPTION_KEYS) is fine and kept', async () => {
    const one = bytes();
    const two = bytes();
    const store = memoryCheckStore();
    await checkFor(keyringOf([[1, one], [2, two]]), store).check();
    const report = await checkFor(keyringOf([[2, two]]), store).check();
    expect(report.ok).toBe(true);
    expect(store.values().map(kekCheckVersion).sort()).toEqual([1, 2]);
  });

  test('a pass is cached; a failure is checked again after a while; a store error is not cached', async () => {
    const keyring = keyringOf([[1, bytes()]]);
    let now = 0;
    let reads = 0;
    let broken = true;
    const store: KekCheckStore = {
      async read() {
        reads += 1;
        if (broken) throw new Error('store down');
        return [sealKekCheck(keyringOf([[1, bytes()]]), 1)];
      },
      async write() {},
    };
    const check = checkFor(keyring, store, [], true, () => now);
    await expect(check.check()).rejects.toThrow('store down');
    broken = false;
    expect((await check.check()).ok).toBe(false);
    expect((await check.check()).ok).toBe(false);
    expect(reads).toBe(2);
    now += 61_000;
    await check.check();
    expect(reads).toBe(3);

    const passing = memoryCheckStore();
    const cached = checkFor(keyring, passing, [], true, () => now);
    await cached.check();
    now += 10 * 86_400_000;
    const read = passing.read.bind(passing);
    let later = 0;
    passing.read = async () => ((later += 1), read());
    expect((await cached.check()).ok).toBe(true);
    expect(later).toBe(0);
  });
});
