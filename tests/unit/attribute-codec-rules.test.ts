/**
 * What the attribute codec tells an operator about a value it cannot use (each cause its own reason,
 * labelled with the key id when one can be read), and the exact edges of chunking.
 */
import { randomBytes } from 'node:crypto';
import { newKeyId, readEnvelopeHeader } from '../../src/crypto/envelope.js';
import { fromAttributeValues, toAttributeValues } from '../../src/keycloak/attribute-codec.js';

function envelopeOf(plaintextBytes: number, keyId = newKeyId()): string {
  return `b1.1.${keyId}.${randomBytes(12).toString('base64url')}.${randomBytes(plaintextBytes + 16).toString('base64url')}`;
}

const only = (values: string[]) => {
  const read = fromAttributeValues(values);
  expect(read.envelopes).toEqual([]);
  expect(read.problems).toHaveLength(1);
  return read.problems[0] as { keyId?: string; problem: string };
};

describe('attribute codec: chunking edges', () => {
  test('an envelope exactly at the limit is one value; one character over is chunked, every chunk within the limit', () => {
    const envelope = envelopeOf(120);
    expect(toAttributeValues(envelope, envelope.length)).toEqual([envelope]);
    const chunks = toAttributeValues(envelope, envelope.length - 1);
    expect(chunks.length).toBeGreaterThan(1);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(envelope.length - 1);
    expect(fromAttributeValues(chunks).envelopes).toEqual([{ keyId: readEnvelopeHeader(envelope)?.keyId, envelope }]);
  });

  test('chunks are c1.<keyId>.<index>.<count>.<piece> with pieces as long as the limit allows', () => {
    const keyId = newKeyId();
    const envelope = envelopeOf(300, keyId);
    const limit = 100;
    const chunks = toAttributeValues(envelope, limit);
    const prefix = `c1.${keyId}.`;
    chunks.forEach((chunk, index) => {
      expect(chunk.startsWith(`${prefix}${index}.${chunks.length}.`)).toBe(true);
      if (index < chunks.length - 1) expect(chunk.length).toBe(limit);
    });
    expect(chunks.map((chunk) => chunk.split('.').slice(4).join('.')).join('')).toBe(envelope);
  });

  test('when the count needs two digits, the prefix is sized for them and values still fit', () => {
    const envelope = envelopeOf(400);
    const limit = 40; // a 1-digit count would need more than 9 chunks
    const chunks = toAttributeValues(envelope, limit);
    expect(chunks.length).toBeGreaterThan(9);
    expect(chunks.length).toBeLessThan(100);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(limit);
    // The prefix has room for a two-digit index: chunks 10 and on (but the last) fill the limit exactly.
    chunks.slice(10, -1).forEach((chunk) => expect(chunk.length).toBe(limit));
    chunks.slice(0, 10).forEach((chunk) => expect(chunk.length).toBe(limit - 1));
    expect(fromAttributeValues([...chunks].reverse()).envelopes.map((e) => e.envelope)).toEqual([envelope]);
  });

  test('the smallest workable limit leaves one character of data per chunk', () => {
    const keyId = newKeyId();
    const envelope = envelopeOf(0, keyId); // short: tag only
    const prefixFor = (digits: number) => `c1.${keyId}...`.length + 2 * digits;
    // Too small for any data with a 2-digit count, and a 1-digit count cannot hold it.
    expect(() => toAttributeValues(envelope, prefixFor(1))).toThrow(/too small to hold a chunk of key k_/);
    const chunks = toAttributeValues(envelope, prefixFor(3) + 1);
    expect(chunks.every((chunk) => chunk.length <= prefixFor(3) + 1)).toBe(true);
    expect(fromAttributeValues(chunks).envelopes.map((e) => e.envelope)).toEqual([envelope]);
  });

  test('a bad limit is named in the error', () => {
    expect(() => toAttributeValues(envelopeOf(10), 0)).toThrow('maxValueLength must be a positive whole number, got 0');
    expect(() => toAttributeValues(envelopeOf(10), 2.5)).toThrow('got 2.5');
    expect(toAttributeValues(envelopeOf(10), 1000)).toHaveLength(1);
  });
});

