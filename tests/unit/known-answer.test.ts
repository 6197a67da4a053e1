/**
 * Known-answer vectors: values written once by the code of the day and committed (tests/unit/vectors),
 * which every later version must still read to the same plaintext, as HashiCorp Vault's barrier
 * tests pin its format. A round-trip test cannot catch a change made on both sides at once (another
 * associated-data label, another chunk layout, another key derivation): these can, because the
 * writing side is frozen in the files. Never regenerate the vectors to make a test pass: a failure
 * here means stored keys would stop opening after an upgrade.
 */
import { readFileSync } from 'node:fs';
import {
  createEnvelopeCodec,
  DecryptError,
  readEnvelopeHeader,
  type AssociatedData,
  type DecryptFailureReason,
} from '../../src/crypto/envelope.js';
import { failureOf } from '../support/decrypt-failure.js';
import { fernetDecrypt, fernetTimestamp, parseFernetKey } from '../../src/crypto/fernet.js';
import { kekCheckVersion, verifyKekCheck } from '../../src/crypto/kek-check.js';
import { parseKeyring, type Keyring } from '../../src/crypto/keyring.js';
import { fromAttributeValues, toAttributeValues } from '../../src/keycloak/attribute-codec.js';
import { parseRecord } from '../../src/vault/key-record.js';

function vectors<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(`./vectors/${name}.json`, import.meta.url), 'utf8')) as T;
}

interface EnvelopeVector {
  name: string;
  kekVersion: number;
  ad: AssociatedData;
  plaintextBase64: string;
  envelope: string;
}
interface AttributeVector {
  name: string;
  maxValueLength: number;
  ad: AssociatedData;
  plaintextBase64: string;
  envelope: string;
  values: string[];
}

const ENVELOPES = vectors<{ encryptionKeys: string; cases: EnvelopeVector[] }>('envelope');
const ATTRIBUTES = vectors<{ encryptionKeys: string; cases: AttributeVector[] }>('attribute-codec');
const FERNET = vectors<{ key: string; cases: Array<{ plaintext: string; token: string }> }>('fernet');
const KEK_CHECKS = vectors<{ encryptionKeys: string; values: Array<{ version: number; value: string }> }>('kek-check');

function keyring(raw: string, active?: number): Keyring {
  const result = parseKeyring(raw, active === undefined ? undefined : String(active));
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.keyring;
}

/** Only the versions in `keep`: what a deployment holds after retiring the others. */
function keyringWith(raw: string, keep: number[]): Keyring {
  return keyring(raw.split(',').filter((entry) => keep.includes(Number(entry.split(':')[0]))).join(','));
}

const plaintextOf = (v: { plaintextBase64: string }) => Buffer.from(v.plaintextBase64, 'base64');

describe('known-answer vectors: envelopes written by an earlier version open forever', () => {
  test('the vectors cover several KEK versions (one above 255), user and group owners, empty and binary plaintexts', () => {
    expect(new Set(ENVELOPES.cases.map((v) => v.kekVersion))).toEqual(new Set([1, 2, 300]));
    expect(new Set(ENVELOPES.cases.map((v) => v.ad.ownerKind))).toEqual(new Set(['user', 'group']));
    expect(ENVELOPES.cases.some((v) => v.plaintextBase64 === '')).toBe(true);
  });

  test.each(ENVELOPES.cases)('BackwardsCompatible: $name opens to its plaintext under whichever version is active', (vector) => {
    for (const active of [1, 2, 300]) {
      const opened = createEnvelopeCodec(keyring(ENVELOPES.encryptionKeys, active)).open(vector.envelope, vector.ad);
      expect(opened.equals(plaintextOf(vector))).toBe(true);
    }
    // The prepared (cached) decryption of the resolve path reads the same bytes.
    expect(createEnvelopeCodec(keyring(ENVELOPES.encryptionKeys)).prepare(vector.envelope, vector.ad)().equals(plaintextOf(vector))).toBe(true);
    // A keyring that holds only the version the envelope names is enough.
    expect(createEnvelopeCodec(keyringWith(ENVELOPES.encryptionKeys, [vector.kekVersion])).open(vector.envelope, vector.ad).equals(plaintextOf(vector))).toBe(true);
  });

  test.each(ENVELOPES.cases)('the header of $name reads without a key: format b1, its KEK version and key id', (vector) => {
    expect(readEnvelopeHeader(vector.envelope)).toEqual({ format: 'b1', kekVersion: vector.kekVersion, keyId: vector.ad.keyId });
    expect(createEnvelopeCodec(keyring(ENVELOPES.encryptionKeys)).inspect(vector.envelope)).toEqual(readEnvelopeHeader(vector.envelope));
  });

  test.each(ENVELOPES.cases)('MoveIntegrity: $name fails under any other owner kind, owner, provider or KEK version', (vector) => {
    const codec = createEnvelopeCodec(keyring(ENVELOPES.encryptionKeys));
    const moved: AssociatedData[] = [
      { ...vector.ad, ownerKind: vector.ad.ownerKind === 'user' ? 'group' : 'user' },
      { ...vector.ad, ownerId: `${vector.ad.ownerId}x` },
      { ...vector.ad, provider: vector.ad.provider === 'openai' ? 'custom' : 'openai' },
    ];
    for (const ad of moved) expect(failureOf(() => codec.open(vector.envelope, ad))).toBe('authentication_failed');
    // Relabelled to another version the keyring holds: the version is bound in the associated data.
    const other = [1, 2, 300].find((v) => v !== vector.kekVersion) as number;
    const relabelled = vector.envelope.replace(/^b1\.\d+\./, `b1.${other}.`);
    expect(failureOf(() => codec.open(relabelled, vector.ad))).toBe('authentication_failed');
    // A keyring without its version says so rather than trying another key.
    const without = createEnvelopeCodec(keyringWith(ENVELOPES.encryptionKeys, [1, 2, 300].filter((v) => v !== vector.kekVersion)));
    expect(failureOf(() => without.open(vector.envelope, vector.ad))).toBe('unknown_kek_version');
  });

  test('a key record inside a vector still parses, with the id its envelope header names', () => {
    const records = ENVELOPES.cases.filter((v) => v.name.includes('key record'));
    expect(records.length).toBeGreaterThanOrEqual(3);
    for (const vector of records) {
      const record = parseRecord(plaintextOf(vector));
      expect(record).toMatchObject({ id: vector.ad.keyId, provider: vector.ad.provider, enabled: true, healthIssue: null });
    }
  });
});

