/**
 * Envelopes ⇄ Keycloak attribute values. Keycloak caps each value (2048 characters on users, 255 on
 * groups) and does not keep the order of a multi-valued attribute, so an envelope that does not fit
 * is split into chunks that each say which key, which part and how many parts:
 *
 *   c1.<keyId>.<index>.<count>.<piece>        (index 0-based; piece is a slice of the envelope text)
 *
 * Reading never throws on bad data: a value that cannot be used becomes a problem entry, named by key
 * id where one can be read, so the caller skips and logs it and the owner's other keys still load.
 * Pure functions, no I/O; the envelope itself is checked for shape only (decryption is elsewhere).
 */
import { isKeyId, readEnvelopeHeader } from '../crypto/envelope.js';

export const USER_ATTRIBUTE_MAX_LENGTH = 2048;
export const GROUP_ATTRIBUTE_MAX_LENGTH = 255;

const CHUNK_FORMAT = 'c1';
const ENVELOPE_PREFIX = 'b1.';
// Canonical, bounded decimals: no "01", and no count so large that checking it costs anything.
const CHUNK_NUMBER_PATTERN = /^(0|[1-9][0-9]{0,5})$/;

export interface AttributeReadResult {
  envelopes: Array<{ keyId: string; envelope: string }>;
  problems: Array<{ keyId?: string; problem: string }>;
}

/** The values that store one envelope, each at most `maxValueLength` characters. */
export function toAttributeValues(envelope: string, maxValueLength: number): string[] {
  if (!Number.isInteger(maxValueLength) || maxValueLength < 1) {
    throw new RangeError(`maxValueLength must be a positive whole number, got ${maxValueLength}`);
  }
  const header = readEnvelopeHeader(envelope);
  if (header === undefined) throw new TypeError('toAttributeValues was given a value that is not a b1 envelope');
  if (envelope.length <= maxValueLength) return [envelope];

  // The chunk prefix grows with the number of digits in the count, which depends on the piece size:
  // try one digit, then more, until the count fits the width that was assumed for it.
  for (let digits = 1; digits <= 6; digits += 1) {
    const prefixLength = `${CHUNK_FORMAT}.${header.keyId}...`.length + 2 * digits;
    const pieceLength = maxValueLength - prefixLength;
    if (pieceLength < 1) break;
    const count = Math.ceil(envelope.length / pieceLength);
    if (String(count).length > digits) continue;
    return Array.from({ length: count }, (_, index) =>
      [CHUNK_FORMAT, header.keyId, index, count, envelope.slice(index * pieceLength, (index + 1) * pieceLength)].join('.'),
    );
  }
  throw new RangeError(
    `maxValueLength ${maxValueLength} is too small to hold a chunk of key ${header.keyId} (prefix alone needs more)`,
  );
}

/** Reassembles every envelope found in one attribute's values, in whatever order Keycloak returns them. */
export function fromAttributeValues(values: readonly string[]): AttributeReadResult {
  const problems: AttributeReadResult['problems'] = [];
  const wholeByKey = new Map<string, string[]>();
  const chunksByKey = new Map<string, Chunk[]>();

  // An exact copy of a value carries nothing new and cannot be ambiguous, so it is read once;
  // differing values for one key id are still reported below.
  for (const value of new Set(values)) {
    if (value.startsWith(ENVELOPE_PREFIX)) {
      const header = readEnvelopeHeader(value);
      if (header === undefined) {
        problems.push(withKeyId(keyIdField(value, 2), 'value starts like an envelope but is malformed'));
      } else {
        append(wholeByKey, header.keyId, value);
      }
    } else if (value.startsWith(`${CHUNK_FORMAT}.`)) {
      const chunk = parseChunk(value);
      if (chunk === undefined) {
        problems.push(withKeyId(keyIdField(value, 1), 'value starts like a chunk but is malformed'));
      } else {
        append(chunksByKey, chunk.keyId, chunk);
      }
    } else {
      // Never quote the value: it may be anything, including a secret stored by older software.
      problems.push({ problem: `value of ${value.length} characters is neither an envelope nor a chunk` });
    }
  }

  const envelopes: AttributeReadResult['envelopes'] = [];
  const keyIds = [...new Set([...wholeByKey.keys(), ...chunksByKey.keys()])].sort();
  for (const keyId of keyIds) {
    const candidates = [...(wholeByKey.get(keyId) ?? [])];
    const chunks = chunksByKey.get(keyId);
    if (chunks !== undefined) {
      const assembled = assembleChunks(keyId, chunks);
      if ('problem' in assembled) problems.push({ keyId, problem: assembled.problem });
      else candidates.push(assembled.envelope);
    }
    // Two different ciphertexts under one key id: which is current is unknown, so neither is served.
    if (candidates.length > 1) {
      problems.push({ keyId, problem: `key id is stored ${candidates.length} times with different content` });
    } else if (candidates[0] !== undefined) {
      envelopes.push({ keyId, envelope: candidates[0] });
    }
  }
  return { envelopes, problems };
}

