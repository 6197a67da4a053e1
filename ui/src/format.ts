/** What the UI says about keys, tiers and limits: pure functions of API data, no DOM. */
import type { KeyStatus, KeyView, OwnerKeys, TestStatus } from './api';

export const STATUS_TEXT: Record<KeyStatus, string> = {
  active: 'Active',
  disabled: 'Disabled',
  expired: 'Expired',
  invalid: 'Invalid',
};

export const TEST_TEXT: Record<TestStatus, string> = {
  valid: 'valid',
  invalid: 'invalid',
  rate_limited: 'rate limited',
  unreachable: 'unreachable',
};

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string | null, never = 'Never'): string {
  return iso === null ? never : dateTime.format(new Date(iso));
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** A card's status line: "No keys", or the count of keys in each status ("2 active, 1 disabled"). */
export function summarize(keys: readonly KeyView[]): string {
  if (keys.length === 0) return 'No keys';
  const counts = new Map<KeyStatus, number>();
  for (const key of keys) counts.set(key.status, (counts.get(key.status) ?? 0) + 1);
  const order: KeyStatus[] = ['active', 'disabled', 'expired', 'invalid'];
  return order.flatMap((status) => (counts.has(status) ? [`${counts.get(status)} ${STATUS_TEXT[status].toLowerCase()}`] : [])).join(', ');
}

export type AddRule = { allowed: true; remaining: number } | { allowed: false; reason: 'tier' | 'limit'; message: string };

/**
 * Whether the user may add a key for a provider now, and if not, why (docs/storage.md#tiers-and-limits): the tier gate
 * first (it holds whatever the count), then the per-provider limit.
 */
export function addRule(owner: Pick<OwnerKeys, 'tier' | 'canAddKeys' | 'requiredTier' | 'maxKeysPerProvider'>, providerName: string, keyCount: number): AddRule {
  if (!owner.canAddKeys) {
    return {
      allowed: false,
      reason: 'tier',
      message: `Adding keys needs the ${owner.requiredTier} tier or higher; your tier is ${owner.tier ?? 'free'}. You can still rename, disable, test and delete the keys you have.`,
    };
  }
  const remaining = owner.maxKeysPerProvider - keyCount;
  if (remaining <= 0) {
    return {
      allowed: false,
      reason: 'limit',
      message: `You have ${plural(keyCount, `${providerName} key`)}, the most your tier allows (${owner.maxKeysPerProvider}). Delete one to add another.`,
    };
  }
  return { allowed: true, remaining };
}
