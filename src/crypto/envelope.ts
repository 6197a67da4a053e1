/**
 * The envelope: one AES-256-GCM ciphertext as self-describing ASCII text,
 *
 *   b1.<kekVersion>.<keyId>.<iv>.<ciphertext||tag>        (iv and ciphertext in unpadded base64url)
 *
 * The format version, KEK version and key id are readable without any key, so a reader knows which
 * KEK to use (and a rotation tool knows what to rewrap) before decrypting anything. See README.md in
 * this folder for the invariants this file keeps.
 */
import { createCipheriv, createDecipheriv, randomBytes, type Cipheriv } from 'node:crypto';
import type { Keyring } from './keyring.js';
import { MAX_KEK_VERSION } from './keyring.js';

export const ENVELOPE_FORMAT = 'b1';
const IV_BYTES = 12; // 96 bits: the GCM nonce size that needs no extra hashing step
const TAG_BYTES = 16;
const BLOCK_BYTES = 16; // AES's block
const KEY_ID_RANDOM_BYTES = 12;
const KEY_ID_PATTERN = /^k_[A-Za-z0-9_-]{16}$/;
// Stryker disable next-line Regex: equivalent, decodeCanonicalBase64url's round trip refuses whatever the pattern lets through.
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+$/;
// Canonical decimal only: "01" and "1" must not both name version 1, or the header text would be
// malleable without the tag noticing.
const KEK_VERSION_PATTERN = /^[1-9][0-9]{0,4}$/;

/** What a ciphertext is bound to. Changing any field makes `open` fail. */
export interface AssociatedData {
  ownerKind: 'user' | 'group';
  ownerId: string;
  provider: string;
  keyId: string;
}

/** The part of an envelope that is readable without a key. */
export interface EnvelopeHeader {
  format: typeof ENVELOPE_FORMAT;
  kekVersion: number;
  keyId: string;
}

export type DecryptFailureReason = 'malformed' | 'unknown_kek_version' | 'key_id_mismatch' | 'authentication_failed';

/**
 * An envelope could not be opened. Callers skip the value and log `reason`, `keyId` and
 * `kekVersion`; the message names at most those two, never key material or plaintext.
 */
export class DecryptError extends Error {
  readonly reason: DecryptFailureReason;
  readonly keyId: string | undefined;
  readonly kekVersion: number | undefined;

  constructor(reason: DecryptFailureReason, message: string, header?: Partial<EnvelopeHeader>) {
    super(message);
    this.name = 'DecryptError';
    this.reason = reason;
    this.keyId = header?.keyId;
    this.kekVersion = header?.kekVersion;
  }
}

/** A new random key id: 'k_' + 16 base64url characters. The prefix keeps it from ever equalling a provider id. */
export function newKeyId(): string {
  return `k_${randomBytes(KEY_ID_RANDOM_BYTES).toString('base64url')}`;
}

export function isKeyId(s: string): boolean {
  return KEY_ID_PATTERN.test(s);
}

/**
 * Reads the header of an envelope without any key; undefined when the text is not a well-formed
 * envelope (including non-canonical base64url, which would otherwise let two texts carry one
 * ciphertext).
 */
export function readEnvelopeHeader(envelope: string): EnvelopeHeader | undefined {
  return parseEnvelope(envelope)?.header;
}

export type EnvelopeCodec = ReturnType<typeof createEnvelopeCodec>;

