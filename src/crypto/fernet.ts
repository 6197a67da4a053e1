/**
 * Fernet (https://github.com/fernet/spec), the token format of Python's `cryptography.fernet`, which
 * the previous ops center used for its keys (docs/storage.md#legacy-format). Here only so that `byok migrate-legacy` can
 * read those tokens; nothing new is ever written in this format.
 *
 *   token = base64url( 0x80 ‖ timestamp (64-bit big-endian seconds) ‖ IV (16) ‖ AES-128-CBC ciphertext ‖ HMAC-SHA256 (32) )
 *   key   = base64url of 32 bytes: signing key (first 16) ‖ encryption key (last 16)
 *
 * The HMAC covers everything before it and is checked (in constant time) before anything is
 * decrypted. Every failure is one `FernetError` whose message names the kind of problem, never the
 * token, the key or any plaintext: callers report it by owner and provider.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const FERNET_VERSION = 0x80;
const KEY_BYTES = 32;
const HALF_KEY_BYTES = 16;
const IV_BYTES = 16;
const HMAC_BYTES = 32;
const BLOCK_BYTES = 16;
const HEADER_BYTES = 1 + 8 + IV_BYTES;
/** The spec's allowance for clocks that run ahead, used only when a TTL is asked for. */
const MAX_CLOCK_SKEW_SECONDS = 60;
const KEY_FORMAT = 'url-safe base64 of 32 bytes (44 characters ending in "="), as Fernet.generate_key() prints';

export interface FernetKey {
  readonly signingKey: Buffer;
  readonly encryptionKey: Buffer;
}

export type FernetKeyParseResult = { ok: true; key: FernetKey } | { ok: false; problem: string };

export type FernetFailure = 'malformed' | 'bad_version' | 'bad_signature' | 'bad_padding' | 'expired' | 'from_the_future';

/** A token could not be read. The message never carries the token, the key or plaintext. */
export class FernetError extends Error {
  constructor(readonly reason: FernetFailure, message: string) {
    super(message);
    this.name = 'FernetError';
  }
}

// Python's urlsafe_b64decode accepts the standard alphabet too only by accident of its binascii
// fallback; the spec says url-safe. Padding is optional here (some tools strip it).
const URLSAFE_BASE64 = /^[A-Za-z0-9_-]+={0,2}$/;

/**
 * Parses a Fernet key (the old ops center's `ENCRYPTION_KEY`). `name` is the variable it came from,
 * for the message; the value itself is never quoted.
 */
export function parseFernetKey(raw: string | undefined, name = 'LEGACY_ENCRYPTION_KEY'): FernetKeyParseResult {
  const text = raw?.trim() ?? '';
  if (text === '') return { ok: false, problem: `${name} is required: the old ops center's ENCRYPTION_KEY, ${KEY_FORMAT}` };
  if (!URLSAFE_BASE64.test(text)) return { ok: false, problem: `${name} is not url-safe base64; expected ${KEY_FORMAT}` };
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.length !== KEY_BYTES) {
    return { ok: false, problem: `${name} decodes to ${bytes.length} bytes, a Fernet key has exactly ${KEY_BYTES}; expected ${KEY_FORMAT}` };
  }
  return { ok: true, key: Object.freeze({ signingKey: bytes.subarray(0, HALF_KEY_BYTES), encryptionKey: bytes.subarray(HALF_KEY_BYTES) }) };
}

export interface FernetDecryptOptions {
  /** Reject tokens older than this many seconds (the spec's TTL). Without it, age is not checked, as in Python's `decrypt(token)`. */
  ttlSeconds?: number;
  /** The current time, for the TTL check. */
  now?: Date;
}

/** The timestamp a token claims (seconds since the epoch); readable without the key, not authenticated. */
export function fernetTimestamp(token: string): number | undefined {
  const bytes = decodeToken(token);
  return bytes === undefined || bytes.length < HEADER_BYTES ? undefined : Number(bytes.readBigUInt64BE(1));
}

export function fernetDecrypt(key: FernetKey, token: string, options: FernetDecryptOptions = {}): Buffer {
  const bytes = decodeToken(token);
  if (bytes === undefined) throw new FernetError('malformed', 'token is not url-safe base64');
  // version, timestamp, IV, at least one cipher block, HMAC
  if (bytes.length < HEADER_BYTES + BLOCK_BYTES + HMAC_BYTES) throw new FernetError('malformed', 'token is too short');
  if (bytes[0] !== FERNET_VERSION) throw new FernetError('bad_version', 'token is not a Fernet version 0x80 token');
  const signed = bytes.subarray(0, bytes.length - HMAC_BYTES);
  const mac = bytes.subarray(bytes.length - HMAC_BYTES);
  const expected = createHmac('sha256', key.signingKey).update(signed).digest();
  if (!timingSafeEqual(mac, expected)) {
    throw new FernetError('bad_signature', 'token signature does not verify (another key, or the token was altered)');
  }
  if (options.ttlSeconds !== undefined) {
    const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
    const timestamp = Number(bytes.readBigUInt64BE(1));
    if (timestamp + options.ttlSeconds < now) throw new FernetError('expired', 'token is older than the allowed age');
    if (timestamp > now + MAX_CLOCK_SKEW_SECONDS) throw new FernetError('from_the_future', 'token is dated in the future');
  }
  const ciphertext = signed.subarray(HEADER_BYTES);
  if (ciphertext.length % BLOCK_BYTES !== 0) throw new FernetError('malformed', 'ciphertext is not a whole number of blocks');
  try {
    const decipher = createDecipheriv('aes-128-cbc', key.encryptionKey, signed.subarray(9, HEADER_BYTES));
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]);
  } catch {
    // node:crypto's message is dropped so nothing from inside the cipher reaches a log.
    throw new FernetError('bad_padding', 'token does not decrypt to valid padding');
  }
}

/**
 * Makes a token. The service never writes Fernet; this exists for the spec's generation vectors and
 * so that tests can make legacy data. `iv` and `now` are for the vectors only.
 */
export function fernetEncrypt(key: FernetKey, plaintext: Buffer, options: { now?: Date; iv?: Buffer } = {}): string {
  const iv = options.iv ?? randomBytes(IV_BYTES);
  if (iv.length !== IV_BYTES) throw new RangeError(`a Fernet IV has ${IV_BYTES} bytes`);
  const header = Buffer.alloc(9);
  header[0] = FERNET_VERSION;
  header.writeBigUInt64BE(BigInt(Math.floor((options.now ?? new Date()).getTime() / 1000)), 1);
  const cipher = createCipheriv('aes-128-cbc', key.encryptionKey, iv);
  const signed = Buffer.concat([header, iv, cipher.update(plaintext), cipher.final()]);
  const mac = createHmac('sha256', key.signingKey).update(signed).digest();
  // Python's cryptography pads (urlsafe_b64encode); so do we, so tokens look alike.
  return Buffer.concat([signed, mac]).toString('base64').replace(/\+/g, '-').replace(/\//g, '_');
}

/**
 * Strict url-safe base64: Buffer.from skips characters it does not know, which would make
 * "%%%%AECA…" or "…==trailing" decode to something; the spec says those are invalid.
 */
function decodeToken(token: string): Buffer | undefined {
  if (!URLSAFE_BASE64.test(token)) return undefined;
  const unpadded = token.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return undefined;
  const padded = unpadded.length % 4 === 0 ? unpadded : unpadded + '='.repeat(4 - (unpadded.length % 4));
  if (padded !== token && unpadded !== token) return undefined; // wrong amount of padding
  return Buffer.from(unpadded, 'base64url');
}
