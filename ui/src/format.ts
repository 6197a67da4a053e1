/** What the UI says about keys, tiers and limits: pure functions of API data, no DOM. */
import type { KeyStatus, KeyView, OwnerKeys, TestStatus, Tier } from './api';

export const TIER_NAMES: Record<Tier, string> = { free: 'Free', trial: 'Trial', starter: 'Starter', professional: 'Professional', enterprise: 'Enterprise' };

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

const percentFormat = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** A ratio from 0 to 1 as a percentage ("62.5%"). */
export function percent(ratio: number): string {
  return percentFormat.format(ratio);
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

/** `remaining` is null when the limit is not known in advance (team keys: the service's limit, checked when adding). */
export type AddRule = { allowed: true; remaining: number | null } | { allowed: false; reason: 'tier' | 'limit'; message: string };

/** What adding depends on: a user's `GET /byok/keys` answer; a team's key list (no tier, the service's limit). */
export type AddRules = Pick<OwnerKeys, 'tier' | 'canAddKeys' | 'requiredTier'> & {
  maxKeysPerProvider?: number;
  /** Whose limit it is, for the message at the limit: "your tier allows" unless said. */
  limitHolder?: string;
};

/**
 * Whether the user may add a key for a provider now, and if not, why (docs/storage.md#tiers-and-limits): the tier gate
 * first (it holds whatever the count), then the per-provider limit.
 */
export function addRule(owner: AddRules, providerName: string, keyCount: number): AddRule {
  if (!owner.canAddKeys) {
    return {
      allowed: false,
      reason: 'tier',
      message: `Adding keys needs the ${owner.requiredTier} tier or higher; your tier is ${owner.tier ?? 'free'}. You can still rename, disable, test and delete the keys you have.`,
    };
  }
  if (owner.maxKeysPerProvider === undefined) return { allowed: true, remaining: null };
  const remaining = owner.maxKeysPerProvider - keyCount;
  if (remaining <= 0) {
    return {
      allowed: false,
      reason: 'limit',
      message: `${owner.limitHolder === undefined ? 'You have' : 'There are'} ${plural(keyCount, `${providerName} key`)}, the most ${owner.limitHolder ?? 'your tier allows'} (${owner.maxKeysPerProvider}). Delete one to add another.`,
    };
  }
  return { allowed: true, remaining };
}