export function createEnvelopeCodec(keyring: Keyring) {
  /** Parses an envelope and checks what can be known without decrypting; throws DecryptError. */
  function unpack(envelope: string, ad: AssociatedData) {
    const parsed = parseEnvelope(envelope);
    if (parsed === undefined) throw new DecryptError('malformed', 'value is not a well-formed b1 envelope');
    const { header, iv, sealed } = parsed;
    const where = `key ${header.keyId} (KEK version ${header.kekVersion})`;
    // Checked before decrypting so a mix-up is reported as such; the AD binding below would also reject it.
    if (header.keyId !== ad.keyId) {
      throw new DecryptError('key_id_mismatch', `envelope for ${where} was read as key ${describeKeyId(ad.keyId)}`, header);
    }
    const kek = keyring.key(header.kekVersion);
    if (kek === undefined) {
      throw new DecryptError('unknown_kek_version', `envelope for ${where} needs a KEK version that ENCRYPTION_KEYS does not hold`, header);
    }
    return { header, where, kek, iv, sealed };
  }

  function open(envelope: string, ad: AssociatedData): Buffer {
    return decryptUnpacked(unpack(envelope, ad), ad);
  }

  function decryptUnpacked({ header, where, kek, iv, sealed }: ReturnType<typeof unpack>, ad: AssociatedData): Buffer {
    try {
      // Stryker disable next-line ObjectLiteral: equivalent, the tag passed below is always the last TAG_BYTES (16, GCM's default) bytes; the option documents it.
      const decipher = createDecipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedDataBytes(header.kekVersion, ad));
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    } catch {
      // node:crypto's own message is generic, but it is dropped anyway so nothing from inside
      // the cipher can reach a log.
      throw new DecryptError(
        'authentication_failed',
        `envelope for ${where} failed authentication (tampered, wrong KEK, or moved to another owner, provider or key id)`,
        header,
      );
    }
  }

  // One AES-256 block cipher per KEK version, made on first use and kept: the keystream of GCM's
  // counter mode for `prepare`'s decryptions (see there).
  const blockCiphers = new Map<number, Cipheriv>();
  function blockCipher(kekVersion: number, kek: Buffer): Cipheriv {
    let cipher = blockCiphers.get(kekVersion);
    if (cipher === undefined) {
      cipher = createCipheriv('aes-256-ecb', kek, null);
      cipher.setAutoPadding(false);
      blockCiphers.set(kekVersion, cipher);
    }
    return cipher;
  }

  /**
   * Authenticates an envelope once (a full `open`: tag, associated data, KEK) and returns its
   * decryption, for a value that is decrypted again and again (resolution's hot path: the cache
   * keeps this, never the plaintext). Each call of the returned function decrypts the same
   * ciphertext again with GCM's own keystream, AES-256(kek, iv || counter) for counters 2, 3, ...
   * (NIST SP 800-38D: the 96-bit IV's J0 is iv || 1, and the plaintext starts at J0 + 1), from one
   * long-lived AES block cipher per KEK version; the tag is not checked again (the same bytes in
   * our own memory passed it here). A fresh GCM decipher per call cost about 17 µs per request
   * under load against about 3 µs for this (docs/performance.md). Throws DecryptError for any
   * failure, now.
   */
  function prepare(envelope: string, ad: AssociatedData): () => Buffer {
    return prepareRange(envelope, ad, (plaintext) => ({ start: 0, end: plaintext.length })) as () => Buffer;
  }

  /**
   * `prepare`, for only the bytes `select` picks from the plaintext (say, one field of a record,
   * which then needs no parsing per use); undefined when `select` picks nothing.
   */
  function prepareRange(envelope: string, ad: AssociatedData, select: (plaintext: Buffer) => { start: number; end: number } | undefined): (() => Buffer) | undefined {
    const unpacked = unpack(envelope, ad);
    const plaintext = decryptUnpacked(unpacked, ad);
    const range = select(plaintext);
    if (range === undefined || range.start < 0 || range.end > plaintext.length || range.start > range.end) {
      plaintext.fill(0);
      return undefined;
    }
    const { header, kek, iv, sealed } = unpacked;
    const { start, end } = range;
    const ciphertext = Buffer.from(sealed.subarray(start, end));
    // The keystream from the block holding `start` on: block n of the plaintext is counter n + 2.
    const firstBlock = Math.floor(start / BLOCK_BYTES);
    const skip = start - firstBlock * BLOCK_BYTES;
    const blocks = Math.ceil((skip + ciphertext.length) / BLOCK_BYTES);
    const counters = Buffer.alloc(blocks * BLOCK_BYTES);
    for (let block = 0; block < blocks; block += 1) {
      iv.copy(counters, block * BLOCK_BYTES);
      counters.writeUInt32BE(firstBlock + block + 2, block * BLOCK_BYTES + IV_BYTES);
    }
    const cipher = blockCipher(header.kekVersion, kek);
    const decrypt = (): Buffer => {
      const stream = cipher.update(counters);
      // Block-aligned input without padding gives back exactly as many bytes; anything else would
      // mean the context holds state, and its output would be wrong.
      if (stream.length !== counters.length) throw new DecryptError('authentication_failed', `keystream for key ${header.keyId} came out short`, header);
      for (let i = 0; i < ciphertext.length; i += 1) stream[skip + i] = (stream[skip + i] as number) ^ (ciphertext[i] as number);
      return stream.subarray(skip, skip + ciphertext.length);
    };
    // The keystream must give what the authenticated decryption gave; checked once, here.
    const first = decrypt();
    const same = first.equals(plaintext.subarray(start, end));
    first.fill(0);
    plaintext.fill(0);
    if (!same) throw new DecryptError('authentication_failed', `keystream for key ${header.keyId} does not match its authenticated decryption`, header);
    return decrypt;
  }

  return {
    /** Encrypts under the keyring's active KEK with a fresh random IV. */
    seal(plaintext: Buffer, ad: AssociatedData): string {
      assertAssociatedData(ad);
      const kekVersion = keyring.activeVersion;
      const iv = randomBytes(IV_BYTES);
      // Stryker disable next-line ObjectLiteral: equivalent, 16 bytes is GCM's default tag length (the vectors pin the length).
      const cipher = createCipheriv('aes-256-gcm', keyring.activeKey(), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(associatedDataBytes(kekVersion, ad));
      const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
      const fields = [ENVELOPE_FORMAT, String(kekVersion), ad.keyId, iv.toString('base64url'), sealed.toString('base64url')];
      return fields.join('.');
    },

    /** Decrypts with the KEK version the envelope names; throws DecryptError on any failure. */
    open,

    prepare,

    prepareRange,

    inspect(envelope: string): EnvelopeHeader | undefined {
      return readEnvelopeHeader(envelope);
    },
  };
}

