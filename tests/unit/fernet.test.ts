/**
 * Our Fernet reader against the official vectors of the Fernet spec (github.com/fernet/spec:
 * generate.json, verify.json, invalid.json), so legacy tokens of Python's `cryptography` read the same.
 */
import { fernetDecrypt, fernetEncrypt, fernetTimestamp, FernetError, parseFernetKey, type FernetKey } from '../../src/crypto/fernet.js';

const SECRET = 'cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=';
const SPEC_TOKEN = 'gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==';

const INVALID: Array<{ desc: string; token: string; now: string }> = [
  { desc: 'incorrect mac', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykQUFBQUFBQUFBQQ==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'too short', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPA==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'invalid base64', token: '%%%%%%%%%%%%%AECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'payload size not multiple of block size', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPOm73QeoCk9uGib28Xe5vz6oxq5nmxbx_v7mrfyudzUm', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'payload padding error', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0ODz4LEpdELGQAad7aNEHbf-JkLPIpuiYRLQ3RtXatOYREu2FWke6CnJNYIbkuKNqOhw==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'far-future TS (unacceptable clock skew)', token: 'gAAAAAAdwStRAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAnja1xKYyhd-Y6mSkTOyTGJmw2Xc2a6kBd-iX9b_qXQcw==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'expired TTL', token: 'gAAAAAAdwJ6xAAECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAl1-szkFVzXTuGb4hR8AKtwcaX1YdykRtfsH-p1YsUD2Q==', now: '1985-10-26T01:21:31-07:00' },
  { desc: 'incorrect IV (causes padding error)', token: 'gAAAAAAdwJ6xBQECAwQFBgcICQoLDA0OD3HkMATM5lFqGaerZ-fWPAkLhFLHpGtDBRLRTZeUfWgHSv49TF2AUEZ1TIvcZjK1zQ==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'trailing characters after b64 padding', token: `${SPEC_TOKEN}trailingdata`, now: '1985-10-26T01:20:01-07:00' },
  { desc: 'invalid characters in b64', token: '*gAAAAAAdwJ6wAAECAwQFBgcI!CQoLDA0ODy021?cpGVWKZ_eEwC@GM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==', now: '1985-10-26T01:20:01-07:00' },
  { desc: 'invalid non-urlsafe characters in b64', token: 'gAAAAAAdwJ6wAAEC/AwQFBgcICQoLDA0ODy+021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA==', now: '1985-10-26T01:20:01-07:00' },
];

function specKey(): FernetKey {
  const parsed = parseFernetKey(SECRET);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.key;
}

describe('Fernet (legacy tokens of the Python ops center)', () => {
  test('generate.json: the same key, time, IV and message make the spec token byte for byte', () => {
    const iv = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
    expect(fernetEncrypt(specKey(), Buffer.from('hello'), { now: new Date('1985-10-26T01:20:00-07:00'), iv })).toBe(SPEC_TOKEN);
  });

  test('verify.json: the spec token decrypts to "hello" within its 60 s TTL, and its timestamp reads without the key', () => {
    expect(fernetDecrypt(specKey(), SPEC_TOKEN, { ttlSeconds: 60, now: new Date('1985-10-26T01:20:01-07:00') }).toString()).toBe('hello');
    expect(fernetTimestamp(SPEC_TOKEN)).toBe(Date.parse('1985-10-26T01:20:00-07:00') / 1000);
  });

  test.each(INVALID)('invalid.json: "$desc" is rejected with a FernetError', ({ token, now }) => {
    expect(() => fernetDecrypt(specKey(), token, { ttlSeconds: 60, now: new Date(now) })).toThrow(FernetError);
  });

  test('without a TTL (how Python decrypt(token) and the migration read) age is not checked, but integrity is', () => {
    expect(fernetDecrypt(specKey(), SPEC_TOKEN).toString()).toBe('hello');
    const expired = INVALID.find((vector) => vector.desc === 'expired TTL') as { token: string };
    expect(fernetDecrypt(specKey(), expired.token).toString()).toBe(''); // the vector holds an empty message
    const badMac = INVALID.find((vector) => vector.desc === 'incorrect mac') as { token: string };
    expect(() => fernetDecrypt(specKey(), badMac.token)).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
  });

  test('integrity: flipping any single byte of a token makes it fail, and the error names neither token nor key', () => {
    const key = specKey();
    const token = fernetEncrypt(key, Buffer.from('sk-proj-legacy-secret-value'));
    const bytes = Buffer.from(token, 'base64url');
    for (let i = 0; i < bytes.length; i += 1) {
      const tampered = Buffer.from(bytes);
      tampered[i] = (tampered[i] as number) ^ 0x01;
      const text = tampered.toString('base64url');
      let caught: unknown;
      try {
        fernetDecrypt(key, text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(FernetError);
      expect((caught as Error).message).not.toContain(text.slice(10, 30));
      expect((caught as Error).message).not.toContain('legacy-secret');
    }
  });

  test('a token made with another key does not verify', () => {
    const other = parseFernetKey(Buffer.alloc(32, 9).toString('base64url'));
    if (!other.ok) throw new Error(other.problem);
    const token = fernetEncrypt(other.key, Buffer.from('hello'));
    expect(() => fernetDecrypt(specKey(), token)).toThrow(expect.objectContaining({ reason: 'bad_signature' }));
  });

  test('round trip of a long, non-ASCII message with a random IV', () => {
    const message = Buffer.from(`sk-ant-api03-${'é'.repeat(300)}`);
    const token = fernetEncrypt(specKey(), message);
    expect(token.startsWith('gAAAAA')).toBe(true);
    expect(fernetDecrypt(specKey(), token).equals(message)).toBe(true);
  });

  test('key parsing names the variable and what is expected, never the value', () => {
    const missing = parseFernetKey(undefined);
    expect(missing).toEqual({ ok: false, problem: expect.stringContaining('LEGACY_ENCRYPTION_KEY is required') });
    const short = parseFernetKey('c2hvcnQta2V5LXZhbHVl');
    expect(short.ok).toBe(false);
    expect(!short.ok && short.problem).toContain('decodes to 15 bytes');
    expect(!short.ok && short.problem).not.toContain('c2hvcnQta2V5LXZhbHVl');
    const notBase64 = parseFernetKey('not a key at all!');
    expect(!notBase64.ok && notBase64.problem).toContain('not url-safe base64');
    expect(parseFernetKey(SECRET).ok).toBe(true);
    // Unpadded keys (padding stripped by some tools) are the same key.
    expect(parseFernetKey(SECRET.replace(/=$/, '')).ok).toBe(true);
  });
});