interface Chunk {
  keyId: string;
  index: number;
  count: number;
  piece: string;
}

function parseChunk(value: string): Chunk | undefined {
  // The piece is a slice of an envelope and so contains '.'; only the first four separate fields.
  const fields: string[] = [];
  let rest = value;
  for (let i = 0; i < 4; i += 1) {
    const dot = rest.indexOf('.');
    if (dot < 0) return undefined;
    fields.push(rest.slice(0, dot));
    rest = rest.slice(dot + 1);
  }
  const [format, keyId, indexText, countText] = fields as [string, string, string, string];
  if (format !== CHUNK_FORMAT || !isKeyId(keyId) || rest === '') return undefined;
  if (!CHUNK_NUMBER_PATTERN.test(indexText) || !CHUNK_NUMBER_PATTERN.test(countText)) return undefined;
  const index = Number(indexText);
  const count = Number(countText);
  if (count < 1 || index >= count) return undefined;
  return { keyId, index, count, piece: rest };
}

function assembleChunks(keyId: string, chunks: readonly Chunk[]): { envelope: string } | { problem: string } {
  const counts = [...new Set(chunks.map((c) => c.count))].sort((a, b) => a - b);
  if (counts.length !== 1) return { problem: `chunks disagree on their count (${counts.join(', ')})` };
  const count = counts[0] as number;
  const pieces = new Map<number, string>();
  for (const chunk of chunks) {
    if (pieces.has(chunk.index)) {
      return { problem: `chunk ${chunk.index} of ${count} appears more than once with different content` };
    }
    pieces.set(chunk.index, chunk.piece);
  }
  if (pieces.size !== count) {
    const missing: number[] = [];
    for (let i = 0; i < count && missing.length < 10; i += 1) if (!pieces.has(i)) missing.push(i);
    const more = count - pieces.size > missing.length ? ', …' : '';
    return { problem: `only ${pieces.size} of ${count} chunks present; missing ${missing.join(', ')}${more}` };
  }
  const envelope = Array.from({ length: count }, (_, i) => pieces.get(i) as string).join('');
  const header = readEnvelopeHeader(envelope);
  if (header === undefined) return { problem: 'chunks reassemble into a malformed envelope' };
  if (header.keyId !== keyId) return { problem: `chunks reassemble into an envelope for another key id (${header.keyId})` };
  return { envelope };
}

function append<T>(map: Map<string, T[]>, key: string, item: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [item]);
  else list.push(item);
}

/** The key id in dot-separated field `position`, if that field is one; used only to label problems. */
function keyIdField(value: string, position: number): string | undefined {
  const field = value.split('.', position + 1)[position];
  return field !== undefined && isKeyId(field) ? field : undefined;
}

function withKeyId(keyId: string | undefined, problem: string): { keyId?: string; problem: string } {
  return keyId === undefined ? { problem } : { keyId, problem };
}
