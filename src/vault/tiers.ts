/**
 * Subscription tiers (docs/storage.md#tiers-and-limits), in ascending order. The tier is the user attribute
 * `subscription_tier`; missing or unknown means `free`, so a typo never grants a paid feature.
 */
export const TIERS = ['free', 'trial', 'starter', 'professional', 'enterprise'] as const;
export type Tier = (typeof TIERS)[number];

export function isTier(value: unknown): value is Tier {
  // Stryker disable next-line ConditionalExpression: equivalent, includes() finds no non-string in a list of strings.
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/** The tier a stored attribute value stands for. */
export function parseTier(raw: string | undefined): Tier {
  const value = raw?.trim().toLowerCase();
  return isTier(value) ? value : 'free';
}

export function tierAtLeast(tier: Tier, minimum: Tier): boolean {
  return TIERS.indexOf(tier) >= TIERS.indexOf(minimum);
}
