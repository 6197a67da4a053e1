import { randomBytes, randomInt } from 'node:crypto';
import {
  createEnvelopeCodec,
  DecryptError,
  isKeyId,
  newKeyId,
  readEnvelopeHeader,
  type AssociatedData,
  type DecryptFailureReason,
} from '../../src/crypto/envelope.js';
import { failureOf } from '../support/decrypt-failure.js';
import { parseKeyring, type Keyring } from '../../src/crypto/keyring.js';

const BASE64URL_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function keyringOf(entries: Array<[number, Buffer]>, active?: number): Keyring {
  const raw = entries.map(([version, key]) => `${version}:${key.toString('base64')}`).join(',');
  const result = parseKeyring(raw, active === undefined ? undefined : String(active));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.keyring;
}

function someAd(overrides: Partial<AssociatedData> = {}): AssociatedData {
  return { ownerKind: 'user', ownerId: 'c3a1a2f0-6a3e-4c1e-9b1a-0d1f2e3a4b5c', provider: 'openai', keyId: newKeyId(), ...overrides };
}

function someSecret(): Buffer {
  return Buffer.from(`sk-proj-${randomBytes(48).toString('base64url')}`, 'utf8');
}

function replaceField(envelope: string, index: number, value: string): string {
  const fields = envelope.split('.');
  fields[index] = value;
  return fields.join('.');
}

