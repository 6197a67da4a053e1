/**
 * The keyring: versioned key-encryption keys (KEKs). Versions only grow; exactly one is active and
 * used for new writes, the others stay to read what was written under them until `byok rewrap` has
 * moved every record to the active one (the model is HashiCorp Vault's keyring "terms").
 *
 * `ENCRYPTION_KEYS` format: comma-separated `<version>:<key>` entries, where version is a whole
 * number from 1 to 65535 and key is 32 random bytes in base64 or base64url, for example
 *   ENCRYPTION_KEYS=1:3q2+7wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=
 * Generate a key with `openssl rand -base64 32`. The highest version is active unless
 * `ENCRYPTION_ACTIVE_KEY_VERSION` names another. Passphrases are not accepted: a KEK must be full
 * entropy, and there is then no derivation work at start-up or per request.
 */

export const KEK_BYTES = 32;
export const MAX_KEK_VERSION = 65535;
export const ENCRYPTION_KEYS_FORMAT =
  '<version>:<base64 of 32 random bytes>[,<version>:<key>...], e.g. 1:$(openssl rand -base64 32)';

export interface Keyring {
  readonly activeVersion: number;
  /** Versions in ascending order. */
  readonly versions: readonly number[];
  /** The key of a version, or undefined when the keyring does not hold it. */
  key(version: number): Buffer | undefined;
  activeKey(): Buffer;
}

export type KeyringParseResult = { ok: true; keyring: Keyring } | { ok: false; problems: string[] };

const BASE64ISH = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Parses `ENCRYPTION_KEYS`. Problems quote the expected format and name entries by position and
 * version, never by their (possibly secret) content.
 */
export function parseKeyring(raw: string | undefined, activeVersionRaw?: string): KeyringParseResult {
  const problems: string[] = [];
  if (raw === undefined || raw.trim() === '') {
    return { ok: false, problems: [`ENCRYPTION_KEYS is required; expected ${ENCRYPTION_KEYS_FORMAT}`] };
  }
  const keys = new Map<number, Buffer>();
  // Stryker disable next-line MethodExpression: equivalent, the version and key are trimmed again below; kept so an entry reads as trimmed.
  const entries = raw.split(',').map((entry) => entry.trim());
  entries.forEach((entry, index) => {
    const where = `ENCRYPTION_KEYS entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon < 0) {
      problems.push(`${where} has no "<version>:" prefix; expected ${ENCRYPTION_KEYS_FORMAT}`);
      return;
    }
    const versionText = entry.slice(0, colon).trim().replace(/^v/i, '');
    const keyText = entry.slice(colon + 1).trim();
    const version = /^\d+$/.test(versionText) ? Number(versionText) : NaN;
    if (!Number.isInteger(version) || version < 1 || version > MAX_KEK_VERSION) {
      problems.push(`${where}: version must be a whole number from 1 to ${MAX_KEK_VERSION}`);
      return;
    }
    if (keys.has(version)) {
      problems.push(`${where}: version ${version} appears more than once`);
      return;
    }
    if (!BASE64ISH.test(keyText)) {
      problems.push(`${where} (version ${version}): key is not base64; expected ${ENCRYPTION_KEYS_FORMAT}`);
      return;
    }
    const key = Buffer.from(keyText.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (key.length !== KEK_BYTES) {
      problems.push(
        `${where} (version ${version}): key decodes to ${key.length} bytes, needs exactly ${KEK_BYTES}; ` +
          'generate one with `openssl rand -base64 32`',
      );
      return;
    }
    keys.set(version, key);
  });

  let activeVersion = Math.max(0, ...keys.keys());
  if (activeVersionRaw !== undefined && activeVersionRaw.trim() !== '') {
    // Stryker disable next-line MethodExpression: equivalent, Number() ignores surrounding spaces.
    const wanted = Number(activeVersionRaw.trim());
    if (!Number.isInteger(wanted) || !keys.has(wanted)) {
      problems.push(
        `ENCRYPTION_ACTIVE_KEY_VERSION=${activeVersionRaw.trim()} does not name a version in ENCRYPTION_KEYS`,
      );
    } else {
      activeVersion = wanted;
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  // Stryker disable all: unreachable today (a non-blank value has an entry, and every entry adds a key or a problem); kept as the guard activeKey() relies on.
  if (keys.size === 0) {
    return { ok: false, problems: [`ENCRYPTION_KEYS holds no key; expected ${ENCRYPTION_KEYS_FORMAT}`] };
  }
  // Stryker restore all

  const versions = [...keys.keys()].sort((a, b) => a - b);
  const keyring: Keyring = Object.freeze({
    activeVersion,
    versions: Object.freeze(versions),
    key: (version: number) => keys.get(version),
    activeKey: () => keys.get(activeVersion) as Buffer,
  });
  return { ok: true, keyring };
}
