/**
 * Key records: the plaintext inside every envelope (its format is stored data and may not drift),
 * the masking rule (what of a secret a user may ever see), the status rule and the view.
 */
import { compareRecords, keyStateOf, keyStatus, maskKey, parseRecord, serializeRecord, toKeyView, type KeyRecord } from '../../src/vault/key-record.js';

const NOW = new Date('2026-06-01T12:00:00.000Z');

function record(overrides: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: 'k_AAAAAAAAAAAAAAAA',
    provider: 'openai',
    label: 'Production',
    secret: 'sk-proj-0123456789abcdefghij',
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-02T00:00:00.000Z',
    enabled: true,
    expiresAt: null,
    baseUrl: null,
    lastTestedAt: null,
    testStatus: null,
    healthIssue: null,
    ...overrides,
  };
}

const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');

describe('key record format (the plaintext of an envelope)', () => {
  test('is written as version 1 JSON with exactly the record fields, in a fixed order', () => {
    const written = serializeRecord({ ...record({ baseUrl: 'https://llm.example.com/v1', testStatus: 'valid', lastTestedAt: '2026-01-03T00:00:00.000Z' }) });
    expect(written.toString('utf8')).toBe(
      '{"v":1,"id":"k_AAAAAAAAAAAAAAAA","provider":"openai","label":"Production","secret":"sk-proj-0123456789abcdefghij",' +
        '"createdAt":"2026-01-01T00:00:00.000Z","updatedAt":"2026-01-02T00:00:00.000Z","enabled":true,"expiresAt":null,' +
        '"baseUrl":"https://llm.example.com/v1","lastTestedAt":"2026-01-03T00:00:00.000Z","testStatus":"valid","healthIssue":null}',
    );
  });

  test('fields that are not part of a record are never written into the envelope', () => {
    const extra = { ...record(), lastUsedAt: '2026-01-05T00:00:00.000Z', maskedKey: 'sk-p…ghij' } as KeyRecord;
    expect(Object.keys(JSON.parse(serializeRecord(extra).toString('utf8')))).not.toEqual(expect.arrayContaining(['lastUsedAt']));
    expect(serializeRecord(extra).toString('utf8')).not.toContain('maskedKey');
  });

  test('round trip: parse(serialize(r)) is r, for every optional field set or not', () => {
    const variants = [
      record(),
      record({ enabled: false, expiresAt: '2027-01-01T00:00:00.000Z', baseUrl: 'https://x.example/v1', lastTestedAt: '2026-01-03T00:00:00.000Z', testStatus: 'rate_limited', healthIssue: 'quota_exceeded' }),
      record({ provider: 'custom', label: 'Zürich ✓', testStatus: 'unreachable', healthIssue: 'unauthorized' }),
    ];
    for (const r of variants) expect(parseRecord(serializeRecord(r))).toEqual(r);
  });

  test('a record written before health issues existed reads with healthIssue null', () => {
    const { healthIssue: _absent, ...older } = record();
    expect(parseRecord(json({ v: 1, ...older }))).toEqual(record());
  });

  test('anything else is not a record: another format version, a missing or mistyped field, an unknown provider, status or issue, or not JSON', () => {
    const good = { v: 1, ...record() };
    const bad: unknown[] = [
      { ...good, v: 2 },
      { ...good, v: undefined },
      { ...good, id: undefined },
      { ...good, secret: 42 },
      { ...good, enabled: 'yes' },
      { ...good, provider: 'notaprovider' },
      { ...good, testStatus: 'great' },
      { ...good, healthIssue: 'tired' },
      { ...good, expiresAt: undefined },
      [good],
      null,
    ];
    for (const value of bad) expect(parseRecord(json(value))).toBeUndefined();
    for (const text of ['', 'not json', '{"v":1', '\u0000']) expect(parseRecord(Buffer.from(text, 'utf8'))).toBeUndefined();
  });
});