describe('envelope (AES-256-GCM, b1 format)', () => {
  test('round trip: open(seal(p)) === p, for empty, short, long and binary plaintexts', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    for (const plaintext of [Buffer.alloc(0), Buffer.from('x'), someSecret(), randomBytes(4096)]) {
      const ad = someAd();
      expect(codec.open(codec.seal(plaintext, ad), ad).equals(plaintext)).toBe(true);
    }
  });

  test('confidentiality: the envelope holds neither the plaintext nor its base64, base64url or hex', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    for (let i = 0; i < 50; i += 1) {
      const plaintext = someSecret();
      const envelope = codec.seal(plaintext, someAd());
      for (const encoding of ['utf8', 'base64', 'base64url', 'hex'] as const) {
        expect(envelope).not.toContain(plaintext.toString(encoding));
      }
      // …nor any 12-character run of the plaintext (a partial leak would show up here).
      const text = plaintext.toString('utf8');
      for (let at = 0; at + 12 <= text.length; at += 6) expect(envelope).not.toContain(text.slice(at, at + 12));
    }
  });

  test('unique IV: 2000 seals of the same plaintext under the same AD all differ, IVs included', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const plaintext = someSecret();
    const ad = someAd();
    const envelopes = new Set<string>();
    const ivs = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const envelope = codec.seal(plaintext, ad);
      envelopes.add(envelope);
      ivs.add(envelope.split('.')[3] as string);
    }
    expect(envelopes.size).toBe(2000);
    expect(ivs.size).toBe(2000);
  });

  test('integrity: every flipped byte of the IV, ciphertext or tag fails with authentication_failed', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const ad = someAd();
    const envelope = codec.seal(someSecret(), ad);
    for (const field of [3, 4]) {
      const bytes = Buffer.from(envelope.split('.')[field] as string, 'base64url');
      for (let at = 0; at < bytes.length; at += 1) {
        const tampered = Buffer.from(bytes);
        tampered[at] = (tampered[at] as number) ^ randomInt(1, 256);
        expect(failureOf(() => codec.open(replaceField(envelope, field, tampered.toString('base64url')), ad))).toBe(
          'authentication_failed',
        );
      }
    }
  });

  test('integrity: every changed character of the IV or ciphertext text fails (authentication_failed or malformed)', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const ad = someAd();
    const envelope = codec.seal(someSecret(), ad);
    const ivStart = envelope.split('.').slice(0, 3).join('.').length + 1;
    for (let at = ivStart; at < envelope.length; at += 1) {
      if (envelope[at] === '.') continue;
      let replacement = envelope[at] as string;
      while (replacement === envelope[at]) replacement = BASE64URL_ALPHABET[randomInt(64)] as string;
      const tampered = envelope.slice(0, at) + replacement + envelope.slice(at + 1);
      // A change in the spare low bits of the last character is caught as non-canonical (malformed),
      // every other change by the GCM tag.
      expect(['authentication_failed', 'malformed']).toContain(failureOf(() => codec.open(tampered, ad)));
    }
  });

  test('integrity: truncated, extended or re-encoded envelopes never open', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const ad = someAd();
    const envelope = codec.seal(someSecret(), ad);
    const sealed = Buffer.from(envelope.split('.')[4] as string, 'base64url');
    expect(() => codec.open(envelope.slice(0, -1), ad)).toThrow(DecryptError);
    expect(failureOf(() => codec.open(replaceField(envelope, 4, sealed.subarray(0, -1).toString('base64url')), ad))).toBe(
      'authentication_failed',
    );
    expect(failureOf(() => codec.open(replaceField(envelope, 4, sealed.subarray(0, 15).toString('base64url')), ad))).toBe(
      'malformed',
    );
    expect(() => codec.open(`${envelope}A`, ad)).toThrow(DecryptError);
    expect(failureOf(() => codec.open(`${envelope}.x`, ad))).toBe('malformed');
    // Padded or standard-alphabet spellings of the same bytes are not the canonical text.
    expect(failureOf(() => codec.open(replaceField(envelope, 4, `${sealed.toString('base64url')}=`), ad))).toBe('malformed');
    expect(failureOf(() => codec.open(replaceField(envelope, 4, `${sealed.toString('base64url')}+`), ad))).toBe('malformed');
    for (const garbage of ['', 'b1', 'b2.1.k_AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA', 'sk-plaintext-key']) {
      expect(failureOf(() => codec.open(garbage, ad))).toBe('malformed');
    }
  });

  test('integrity: the text is canonical, so spare bits in the last base64url character cannot be changed unnoticed', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const ad = someAd();
    // 30 + 16 tag = 46 bytes = 15 groups of 3 + 1 byte: the last character carries 4 unused bits.
    const envelope = codec.seal(randomBytes(30), ad);
    const last = BASE64URL_ALPHABET.indexOf(envelope.slice(-1));
    const sameBytes = envelope.slice(0, -1) + BASE64URL_ALPHABET[last ^ 1];
    expect(Buffer.from(sameBytes.split('.')[4] as string, 'base64url')).toEqual(Buffer.from(envelope.split('.')[4] as string, 'base64url'));
    expect(failureOf(() => codec.open(sameBytes, ad))).toBe('malformed');
    expect(codec.inspect(sameBytes)).toBeUndefined();
  });

  test('move integrity: a value moved to another owner id, owner kind, provider or key id fails', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const ad = someAd();
    const envelope = codec.seal(someSecret(), ad);
    const movedKeyId = newKeyId();
    const moves: AssociatedData[] = [
      { ...ad, ownerId: 'another-user' },
      { ...ad, ownerId: `${ad.ownerId} ` },
      { ...ad, ownerKind: 'group' },
      { ...ad, provider: 'anthropic' },
      { ...ad, provider: 'openai2' },
    ];
    for (const moved of moves) expect(failureOf(() => codec.open(envelope, moved))).toBe('authentication_failed');
    // Relabelling the header's key id to match the new place is still caught by the tag…
    expect(failureOf(() => codec.open(replaceField(envelope, 2, movedKeyId), { ...ad, keyId: movedKeyId }))).toBe(
      'authentication_failed',
    );
    // …and reading it as another key without relabelling is caught before decrypting.
    expect(failureOf(() => codec.open(envelope, { ...ad, keyId: movedKeyId }))).toBe('key_id_mismatch');
  });

  test('move integrity: field boundaries in the associated data cannot be shifted', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    const ad = someAd({ ownerId: 'ab', provider: 'c' });
    const envelope = codec.seal(someSecret(), ad);
    expect(failureOf(() => codec.open(envelope, { ...ad, ownerId: 'a', provider: 'bc' }))).toBe('authentication_failed');
    expect(failureOf(() => codec.open(envelope, { ...ad, ownerId: 'ab","c', provider: '' }))).toBe('authentication_failed');
  });

  test('backwards compatibility: a value sealed under v1 still opens after v2 becomes active; new seals carry v2', () => {
    const v1 = randomBytes(32);
    const v2 = randomBytes(32);
    const ad = someAd();
    const plaintext = someSecret();
    const old = createEnvelopeCodec(keyringOf([[1, v1]])).seal(plaintext, ad);
    expect(readEnvelopeHeader(old)?.kekVersion).toBe(1);

    const rotated = createEnvelopeCodec(keyringOf([[1, v1], [2, v2]]));
    expect(rotated.open(old, ad).equals(plaintext)).toBe(true);
    const fresh = rotated.seal(plaintext, ad);
    expect(rotated.inspect(fresh)?.kekVersion).toBe(2);
    expect(createEnvelopeCodec(keyringOf([[2, v2]])).open(fresh, ad).equals(plaintext)).toBe(true);

    const retired = createEnvelopeCodec(keyringOf([[2, v2]]));
    expect(failureOf(() => retired.open(old, ad))).toBe('unknown_kek_version');
  });

  test('an explicitly chosen active version is the one new seals use', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)], [2, randomBytes(32)]], 1));
    expect(codec.inspect(codec.seal(someSecret(), someAd()))?.kekVersion).toBe(1);
  });

  test('KEK version tampering: relabelling the header to another version fails, even when both versions share key bytes', () => {
    const shared = randomBytes(32);
    const codec = createEnvelopeCodec(keyringOf([[1, shared], [2, shared], [3, randomBytes(32)]]));
    const ad = someAd();
    const envelope = codec.seal(someSecret(), ad);
    expect(codec.inspect(envelope)?.kekVersion).toBe(3);
    const withShared = createEnvelopeCodec(keyringOf([[1, shared], [2, shared]], 2));
    const onV2 = withShared.seal(someSecret(), ad);
    expect(failureOf(() => withShared.open(replaceField(onV2, 1, '1'), ad))).toBe('authentication_failed');
    expect(failureOf(() => codec.open(replaceField(envelope, 1, '2'), ad))).toBe('authentication_failed');
    expect(failureOf(() => codec.open(replaceField(envelope, 1, '9'), ad))).toBe('unknown_kek_version');
    for (const spelling of ['03', '+3', '3.0', '', '0', '65536', 'v3']) {
      expect(failureOf(() => codec.open(replaceField(envelope, 1, spelling), ad))).toBe('malformed');
    }
  });

  test('the header (format, KEK version, key id) is readable without any key', () => {
    const ad = someAd();
    const envelope = createEnvelopeCodec(keyringOf([[7, randomBytes(32)]])).seal(someSecret(), ad);
    expect(envelope.startsWith(`b1.7.${ad.keyId}.`)).toBe(true);
    expect(readEnvelopeHeader(envelope)).toEqual({ format: 'b1', kekVersion: 7, keyId: ad.keyId });
    const unrelated = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    expect(unrelated.inspect(envelope)).toEqual({ format: 'b1', kekVersion: 7, keyId: ad.keyId });
    expect(unrelated.inspect('not an envelope')).toBeUndefined();
    expect(/^[\x21-\x7e]+$/.test(envelope)).toBe(true);
  });

  test('errors name the key id and KEK version, never key material or plaintext', () => {
    const kek = randomBytes(32);
    const codec = createEnvelopeCodec(keyringOf([[1, kek]]));
    const ad = someAd();
    const plaintext = someSecret();
    const envelope = codec.seal(plaintext, ad);
    const forbidden = [kek.toString('base64'), kek.toString('base64url'), kek.toString('hex'), plaintext.toString('utf8')];
    const attempts = [
      () => codec.open(envelope, { ...ad, provider: 'google' }),
      () => codec.open(envelope, { ...ad, keyId: newKeyId() }),
      () => createEnvelopeCodec(keyringOf([[2, randomBytes(32)]])).open(envelope, ad),
      () => codec.open(envelope.slice(0, 20), ad),
    ];
    for (const attempt of attempts) {
      try {
        attempt();
        throw new Error('expected a DecryptError');
      } catch (error) {
        expect(error).toBeInstanceOf(DecryptError);
        const text = `${(error as Error).message} ${JSON.stringify(error)} ${String((error as Error).stack)}`;
        for (const secret of forbidden) expect(text).not.toContain(secret);
        if ((error as DecryptError).reason !== 'malformed') {
          expect((error as DecryptError).message).toContain(ad.keyId);
          expect((error as DecryptError).keyId).toBe(ad.keyId);
          expect((error as DecryptError).kekVersion).toBe(1);
        }
      }
    }
  });

  test('seal refuses associated data that could not round-trip (bad key id, empty owner or provider)', () => {
    const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
    for (const bad of [
      someAd({ keyId: 'openai' }),
      someAd({ keyId: 'k_has.dot.in.it.x' }),
      someAd({ ownerId: '' }),
      someAd({ provider: '' }),
      someAd({ ownerKind: 'realm' as unknown as 'user' }),
    ]) {
      expect(() => codec.seal(someSecret(), bad)).toThrow(TypeError);
    }
  });

  test('key ids: 2000 new ids are unique, match the strict format and are never a provider id', () => {
    const ids = new Set<string>();
    for (let i = 0; i < 2000; i += 1) {
      const id = newKeyId();
      expect(isKeyId(id)).toBe(true);
      expect(id).not.toContain('.');
      ids.add(id);
    }
    expect(ids.size).toBe(2000);
    for (const notId of ['openai', 'anthropic', 'k_', 'k_AAAAAAAAAAAAAAA', 'k_AAAAAAAAAAAAAAAAA', 'k_AAAAAAAA.AAAAAAA', 'K_AAAAAAAAAAAAAAAA', ' k_AAAAAAAAAAAAAAAA', 'k_AAAAAAAAAAAAAAA=']) {
      expect(isKeyId(notId)).toBe(false);
    }
  });

  describe('prepare: authenticated once, decrypted on every use (the resolve path)', () => {
    test('gives the plaintext open gives, for lengths 0 to 80 and a long one, many times over, interleaved across envelopes and KEK versions', () => {
      // One block cipher per KEK version serves every envelope: interleaving catches any state it kept.
      const keys: Array<[number, Buffer]> = [[1, randomBytes(32)], [2, randomBytes(32)]];
      const codec = createEnvelopeCodec(keyringOf(keys, 1));
      const sealers = [codec, createEnvelopeCodec(keyringOf(keys, 2))];
      const prepared = [...Array.from({ length: 81 }, (_, n) => randomBytes(n)), randomBytes(5000)].map((plaintext, n) => {
        const ad = someAd();
        const envelope = (sealers[n % 2] as typeof codec).seal(plaintext, ad);
        return { plaintext, ad, envelope, decrypt: codec.prepare(envelope, ad) };
      });
      expect(new Set(prepared.map((c) => readEnvelopeHeader(c.envelope)?.kekVersion))).toEqual(new Set([1, 2]));
      for (let round = 0; round < 3; round += 1) {
        for (const c of prepared) {
          expect(c.decrypt().equals(c.plaintext)).toBe(true);
          expect(codec.open(c.envelope, c.ad).equals(c.plaintext)).toBe(true);
        }
      }
    });

    test('prepareRange decrypts only the bytes picked, at any offset and length; nothing when nothing is picked', () => {
      const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
      const ad = someAd();
      const plaintext = randomBytes(100);
      const envelope = codec.seal(plaintext, ad);
      for (const [start, end] of [[0, 0], [0, 100], [0, 1], [15, 17], [16, 32], [17, 100], [99, 100], [37, 38], [5, 90]] as const) {
        const decrypt = codec.prepareRange(envelope, ad, () => ({ start, end }));
        expect(decrypt?.().equals(plaintext.subarray(start, end))).toBe(true);
        expect(decrypt?.().equals(plaintext.subarray(start, end))).toBe(true);
      }
      expect(codec.prepareRange(envelope, ad, () => undefined)).toBeUndefined();
      expect(codec.prepareRange(envelope, ad, () => ({ start: 50, end: 101 }))).toBeUndefined();
      expect(codec.prepareRange(envelope, ad, () => ({ start: 60, end: 50 }))).toBeUndefined();
    });

    test('each call gives a buffer of its own (a caller may wipe it)', () => {
      const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
      const ad = someAd();
      const secret = someSecret();
      const decrypt = codec.prepare(codec.seal(secret, ad), ad);
      const first = decrypt();
      first.fill(0);
      expect(decrypt().equals(secret)).toBe(true);
    });

    test('a tampered, moved or unknown-KEK envelope is refused when prepared, with the reason open gives', () => {
      const codec = createEnvelopeCodec(keyringOf([[1, randomBytes(32)]]));
      const ad = someAd();
      const envelope = codec.seal(someSecret(), ad);
      const sealed = Buffer.from(envelope.split('.')[4] as string, 'base64url');
      for (let at = 0; at < sealed.length; at += 1) {
        const tampered = Buffer.from(sealed);
        tampered[at] = (tampered[at] as number) ^ randomInt(1, 256);
        expect(failureOf(() => codec.prepare(replaceField(envelope, 4, tampered.toString('base64url')), ad))).toBe('authentication_failed');
      }
      expect(failureOf(() => codec.prepare(envelope, { ...ad, ownerId: 'someone-else' }))).toBe('authentication_failed');
      expect(failureOf(() => codec.prepare(envelope, { ...ad, keyId: newKeyId() }))).toBe('key_id_mismatch');
      expect(failureOf(() => createEnvelopeCodec(keyringOf([[2, randomBytes(32)]])).prepare(envelope, ad))).toBe('unknown_kek_version');
      expect(failureOf(() => createEnvelopeCodec(keyringOf([[1, randomBytes(32)]])).prepare(envelope, ad))).toBe('authentication_failed');
    });
  });
});
