/**
 * Key-check values: a proof, kept beside the stored keys, that a KEK version in ENCRYPTION_KEYS has
 * the same bytes as the one that wrote them. Without it a keyring whose version numbers are right but
 * whose bytes are not parses, starts and looks healthy while every stored key fails to decrypt.
 *
 *   kc1.<kekVersion>.<iv>.<ciphertext||tag>        (iv and ciphertext in unpadded base64url)
 *
 * AES-256-GCM of a fixed plaintext under that version's KEK, with the associated data
 * `["byok-vault/kek-check", "kc1", kekVersion]`: it opens only under the same bytes for the same
 * version, and can never be mistaken for (or swapped with) a key envelope, whose associated data has
 * another label. It reveals nothing about the KEK (a known plaintext does not weaken AES) and spends
 * one random IV per write. Pure: no I/O.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Keyring } from './keyring.js';
import { MAX_KEK_VERSION } from './keyring.js';
import { decodeCanonicalBase64url } from './envelope.js';

export const KEK_CHECK_FORMAT = 'kc1';
const PLAINTEXT = Buffer.from('byok-vault key-check value', 'utf8');
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEK_VERSION_PATTERN = /^[1-9][0-9]{0,4}$/;

/**
 * `match`: the keyring's key for that version opens it. `mismatch`: the keyring holds that version
 * with other bytes. `unknown_version`: the keyring does not hold the version (a retired KEK: fine).
 * `malformed`: not a kc1 value.
 */
export type KekCheckVerdict = 'match' | 'mismatch' | 'unknown_version' | 'malformed';

const associatedData = (kekVersion: number) => Buffer.from(JSON.stringify(['byok-vault/kek-check', KEK_CHECK_FORMAT, kekVersion]), 'utf8');

/** A new key-check value for `version` (which the keyring must hold). */
export function sealKekCheck(keyring: Keyring, version: number): string {
  const kek = keyring.key(version);
  if (kek === undefined) throw new RangeError(`the keyring holds no KEK version ${version}`);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(version));
  const sealed = Buffer.concat([cipher.update(PLAINTEXT), cipher.final(), cipher.getAuthTag()]);
  return [KEK_CHECK_FORMAT, String(version), iv.toString('base64url'), sealed.toString('base64url')].join('.');
}

/** The KEK version a key-check value is for, read without any key; undefined when it is not one. */
export function kekCheckVersion(value: string): number | undefined {
  return parse(value)?.version;
}

/** Whether `value` opens under the keyring's key for the version it names. Never throws. */
export function verifyKekCheck(keyring: Keyring, value: string): { version: number | undefined; verdict: KekCheckVerdict } {
  const parsed = parse(value);
  if (parsed === undefined) return { version: undefined, verdict: 'malformed' };
  const { version, iv, sealed } = parsed;
  const kek = keyring.key(version);
  if (kek === undefined) return { version, verdict: 'unknown_version' };
  try {
    const decipher = createDecipheriv('aes-256-gcm', kek, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(version));
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const plaintext = Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    return { version, verdict: plaintext.equals(PLAINTEXT) ? 'match' : 'mismatch' };
  } catch {
    return { version, verdict: 'mismatch' };
  }
}

function parse(value: string): { version: number; iv: Buffer; sealed: Buffer } | undefined {
  const parts = value.split('.');
  if (parts.length !== 4) return undefined;
  const [format, versionText, ivText, sealedText] = parts as [string, string, string, string];
  if (format !== KEK_CHECK_FORMAT || !KEK_VERSION_PATTERN.test(versionText)) return undefined;
  const version = Number(versionText);
  if (version > MAX_KEK_VERSION) return undefined;
  const iv = decodeCanonicalBase64url(ivText);
  const sealed = decodeCanonicalBase64url(sealedText);
  if (iv === undefined || iv.length !== IV_BYTES || sealed === undefined || sealed.length <= TAG_BYTES) return undefined;
  return { version, iv, sealed };
}
