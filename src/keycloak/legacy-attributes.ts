/**
 * The attribute layout of the previous Python ops center (docs/storage.md#legacy-format): per provider, single-valued
 * user attributes `byok_<provider>_key` (a Fernet token), `_label`, `_added_date`, `_last_tested`,
 * `_test_status`, `_endpoint`. Read and removed only by `byok migrate-legacy`. Pure functions.
 *
 * The names cannot collide with this service's own attributes: ours are `byok_<provider>_keys`,
 * `byok_<provider>_usage`, `byok_<provider>_daily` and `byok_preferences`, none of which ends in one of the suffixes below.
 */
import type { LegacyKey } from '../vault/ports.js';

export const LEGACY_FIELDS = ['key', 'label', 'added_date', 'last_tested', 'test_status', 'endpoint'] as const;
type LegacyField = (typeof LEGACY_FIELDS)[number];

// Provider ids are lower-case letters, digits and '-': no '_', so the first '_' after the provider
// ends it and `byok_x_added_date` is provider x, field added_date.
const LEGACY_ATTRIBUTE = new RegExp(`^byok_([a-z0-9-]{1,64})_(${LEGACY_FIELDS.join('|')})$`);

export const legacyAttribute = (provider: string, field: LegacyField) => `byok_${provider}_${field}`;

/** Every provider that has at least one legacy attribute, with what they hold. */
export function readLegacyKeys(attributes: Readonly<Record<string, readonly string[] | undefined>>): LegacyKey[] {
  const byProvider = new Map<string, Partial<Record<LegacyField, readonly string[]>>>();
  for (const [name, values] of Object.entries(attributes)) {
    const match = LEGACY_ATTRIBUTE.exec(name);
    if (!match || values === undefined) continue;
    const [, provider, field] = match as unknown as [string, string, LegacyField];
    const fields = byProvider.get(provider) ?? {};
    fields[field] = values;
    byProvider.set(provider, fields);
  }
  return [...byProvider.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([provider, fields]) => {
      const single = (field: LegacyField) => fields[field]?.[0];
      return {
        provider,
        token: single('key'),
        label: single('label'),
        addedDate: single('added_date'),
        lastTested: single('last_tested'),
        testStatus: single('test_status'),
        endpoint: single('endpoint'),
        ambiguous: LEGACY_FIELDS.some((field) => (fields[field]?.length ?? 0) > 1),
      };
    });
}

/** The attributes without the named providers' legacy attributes. */
export function withoutLegacy(attributes: Record<string, string[]>, providers: readonly string[]): Record<string, string[]> {
  const next = { ...attributes };
  for (const provider of providers) for (const field of LEGACY_FIELDS) delete next[legacyAttribute(provider, field)];
  return next;
}