describe('record order, masking, status and view', () => {
  test('records order by creation time, then by id', () => {
    const a = { createdAt: '2026-01-01T00:00:00.000Z', id: 'k_B' };
    const b = { createdAt: '2026-01-02T00:00:00.000Z', id: 'k_A' };
    const c = { createdAt: '2026-01-02T00:00:00.000Z', id: 'k_C' };
    expect(compareRecords(a, b)).toBe(-1);
    expect(compareRecords(b, a)).toBe(1);
    expect(compareRecords(b, c)).toBe(-1);
    expect(compareRecords(c, b)).toBe(1);
    expect(compareRecords(c, { ...c })).toBe(0);
    expect([c, b, a].sort(compareRecords)).toEqual([a, b, c]);
  });

  test('a key of 16 characters or more shows its first and last 4; a shorter one only its last 2', () => {
    expect(maskKey('sk-proj-abcdefghijklmnop')).toBe('sk-p…mnop');
    expect(maskKey('0123456789abcdef')).toBe('0123…cdef'); // exactly 16
    expect(maskKey('0123456789abcde')).toBe('…de'); // 15
    expect(maskKey('ab')).toBe('…ab');
  });

  test('status: disabled before expired before invalid before active', () => {
    const past = '2026-05-01T00:00:00.000Z';
    expect(keyStatus(record({ enabled: false, expiresAt: past, testStatus: 'invalid' }), NOW)).toBe('disabled');
    expect(keyStatus(record({ expiresAt: past, testStatus: 'invalid' }), NOW)).toBe('expired');
    expect(keyStatus(record({ testStatus: 'invalid' }), NOW)).toBe('invalid');
    expect(keyStatus(record({ healthIssue: 'unauthorized' }), NOW)).toBe('invalid');
    expect(keyStatus(record({ healthIssue: 'quota_exceeded' }), NOW)).toBe('invalid');
    for (const testStatus of ['valid', 'rate_limited', 'unreachable', null] as const) expect(keyStatus(record({ testStatus }), NOW)).toBe('active');
  });

  test('a key expires at its expiry instant, not a millisecond later', () => {
    expect(keyStatus(record({ expiresAt: NOW.toISOString() }), NOW)).toBe('expired');
    expect(keyStatus(record({ expiresAt: new Date(NOW.getTime() + 1).toISOString() }), NOW)).toBe('active');
    expect(keyStatus(record({ expiresAt: new Date(NOW.getTime() - 1).toISOString() }), NOW)).toBe('expired');
  });

  test('the view carries the masked key and the status, never the secret', () => {
    const r = record({ enabled: false, baseUrl: 'https://llm.example.com/v1', testStatus: 'valid', lastTestedAt: '2026-01-03T00:00:00.000Z', healthIssue: 'unauthorized', expiresAt: '2027-01-01T00:00:00.000Z' });
    const view = toKeyView(r, NOW, '2026-05-31T00:00:00.000Z');
    expect(view).toEqual({
      id: r.id,
      provider: 'openai',
      label: 'Production',
      maskedKey: 'sk-p…ghij',
      enabled: false,
      status: 'disabled',
      createdAt: r.createdAt,
      updatedAt: r.updatedAt,
      expiresAt: '2027-01-01T00:00:00.000Z',
      lastUsedAt: '2026-05-31T00:00:00.000Z',
      lastTestedAt: '2026-01-03T00:00:00.000Z',
      testStatus: 'valid',
      healthIssue: 'unauthorized',
      baseUrl: 'https://llm.example.com/v1',
    });
    expect(JSON.stringify(view)).not.toContain(r.secret);
    expect(toKeyView(record(), NOW).lastUsedAt).toBeNull();
  });
});

describe('the servable state of a record', () => {
  test('no expiry stays "no expiry" (null), not a time; an expiry becomes its epoch milliseconds', () => {
    const base = { enabled: true, testStatus: null, healthIssue: null } as const;
    expect(keyStateOf({ ...base, expiresAt: null }).expiresAtMs).toBeNull();
    expect(keyStateOf({ ...base, expiresAt: '2027-01-31T00:00:00.000Z' }).expiresAtMs).toBe(Date.UTC(2027, 0, 31));
  });
});
