/**
 * The vault's rules, written once (src/vault/rules.ts), and the key service enforcing them for every
 * caller (the HTTP schemas check the same rules first; the CLI and scripts reach the service directly).
 */
import { randomBytes } from 'node:crypto';
import { createEnvelopeCodec } from '../../src/crypto/envelope.js';
import { parseKeyring } from '../../src/crypto/keyring.js';
import { checkKeyFormat } from '../../src/providers/key-format.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import { addKeyBody, reportBody } from '../../src/http/schemas.js';
import { createInProcessLocks } from '../../src/vault/in-process-locks.js';
import { createKeyService } from '../../src/vault/key-service.js';
import { keyStatus, type KeyRecord } from '../../src/vault/key-record.js';
import { isServable, KEY_MAX_LENGTH, KEY_MIN_LENGTH, LABEL_MAX_LENGTH, labelProblem, REPORT_OUTCOMES, type KeyState } from '../../src/vault/rules.js';
import { createFakeClock } from '../support/clock.js';
import { createInMemoryStore } from '../support/in-memory-store.js';
import { testApiKey } from '../support/secrets.js';

const base: KeyState = { enabled: true, expiresAtMs: null, testStatus: null, healthIssue: null };
const NOW = 1_000_000;

describe('servable keys', () => {
  test.each<[string, Partial<KeyState>, boolean]>([
    ['a fresh key', {}, true],
    ['tested valid, rate limited or unreachable', { testStatus: 'unreachable' }, true],
    ['expiring later', { expiresAtMs: NOW + 1 }, true],
    ['disabled', { enabled: false }, false],
    ['expired at this very moment', { expiresAtMs: NOW }, false],
    ['tested invalid', { testStatus: 'invalid' }, false],
    ['reported unauthorized', { healthIssue: 'unauthorized' }, false],
    ['reported over quota', { healthIssue: 'quota_exceeded' }, false],
  ])('%s: servable %s', (_name, change, servable) => {
    expect(isServable({ ...base, ...change }, NOW)).toBe(servable);
  });

  test('a key is servable exactly when users see it as active', () => {
    const record = (change: Partial<KeyRecord>): KeyRecord => ({
      id: 'k',
      provider: 'openai',
      label: 'l',
      secret: 's',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      enabled: true,
      expiresAt: null,
      baseUrl: null,
      lastTestedAt: null,
      testStatus: null,
      healthIssue: null,
      ...change,
    });
    const now = new Date('2026-06-01T00:00:00Z');
    for (const change of [{}, { enabled: false }, { expiresAt: '2026-05-01T00:00:00.000Z' }, { testStatus: 'invalid' as const }, { healthIssue: 'unauthorized' as const }]) {
      const state = record(change);
      const expiresAtMs = state.expiresAt === null ? null : Date.parse(state.expiresAt);
      expect(keyStatus(state, now) === 'active').toBe(isServable({ ...state, expiresAtMs }, now.getTime()));
    }
  });
});

describe('labels and lengths', () => {
  test('a label is 1 to 64 characters of well-formed text without control or format characters', () => {
    expect(labelProblem('Work key')).toBeUndefined();
    expect(labelProblem('é'.repeat(LABEL_MAX_LENGTH))).toBeUndefined();
    expect(labelProblem('x'.repeat(LABEL_MAX_LENGTH + 1))).toMatch(/64/);
    expect(labelProblem('')).toBeDefined();
    expect(labelProblem('tab\there')).toBeDefined();
    expect(labelProblem('zero\u200bwidth')).toBeDefined();
    expect(labelProblem('lone \ud800 surrogate')).toBeDefined();
    expect(labelProblem('pair \u{1F511}')).toBeUndefined();
  });

  test('the HTTP schemas apply the same limits', () => {
    const body = { provider: 'openai', apiKey: 'sk-x' };
    expect(addKeyBody.safeParse({ ...body, label: 'x'.repeat(LABEL_MAX_LENGTH) }).success).toBe(true);
    expect(addKeyBody.safeParse({ ...body, label: 'x'.repeat(LABEL_MAX_LENGTH + 1) }).success).toBe(false);
    expect(addKeyBody.safeParse({ ...body, apiKey: 'x'.repeat(KEY_MAX_LENGTH + 1) }).success).toBe(false);
    for (const outcome of REPORT_OUTCOMES) expect(reportBody.safeParse({ userId: 'u', provider: 'openai', keyId: 'k', outcome }).success).toBe(true);
    expect(checkKeyFormat('custom', 'a'.repeat(KEY_MIN_LENGTH - 1)).ok).toBe(false);
    expect(checkKeyFormat('custom', 'a'.repeat(KEY_MIN_LENGTH)).ok).toBe(true);
  });

  test('the key service refuses a label the rules refuse, from any caller, and stores it trimmed', async () => {
    const keyring = parseKeyring(`1:${randomBytes(32).toString('base64')}`);
    if (!keyring.ok) throw new Error('keyring');
    const memory = createInMemoryStore();
    const keys = createKeyService({
      store: memory.store,
      locks: createInProcessLocks(),
      codec: createEnvelopeCodec(keyring.keyring),
      registry: createProviderRegistry(),
      tester: { test: async () => ({ status: 'valid', testedAt: new Date().toISOString() }) },
      checkBaseUrl: async (raw) => ({ ok: true, url: new URL(raw) }),
      limits: { minTier: 'free', maxKeysPerProvider: 10, perTier: {} },
      clock: createFakeClock(),
      log: { warn: () => undefined },
    });
    const owner = { kind: 'user' as const, id: 'u1' };
    memory.addOwner(owner, 'starter');
    for (const label of ['x'.repeat(LABEL_MAX_LENGTH + 1), '   ', 'bell\u0007']) {
      await expect(keys.add(owner, { provider: 'openai', apiKey: testApiKey('openai'), label })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'label' }] });
    }
    const added = await keys.add(owner, { provider: 'openai', apiKey: testApiKey('openai'), label: '  Work  ' });
    expect(added.label).toBe('Work');
    await expect(keys.update(owner, 'openai', added.id, { label: 'y'.repeat(LABEL_MAX_LENGTH + 1) })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(keys.replace(owner, added.id, { provider: 'openai', apiKey: testApiKey('openai'), label: '' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(memory.sealedOf(owner, 'openai')).toHaveLength(1);
  });
});