interface ParsedEnvelope {
  header: EnvelopeHeader;
  iv: Buffer;
  sealed: Buffer;
}

function parseEnvelope(envelope: string): ParsedEnvelope | undefined {
  const parts = envelope.split('.');
  if (parts.length !== 5) return undefined;
  const [format, versionText, keyId, ivText, sealedText] = parts as [string, string, string, string, string];
  if (format !== ENVELOPE_FORMAT || !KEK_VERSION_PATTERN.test(versionText) || !isKeyId(keyId)) return undefined;
  const kekVersion = Number(versionText);
  if (kekVersion > MAX_KEK_VERSION) return undefined;
  const iv = decodeCanonicalBase64url(ivText);
  const sealed = decodeCanonicalBase64url(sealedText);
  if (iv === undefined || iv.length !== IV_BYTES || sealed === undefined || sealed.length < TAG_BYTES) return undefined;
  return { header: { format: ENVELOPE_FORMAT, kekVersion, keyId }, iv, sealed };
}

/** Buffer.from(…, 'base64url') skips junk and ignores spare bits; accept only the one canonical spelling. */
export function decodeCanonicalBase64url(text: string): Buffer | undefined {
  // Stryker disable next-line ConditionalExpression,BooleanLiteral: equivalent, the round trip below refuses the same texts (the pattern says what is meant and fails fast).
  if (!BASE64URL_PATTERN.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * The GCM associated data. A JSON array is unambiguous (no field can run into the next, and
 * JSON.stringify escapes lone surrogates, so distinct strings stay distinct); the leading label keeps
 * these bytes from meaning anything in another protocol. The KEK version is bound so a header
 * relabelled to another version fails even when two versions share key bytes.
 */
function associatedDataBytes(kekVersion: number, ad: AssociatedData): Buffer {
  return Buffer.from(
    JSON.stringify(['byok-vault/envelope', ENVELOPE_FORMAT, kekVersion, ad.ownerKind, ad.ownerId, ad.provider, ad.keyId]),
    // Stryker disable next-line StringLiteral: equivalent, Buffer.from(text, '') also means utf8.
    'utf8',
  );
}

function assertAssociatedData(ad: AssociatedData): void {
  if (ad.ownerKind !== 'user' && ad.ownerKind !== 'group') throw new TypeError('ownerKind must be "user" or "group"');
  if (ad.ownerId === '') throw new TypeError('ownerId must not be empty');
  if (ad.provider === '') throw new TypeError('provider must not be empty');
  if (!isKeyId(ad.keyId)) throw new TypeError(`keyId ${describeKeyId(ad.keyId)} is not a key id made by newKeyId()`);
}

/** Key ids are not secret, but a caller's mistake could put anything there; quote only real ones. */
function describeKeyId(keyId: string): string {
  return isKeyId(keyId) ? keyId : '(not a key id)';
}