describe('attribute codec: each unusable value has its own reason', () => {
  test('a malformed envelope is labelled with its key id when it has one, otherwise not', () => {
    const keyId = newKeyId();
    expect(only([`b1.1.${keyId}.short.x`])).toEqual({ keyId, problem: 'value starts like an envelope but is malformed' });
    expect(only(['b1.1.not-a-key.x.y'])).toEqual({ problem: 'value starts like an envelope but is malformed' });
  });

  test('a malformed chunk is labelled with its key id when it has one, otherwise not', () => {
    const keyId = newKeyId();
    expect(only([`c1.${keyId}.5.2.abc`])).toEqual({ keyId, problem: 'value starts like a chunk but is malformed' });
    expect(only(['c1.nope.0.2.abc'])).toEqual({ problem: 'value starts like a chunk but is malformed' });
    for (const bad of [`c1.${keyId}.0.2.`, `c1.${keyId}.0.1000000.abc`, `c1.${keyId}.00.2.abc`, `c1.${keyId}.x.2.abc`, `c1.${keyId}.0.x.abc`, `c1.${keyId}.0`, `c1.${keyId}.0.2`, `c1.${keyId}.2.2.abc`]) {
      expect(only([bad])).toEqual({ keyId, problem: 'value starts like a chunk but is malformed' });
    }
    // The largest count the format allows is still read as a chunk (and found incomplete).
    expect(only([`c1.${keyId}.0.999999.abc`]).problem).toContain('only 1 of 999999 chunks present');
  });

  test('a value that is neither says only its length', () => {
    expect(only(['sk-live-0123456789'])).toEqual({ problem: 'value of 18 characters is neither an envelope nor a chunk' });
    expect(only(['B1.1.x'])).toEqual({ problem: 'value of 6 characters is neither an envelope nor a chunk' });
  });

  test('missing chunks are listed, at most ten, with an ellipsis when more are missing', () => {
    const keyId = newKeyId();
    const envelope = envelopeOf(400, keyId);
    const chunks = toAttributeValues(envelope, 40);
    const count = chunks.length;
    expect(only(chunks.slice(3))).toEqual({ keyId, problem: `only ${count - 3} of ${count} chunks present; missing 0, 1, 2` });
    expect(only(chunks.slice(12))).toEqual({ keyId, problem: `only ${count - 12} of ${count} chunks present; missing 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, …` });
    expect(only(chunks.slice(10))).toEqual({ keyId, problem: `only ${count - 10} of ${count} chunks present; missing 0, 1, 2, 3, 4, 5, 6, 7, 8, 9` });
  });

  test('chunks that disagree on their count, repeat an index, or reassemble into something else say so', () => {
    const keyId = newKeyId();
    const chunks = toAttributeValues(envelopeOf(300, keyId), 100);
    const count = chunks.length;
    const piece = (value: string) => value.split('.').slice(4).join('.');
    expect(only([...chunks, `c1.${keyId}.0.${count + 2}.${piece(chunks[0] as string)}`]).problem).toBe(
      `chunks disagree on their count (${count}, ${count + 2})`,
    );
    expect(only([...chunks, `c1.${keyId}.1.${count}.different`]).problem).toBe(`chunk 1 of ${count} appears more than once with different content`);
    expect(only([`c1.${keyId}.0.2.b1.1.`, `c1.${keyId}.1.2.nonsense`]).problem).toBe('chunks reassemble into a malformed envelope');
    const other = envelopeOf(300);
    const otherId = readEnvelopeHeader(other)?.keyId as string;
    const relabelled = toAttributeValues(other, 100).map((value) => value.replace(otherId, keyId));
    expect(only(relabelled).problem).toBe(`chunks reassemble into an envelope for another key id (${otherId})`);
  });

  test('a value split into a single chunk (count 1) is read as its envelope', () => {
    const keyId = newKeyId();
    const envelope = envelopeOf(20, keyId);
    expect(fromAttributeValues([`c1.${keyId}.0.1.${envelope}`]).envelopes).toEqual([{ keyId, envelope }]);
  });

  test('disagreeing counts are listed in ascending order, whichever comes first', () => {
    const keyId = newKeyId();
    const chunks = toAttributeValues(envelopeOf(300, keyId), 100);
    const count = chunks.length;
    const piece = (value: string) => value.split('.').slice(4).join('.');
    const lower = `c1.${keyId}.0.${count - 1}.${piece(chunks[0] as string)}`;
    expect(only([lower, ...chunks]).problem).toBe(`chunks disagree on their count (${count - 1}, ${count})`);
    expect(only([...chunks, lower]).problem).toBe(`chunks disagree on their count (${count - 1}, ${count})`);
  });

  test('several keys are returned in key id order, each problem beside the keys that load', () => {
    const envelopes = [envelopeOf(50), envelopeOf(50), envelopeOf(50)];
    const read = fromAttributeValues([...envelopes].reverse());
    expect(read.envelopes.map((e) => e.keyId)).toEqual(envelopes.map((e) => readEnvelopeHeader(e)?.keyId).sort());
    expect(read.problems).toEqual([]);
  });
});
