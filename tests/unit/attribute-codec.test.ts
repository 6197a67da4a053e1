import { randomBytes, randomInt } from 'node:crypto';
import { createEnvelopeCodec, newKeyId, readEnvelopeHeader, type AssociatedData } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import {
  fromAttributeValues,
  GROUP_ATTRIBUTE_MAX_LENGTH,
  toAttributeValues,
  USER_ATTRIBUTE_MAX_LENGTH,
} from '../../src/keycloak/attribute-codec.js';

function shuffled<T>(items: readonly T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** A shape-valid envelope for `plaintextBytes` bytes (plus a 16-byte tag); the codec never decrypts, so no key is needed. */
function syntheticEnvelope(plaintextBytes: number, keyId = newKeyId()): string {
  const sealed = randomBytes(plaintextBytes + 16).toString('base64url');
  return `b1.1.${keyId}.${randomBytes(12).toString('base64url')}.${sealed}`;
}

function realisticGroupKey() {
  const keyring = parseKeyring(`1:${randomBytes(32).toString('base64')}`);
  if (!keyring.ok) throw new Error(keyring.problems.join('; '));
  const codec = createEnvelopeCodec(keyring.keyring);
  const keyId = newKeyId();
  const ad: AssociatedData = { ownerKind: 'group', ownerId: '5b0c7c1e-2f4d-4a8e-9c61-3e2f1a0b9d7c', provider: 'anthropic', keyId };
  const record = JSON.stringify({
    id: keyId,
    label: 'L'.repeat(60) + randomBytes(3).toString('hex').slice(0, 4),
    secret: `sk-ant-api03-${randomBytes(156).toString('base64url')}`.slice(0, 220),
    createdAt: '2025-01-31T12:34:56.789Z',
    updatedAt: '2025-02-01T08:00:00.000Z',
    enabled: true,
    expiresAt: null,
    baseUrl: null,
    lastTestedAt: '2025-02-01T08:00:00.000Z',
    testStatus: 'valid',
  });
  return { codec, ad, record, envelope: codec.seal(Buffer.from(record, 'utf8'), ad) };
}

describe('Keycloak attribute codec', () => {
  test('the limits are those Keycloak enforces', () => {
    expect(USER_ATTRIBUTE_MAX_LENGTH).toBe(2048);
    expect(GROUP_ATTRIBUTE_MAX_LENGTH).toBe(255);
  });

  test('round trip at 255: a 220-character key with a 64-character label survives chunking and any value order', () => {
    const { codec, ad, record, envelope } = realisticGroupKey();
    expect(JSON.parse(record).secret).toHaveLength(220);
    expect(JSON.parse(record).label).toHaveLength(64);
    const values = toAttributeValues(envelope, GROUP_ATTRIBUTE_MAX_LENGTH);
    expect(values.length).toBeGreaterThan(1);
    for (const value of values) expect(value.length).toBeLessThanOrEqual(GROUP_ATTRIBUTE_MAX_LENGTH);
    for (let round = 0; round < 100; round += 1) {
      const read = fromAttributeValues(shuffled(values));
      expect(read.problems).toEqual([]);
      expect(read.envelopes).toEqual([{ keyId: ad.keyId, envelope }]);
      expect(codec.open(read.envelopes[0]?.envelope ?? '', ad).toString('utf8')).toBe(record);
    }
  });

  test('an envelope that fits is stored as itself, one value', () => {
    const envelope = syntheticEnvelope(400);
    expect(toAttributeValues(envelope, USER_ATTRIBUTE_MAX_LENGTH)).toEqual([envelope]);
    expect(toAttributeValues(envelope, envelope.length)).toEqual([envelope]);
    expect(toAttributeValues(envelope, envelope.length - 1).length).toBeGreaterThan(1);
  });

  test('every value fits the limit and every envelope round-trips, across random sizes, limits and orders', () => {
    for (let round = 0; round < 300; round += 1) {
      const limit = randomInt(40, 2100);
      const envelopes = Array.from({ length: randomInt(1, 6) }, () => syntheticEnvelope(randomInt(0, 3000)));
      const values = envelopes.flatMap((envelope) => toAttributeValues(envelope, limit));
      for (const value of values) expect(value.length).toBeLessThanOrEqual(limit);
      const read = fromAttributeValues(shuffled(values));
      expect(read.problems).toEqual([]);
      const byKey = new Map(read.envelopes.map((e) => [e.keyId, e.envelope]));
      expect(byKey.size).toBe(envelopes.length);
      for (const envelope of envelopes) expect(byKey.get(readEnvelopeHeader(envelope)?.keyId ?? '')).toBe(envelope);
    }
  });

  test('a limit too small for a chunk prefix to leave room for data is refused, not looped on', () => {
    const envelope = syntheticEnvelope(200);
    for (const limit of [0, -1, 1.5, Number.NaN, 10, 26]) {
      expect(() => toAttributeValues(envelope, limit)).toThrow(RangeError);
    }
    expect(() => toAttributeValues('not an envelope', 255)).toThrow(TypeError);
  });

  test('a missing chunk is reported by key id and the owner\'s other keys still load', () => {
    const broken = syntheticEnvelope(600);
    const brokenId = readEnvelopeHeader(broken)?.keyId;
    const healthy = syntheticEnvelope(600);
    const brokenValues = toAttributeValues(broken, GROUP_ATTRIBUTE_MAX_LENGTH);
    const values = [...brokenValues.filter((_, i) => i !== 1), ...toAttributeValues(healthy, GROUP_ATTRIBUTE_MAX_LENGTH)];
    const read = fromAttributeValues(shuffled(values));
    expect(read.envelopes).toEqual([{ keyId: readEnvelopeHeader(healthy)?.keyId, envelope: healthy }]);
    expect(read.problems).toHaveLength(1);
    expect(read.problems[0]?.keyId).toBe(brokenId);
    expect(read.problems[0]?.problem).toContain('missing 1');
  });

  test('foreign and garbage values become problems, never exceptions, and are never quoted', () => {
    const healthy = syntheticEnvelope(100);
    const secretLooking = `sk-live-${randomBytes(24).toString('hex')}`;
    const keyId = newKeyId();
    const garbage = [
      secretLooking,
      '',
      'b1.',
      `b1.1.${keyId}.not-an-iv.x`,
      `c1.${keyId}.0.2.`,
      `c1.${keyId}.2.2.abc`,
      `c1.${keyId}.01.2.abc`,
      `c1.${keyId}.0.0.abc`,
      'c1.not-a-key-id.0.2.abc',
      `c1.${keyId}`,
      '{"legacy":"fernet"}',
    ];
    const read = fromAttributeValues(shuffled([healthy, ...garbage]));
    expect(read.envelopes).toEqual([{ keyId: readEnvelopeHeader(healthy)?.keyId, envelope: healthy }]);
    expect(read.problems).toHaveLength(garbage.length);
    expect(read.problems.filter((p) => p.keyId === keyId)).toHaveLength(6);
    expect(JSON.stringify(read.problems)).not.toContain(secretLooking);
  });

  test('chunks that disagree (count, duplicated index with other content, or wrong key inside) are problems', () => {
    const envelope = syntheticEnvelope(600);
    const keyId = readEnvelopeHeader(envelope)?.keyId as string;
    const values = toAttributeValues(envelope, GROUP_ATTRIBUTE_MAX_LENGTH);
    const count = values.length;

    const conflictingDuplicate = `c1.${keyId}.0.${count}.b1.9.XXXX`;
    const wrongCount = `c1.${keyId}.0.${count + 1}.${values[0]?.split('.').slice(4).join('.')}`;
    // Chunks of another key relabelled with this key id: they reassemble, but into another key's envelope.
    const other = syntheticEnvelope(600);
    const relabelled = toAttributeValues(other, GROUP_ATTRIBUTE_MAX_LENGTH).map((v) =>
      v.replace(readEnvelopeHeader(other)?.keyId as string, keyId),
    );

    for (const bad of [[...values, conflictingDuplicate], [...values.slice(1), wrongCount], relabelled]) {
      const read = fromAttributeValues(shuffled(bad));
      expect(read.envelopes).toEqual([]);
      expect(read.problems).toEqual([{ keyId, problem: expect.any(String) }]);
    }
  });

  test('an exact copy of a value is harmless; two different envelopes under one key id serve neither', () => {
    const envelope = syntheticEnvelope(600);
    const keyId = readEnvelopeHeader(envelope)?.keyId as string;
    const chunks = toAttributeValues(envelope, GROUP_ATTRIBUTE_MAX_LENGTH);
    expect(fromAttributeValues(shuffled([...chunks, ...chunks])).envelopes).toEqual([{ keyId, envelope }]);
    expect(fromAttributeValues([envelope, envelope]).envelopes).toEqual([{ keyId, envelope }]);

    const rival = syntheticEnvelope(600, keyId);
    for (const values of [[envelope, rival], [...chunks, rival], [envelope, ...toAttributeValues(rival, 255)]]) {
      const read = fromAttributeValues(shuffled(values));
      expect(read.envelopes).toEqual([]);
      expect(read.problems).toEqual([{ keyId, problem: expect.stringContaining('2 times') }]);
    }
  });

  test('randomly corrupted values never throw, and whatever is returned is a well-formed envelope', () => {
    const alphabet = 'abcXYZ019_-.';
    for (let round = 0; round < 300; round += 1) {
      const values = [syntheticEnvelope(randomInt(0, 800)), syntheticEnvelope(randomInt(0, 800))].flatMap((e) =>
        toAttributeValues(e, randomInt(40, 400)),
      );
      const corrupted = values.map((value) => {
        if (randomInt(3) !== 0) return value;
        const at = randomInt(value.length);
        return value.slice(0, at) + alphabet[randomInt(alphabet.length)] + value.slice(at + 1);
      });
      const read = fromAttributeValues(shuffled(corrupted));
      for (const { keyId, envelope } of read.envelopes) expect(readEnvelopeHeader(envelope)?.keyId).toBe(keyId);
    }
  });
});
