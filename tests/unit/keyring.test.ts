import { randomBytes } from 'node:crypto';
import { parseKeyring } from '../../src/crypto/keyring.js';

const key = () => randomBytes(32);

describe('parseKeyring (ENCRYPTION_KEYS)', () => {
  test('accepts base64 and base64url keys and makes the highest version active', () => {
    const one = key();
    const two = key();
    const result = parseKeyring(`1:${one.toString('base64')}, 2:${two.toString('base64url')}`);
    if (!result.ok) throw new Error(result.problems.join('; '));
    expect(result.keyring.versions).toEqual([1, 2]);
    expect(result.keyring.activeVersion).toBe(2);
    expect(result.keyring.key(1)?.equals(one)).toBe(true);
    expect(result.keyring.activeKey().equals(two)).toBe(true);
    expect(result.keyring.key(3)).toBeUndefined();
  });

  test('ENCRYPTION_ACTIVE_KEY_VERSION chooses another version, and must name one that exists', () => {
    const raw = `1:${key().toString('base64')},2:${key().toString('base64')}`;
    const chosen = parseKeyring(raw, '1');
    expect(chosen.ok && chosen.keyring.activeVersion).toBe(1);
    const missing = parseKeyring(raw, '7');
    expect(missing.ok).toBe(false);
    expect(!missing.ok && missing.problems.join()).toContain('ENCRYPTION_ACTIVE_KEY_VERSION=7');
  });

  test('every malformed entry is reported, by position, with the expected format', () => {
    const result = parseKeyring(`nocolon,x:${key().toString('base64')},3:short,4:${key().toString('base64')},4:${key().toString('base64')},5:!!!`);
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems;
    expect(problems).toHaveLength(5);
    expect(problems[0]).toMatch(/entry 1 has no "<version>:" prefix; expected <version>:<base64/);
    expect(problems[1]).toMatch(/entry 2: version must be a whole number/);
    expect(problems[2]).toMatch(/entry 3 \(version 3\): key decodes to \d+ bytes, needs exactly 32/);
    expect(problems[3]).toMatch(/entry 5: version 4 appears more than once/);
    expect(problems[4]).toMatch(/entry 6 \(version 5\): key is not base64/);
  });

  test('problems never quote key material', () => {
    const secretish = randomBytes(20).toString('base64'); // wrong length: rejected
    const result = parseKeyring(`1:${secretish}`);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.problems.join('\n')).not.toContain(secretish);
  });

  test('missing or empty is an error that says how to make a key', () => {
    for (const raw of [undefined, '', '   ']) {
      const result = parseKeyring(raw);
      expect(result.ok ? '' : result.problems.join()).toContain('ENCRYPTION_KEYS is required');
      expect(result.ok ? '' : result.problems.join()).toContain('openssl rand -base64 32');
    }
  });
});