describe('known-answer vectors: Keycloak attribute values written by an earlier version reassemble forever', () => {
  test.each(ATTRIBUTES.cases)('$name', (vector) => {
    expect(vector.values.every((value) => value.length <= vector.maxValueLength)).toBe(true);
    const codec = createEnvelopeCodec(keyring(ATTRIBUTES.encryptionKeys));
    // Keycloak keeps no order: read them reversed and rotated as well as as written.
    const orders = [vector.values, [...vector.values].reverse(), [...vector.values.slice(1), ...vector.values.slice(0, 1)]];
    for (const values of orders) {
      const read = fromAttributeValues(values);
      expect(read).toEqual({ envelopes: [{ keyId: vector.ad.keyId, envelope: vector.envelope }], problems: [] });
      expect(codec.open(read.envelopes[0]?.envelope ?? '', vector.ad).equals(plaintextOf(vector))).toBe(true);
    }
    // Writing the same envelope today gives the same values: the layout has not drifted either.
    expect(toAttributeValues(vector.envelope, vector.maxValueLength)).toEqual(vector.values);
  });

  test('the vectors include chunked values for a group (255) and for a user (2048)', () => {
    const chunked = ATTRIBUTES.cases.filter((v) => v.values.length > 1).map((v) => [v.ad.ownerKind, v.maxValueLength]);
    expect(chunked).toEqual(expect.arrayContaining([['group', 255], ['user', 2048]]));
  });
});

describe("known-answer vectors: legacy Fernet tokens made by Python's cryptography read forever", () => {
  test.each(FERNET.cases)('token of a $plaintext.length-character plaintext decrypts to it', ({ plaintext, token }) => {
    const key = parseFernetKey(FERNET.key);
    if (!key.ok) throw new Error(key.problem);
    expect(fernetDecrypt(key.key, token).toString('utf8')).toBe(plaintext);
    expect(fernetTimestamp(token)).toBeGreaterThan(Date.parse('2026-01-01') / 1000);
  });
});

describe('known-answer vectors: key-check values written by an earlier version verify forever', () => {
  test.each(KEK_CHECKS.values)('version $version matches its KEK and no other', ({ version, value }) => {
    expect(kekCheckVersion(value)).toBe(version);
    expect(verifyKekCheck(keyring(KEK_CHECKS.encryptionKeys), value)).toEqual({ version, verdict: 'match' });
    // The same version number with the bytes of another version: the check's whole purpose.
    const entries = KEK_CHECKS.encryptionKeys.split(',');
    const otherKey = entries.find((entry) => !entry.startsWith(`${version}:`))?.split(':')[1] as string;
    expect(verifyKekCheck(keyring(`${version}:${otherKey}`), value)).toEqual({ version, verdict: 'mismatch' });
  });
});
