/**
 * The envelope's parsing edges and its refusals: a header that is not exactly canonical, an IV of
 * another length, a KEK version out of range, and associated data that could not round-trip are
 * refused with a reason and a message that names no secret.
 */
import { randomBytes } from 'node:crypto';
import { createEnvelopeCodec, DecryptError, newKeyId, readEnvelopeHeader, type AssociatedData } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';

function codecWith(versions: number[]) {
  const result = parseKeyring(versions.map((v) => `${v}:${randomBytes(32).toString('base64')}`).join(','));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return createEnvelopeCodec(result.keyring);
}

const ad = (overrides: Partial<AssociatedData> = {}): AssociatedData => ({ ownerKind: 'user', ownerId: 'u-1', provider: 'openai', keyId: newKeyId(), ...overrides });

function thrown(fn: () => unknown): DecryptError {
  try {
    fn();
  } catch (error) {
    if (error instanceof DecryptError) return error;
    throw error;
  }
  throw new Error('expected a DecryptError');
}

function withField(envelope: string, index: number, value: string): string {
  const fields = envelope.split('.');
  fields[index] = value;
  return fields.join('.');
}

describe('envelope parsing edges', () => {
  test('an IV of any length but 12 bytes is malformed, not an authentication failure', () => {
    const codec = codecWith([1]);
    const data = ad();
    const envelope = codec.seal(Buffer.from('secret'), data);
    for (const length of [8, 11, 13, 16]) {
      const other = withField(envelope, 3, randomBytes(length).toString('base64url'));
      expect(readEnvelopeHeader(other)).toBeUndefined();
      expect(thrown(() => codec.open(other, data)).reason).toBe('malformed');
    }
  });

  test('an IV or ciphertext field that is not base64url makes the whole value malformed (never a throw of another kind)', () => {
    const codec = codecWith([1]);
    const data = ad();
    const envelope = codec.seal(Buffer.from('secret'), data);
    for (const [index, value] of [[3, '!!!!!!!!!!!!!!!!'], [3, ''], [4, '***'], [4, '']] as const) {
      const other = withField(envelope, index, value);
      expect(readEnvelopeHeader(other)).toBeUndefined();
      expect(thrown(() => codec.open(other, data)).reason).toBe('malformed');
    }
  });

  test('KEK versions 1 to 65535 are readable headers; 0, 65536, leading zeros and trailing junk are not', () => {
    const envelope = codecWith([1]).seal(Buffer.from('x'), ad());
    expect(readEnvelopeHeader(withField(envelope, 1, '65535'))?.kekVersion).toBe(65535);
    expect(readEnvelopeHeader(withField(envelope, 1, '1'))?.kekVersion).toBe(1);
    for (const version of ['0', '65536', '99999', '01', '1a', '12x', '+1', '1e3', '']) {
      expect(readEnvelopeHeader(withField(envelope, 1, version))).toBeUndefined();
    }
  });

  test('a malformed value is a DecryptError named as such, whose message says what is wrong and quotes nothing', () => {
    const error = thrown(() => codecWith([1]).open('b1.1.not-a-key.x.y', ad()));
    expect(error.name).toBe('DecryptError');
    expect(error.reason).toBe('malformed');
    expect(error.message).toBe('value is not a well-formed b1 envelope');
    expect(error.keyId).toBeUndefined();
    expect(error.kekVersion).toBeUndefined();
  });

  test('a mix-up with a value that is not a key id does not quote it', () => {
    const codec = codecWith([1]);
    const envelope = codec.seal(Buffer.from('x'), ad());
    const error = thrown(() => codec.open(envelope, ad({ keyId: 'sk-live-looks-secret' })));
    expect(error.reason).toBe('key_id_mismatch');
    expect(error.message).toContain('was read as key (not a key id)');
    expect(error.message).not.toContain('sk-live-looks-secret');
  });
});

describe('seal refuses associated data that could not be opened again', () => {
  test('user and group owners are sealable; any other owner kind is refused', () => {
    const codec = codecWith([1]);
    for (const ownerKind of ['user', 'group'] as const) {
      const data = ad({ ownerKind });
      expect(codec.open(codec.seal(Buffer.from('x'), data), data).toString()).toBe('x');
    }
    for (const ownerKind of ['team', '', 'USER']) {
      expect(() => codec.seal(Buffer.from('x'), ad({ ownerKind: ownerKind as 'user' }))).toThrow(new TypeError('ownerKind must be "user" or "group"'));
    }
  });

  test('empty owner ids and providers, and key ids not made by newKeyId(), are refused with a reason that quotes no value', () => {
    const codec = codecWith([1]);
    expect(() => codec.seal(Buffer.from('x'), ad({ ownerId: '' }))).toThrow(new TypeError('ownerId must not be empty'));
    expect(() => codec.seal(Buffer.from('x'), ad({ provider: '' }))).toThrow(new TypeError('provider must not be empty'));
    expect(() => codec.seal(Buffer.from('x'), ad({ keyId: 'sk-live-secretish' }))).toThrow(new TypeError('keyId (not a key id) is not a key id made by newKeyId()'));
  });
});
