/**
 * The edges of ENCRYPTION_KEYS: what is accepted must keep being accepted (a deployment's keys must
 * still parse after an upgrade) and what is refused must keep being refused (a short or reused key
 * must never start the service).
 */
import { randomBytes } from 'node:crypto';
import { KEK_BYTES, MAX_KEK_VERSION, parseKeyring, type Keyring } from '../../src/crypto/keyring.js';

const key = () => randomBytes(KEK_BYTES);

function ok(raw: string, active?: string): Keyring {
  const result = parseKeyring(raw, active);
  if (!result.ok) throw new Error(result.problems.join('; '));
  return result.keyring;
}

function problems(raw: string | undefined, active?: string): string[] {
  const result = parseKeyring(raw, active);
  if (result.ok) throw new Error(`expected ${raw} to be refused`);
  return result.problems;
}

describe('ENCRYPTION_KEYS edges', () => {
  test('versions 1 and 65535 are the bounds; 0, 65536 and non-numbers are refused', () => {
    const k = key();
    expect(ok(`1:${k.toString('base64')}`).versions).toEqual([1]);
    expect(ok(`${MAX_KEK_VERSION}:${k.toString('base64')}`).versions).toEqual([65535]);
    for (const version of ['0', '65536', '-1', '1.5', '1e3', '', 'one']) {
      expect(problems(`${version}:${k.toString('base64')}`)).toEqual([expect.stringContaining('version must be a whole number from 1 to 65535')]);
    }
  });

  test('a "v" prefix on the version and spaces around entries, versions and keys are tolerated', () => {
    const one = key();
    const two = key();
    const keyring = ok(` v1 : ${one.toString('base64')} ,V2:${two.toString('base64')}  `);
    expect(keyring.versions).toEqual([1, 2]);
    expect(keyring.key(1)?.equals(one)).toBe(true);
    expect(keyring.key(2)?.equals(two)).toBe(true);
  });

  test('a base64url key with - and _ decodes to the same bytes as its base64 spelling', () => {
    let k = key();
    while (!(k.toString('base64url').includes('-') && k.toString('base64url').includes('_'))) k = key();
    expect(ok(`1:${k.toString('base64url')}`).activeKey().equals(k)).toBe(true);
    expect(ok(`1:${k.toString('base64')}`).activeKey().equals(k)).toBe(true);
  });

  test('keys of 31 or 33 bytes are refused with their decoded length; the message names no key content', () => {
    for (const length of [31, 33, 0]) {
      const text = randomBytes(length).toString('base64');
      const found = problems(`1:${text}`);
      expect(found).toHaveLength(1);
      if (length > 0) expect(found[0]).toContain(`key decodes to ${length} bytes, needs exactly 32`);
      if (length > 0) expect(found[0]).not.toContain(text);
    }
  });

  test('a key with characters outside base64 is refused as not base64', () => {
    const text = key().toString('base64');
    for (const bad of [`${text.slice(0, 10)}!${text.slice(11)}`, `${text}===`, `=${text}`, `${text.slice(0, 20)} ${text.slice(20)}`]) {
      expect(problems(`1:${bad}`)).toEqual([expect.stringContaining('key is not base64')]);
    }
  });

  test('the highest version is active unless ENCRYPTION_ACTIVE_KEY_VERSION names another; blank means unset', () => {
    const raw = `3:${key().toString('base64')},10:${key().toString('base64')},2:${key().toString('base64')}`;
    const keyring = ok(raw);
    expect(keyring.activeVersion).toBe(10);
    expect(keyring.versions).toEqual([2, 3, 10]);
    expect(keyring.activeKey().equals(keyring.key(10) as Buffer)).toBe(true);
    expect(ok(raw, '   ').activeVersion).toBe(10);
    expect(ok(raw, '').activeVersion).toBe(10);
    expect(ok(raw, ' 3 ').activeVersion).toBe(3);
    expect(ok(raw, ' 3 ').activeKey().equals(ok(raw).key(3) as Buffer)).toBe(true);
    for (const wanted of ['4', '2.5', 'ten', '0']) {
      expect(problems(raw, wanted)).toEqual([`ENCRYPTION_ACTIVE_KEY_VERSION=${wanted} does not name a version in ENCRYPTION_KEYS`]);
    }
  });

  test('one bad entry refuses the whole keyring, even when the others are good', () => {
    expect(problems(`1:${key().toString('base64')},2:short`)).toHaveLength(1);
    expect(problems(`1:${key().toString('base64')},2:short`, '1')).toHaveLength(1);
  });

  test('an entry without a colon is reported with the expected format, by position', () => {
    expect(problems(`1:${key().toString('base64')},${key().toString('base64')}`)).toEqual([
      expect.stringMatching(/^ENCRYPTION_KEYS entry 2 has no "<version>:" prefix; expected <version>:<base64 of 32 random bytes>/),
    ]);
  });

  test('the keyring is a frozen value: versions and the active version cannot be changed by a caller', () => {
    const keyring = ok(`1:${key().toString('base64')},2:${key().toString('base64')}`);
    expect(Object.isFrozen(keyring)).toBe(true);
    expect(Object.isFrozen(keyring.versions)).toBe(true);
    expect(() => {
      (keyring as { activeVersion: number }).activeVersion = 1;
    }).toThrow(TypeError);
    expect(keyring.activeVersion).toBe(2);
  });
});

describe('ENCRYPTION_KEYS: what must stay refused', () => {
  test('only a leading "v" is dropped from a version: "1v" is not a version', () => {
    expect(problems(`1v:${key().toString('base64')}`)).toEqual([expect.stringContaining('version must be a whole number')]);
  });

  test('a key of the wrong length says how to generate one', () => {
    expect(problems(`1:${randomBytes(16).toString('base64')}`)[0]).toContain('generate one with `openssl rand -base64 32`');
  });

  test('an unknown active version is quoted trimmed, as the version it names', () => {
    expect(problems(`1:${key().toString('base64')}`, ' 4 ')).toEqual(['ENCRYPTION_ACTIVE_KEY_VERSION=4 does not name a version in ENCRYPTION_KEYS']);
  });
});
