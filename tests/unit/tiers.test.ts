/**
 * Subscription tiers: the stored attribute decides what a user may do (key limits, team keys), so an
 * unknown or mistyped value must never read as a paid tier, and the order must never shift.
 */
import { isTier, parseTier, tierAtLeast, TIERS } from '../../src/vault/tiers.js';

describe('subscription tiers', () => {
  test('the tiers, in ascending order, are free < trial < starter < professional < enterprise', () => {
    expect(TIERS).toEqual(['free', 'trial', 'starter', 'professional', 'enterprise']);
  });

  test('tierAtLeast holds exactly when the tier is the minimum or above it, for every pair', () => {
    TIERS.forEach((tier, i) => {
      TIERS.forEach((minimum, j) => {
        expect([tier, minimum, tierAtLeast(tier, minimum)]).toEqual([tier, minimum, i >= j]);
      });
    });
  });

  test('a stored value is read regardless of case and surrounding spaces', () => {
    expect(parseTier('starter')).toBe('starter');
    expect(parseTier('  Professional ')).toBe('professional');
    expect(parseTier('ENTERPRISE')).toBe('enterprise');
  });

  test('missing, empty or unknown values are free, never a paid tier (fail closed)', () => {
    for (const raw of [undefined, '', '   ', 'gold', 'pro', 'enterprise-plus', 'starter!']) {
      expect(parseTier(raw)).toBe('free');
    }
  });

  test('isTier accepts exactly the tier names', () => {
    for (const tier of TIERS) expect(isTier(tier)).toBe(true);
    for (const value of ['Free', ' starter', 'gold', '', undefined, null, 3, ['free'], { tier: 'free' }]) expect(isTier(value)).toBe(false);
  });
});
