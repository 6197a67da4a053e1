/**
 * Reading the Python ops center's attribute layout (docs/storage.md#legacy-format) and its values: pure functions.
 */
import { readLegacyKeys, withoutLegacy } from '../../src/keycloak/legacy-attributes.js';
import { legacyKeyId, parseLegacyDate } from '../../src/vault/legacy.js';
import { isKeyId } from '../../src/crypto/envelope.js';

describe('legacy attribute layout', () => {
  test("reads each provider's six attributes and never mistakes this service's own attributes for legacy ones", () => {
    const attributes = {
      byok_openai_key: ['gAAAAAB-token'],
      byok_openai_label: ['Production Key'],
      byok_openai_added_date: ['2025-10-10T22:00:00.000000'],
      byok_openai_last_tested: ['2025-10-10T22:05:00.000000'],
      byok_openai_test_status: ['valid'],
      byok_openai_endpoint: ['https://api.openai.com/v1'],
      byok_custom_endpoint: ['https://a.example', 'https://b.example'],
      byok_openai_keys: ['b1.1.k_aaaaaaaaaaaaaaaa.x.y'],
      byok_openai_usage: ['k_aaaaaaaaaaaaaaaa:1:1'],
      byok_preferences: ['{"strict":true}'],
      subscription_tier: ['starter'],
    };
    expect(readLegacyKeys(attributes)).toEqual([
      { provider: 'custom', token: undefined, label: undefined, addedDate: undefined, lastTested: undefined, testStatus: undefined, endpoint: 'https://a.example', ambiguous: true },
      { provider: 'openai', token: 'gAAAAAB-token', label: 'Production Key', addedDate: '2025-10-10T22:00:00.000000', lastTested: '2025-10-10T22:05:00.000000', testStatus: 'valid', endpoint: 'https://api.openai.com/v1', ambiguous: false },
    ]);
    expect(Object.keys(withoutLegacy(attributes, ['openai'])).sort()).toEqual(['byok_custom_endpoint', 'byok_openai_keys', 'byok_openai_usage', 'byok_preferences', 'subscription_tier']);
  });

  test("Python's naive isoformat() times are read as UTC, with microseconds cut to milliseconds; zoned times keep their zone", () => {
    expect(parseLegacyDate('2025-10-10T22:00:00.123456')).toBe('2025-10-10T22:00:00.123Z');
    expect(parseLegacyDate('2025-10-10T22:00:00')).toBe('2025-10-10T22:00:00.000Z');
    expect(parseLegacyDate('2025-10-10T22:00:00+02:00')).toBe('2025-10-10T20:00:00.000Z');
    expect(parseLegacyDate('yesterday')).toBeUndefined();
    expect(parseLegacyDate(undefined)).toBeUndefined();
  });

  test('the migrated record id is a valid key id, stable per user, provider and token, and different otherwise', () => {
    const id = legacyKeyId('user-1', 'openai', 'gAAAAAB-token');
    expect(isKeyId(id)).toBe(true);
    expect(legacyKeyId('user-1', 'openai', 'gAAAAAB-token')).toBe(id);
    expect(new Set([id, legacyKeyId('user-2', 'openai', 'gAAAAAB-token'), legacyKeyId('user-1', 'groq', 'gAAAAAB-token'), legacyKeyId('user-1', 'openai', 'gAAAAAB-other')]).size).toBe(4);
  });
});
