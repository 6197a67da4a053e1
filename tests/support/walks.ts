/**
 * Realm walks (src/vault/holders.ts) over fixed owners, for unit tests of the logic that walks: the
 * vault's own walk choice on top of a scanner of these lists (holders: the owners with `holderMark`).
 * `indexedAt` set: the holder index is complete (holder scan); unset: every owner is visited.
 */
import { createAdoptionStats } from '../../src/vault/adoption-stats.js';
import { createOwnerWalks, type OwnerWalks } from '../../src/vault/holders.js';
import type { OwnerScanner, StoredOwner } from '../../src/vault/ports.js';
import { TIERS, type Tier } from '../../src/vault/tiers.js';

export function walksOver(owners: { groups?: readonly StoredOwner[]; users?: readonly StoredOwner[] }, indexedAt?: string): OwnerWalks {
  const groups = owners.groups ?? [];
  const users = owners.users ?? [];
  const list = async function* (items: readonly StoredOwner[]) {
    yield* items;
  };
  const scanner: OwnerScanner = {
    scanUsers: () => list(users),
    scanGroups: () => list(groups),
    scanHolders: (kind) => list((kind === 'user' ? users : groups).filter((owner) => owner.holderMark)),
    countUsers: async () => users.length,
    countGroups: async () => groups.length,
    countUserHolders: async () => users.filter((owner) => owner.holderMark).length,
    countUsersByTier: async () => {
      const counts = Object.fromEntries(TIERS.map((tier) => [tier, 0])) as Record<Tier, number>;
      for (const user of users) counts[user.tier ?? 'free'] += 1;
      return counts;
    },
  };
  return createOwnerWalks({ scanner, index: { completedAt: async () => indexedAt } });
}

/** Adoption stats over an empty realm with nothing counted (for tests of endpoints that need the dependency). */
export function emptyAdoptionStats() {
  return createAdoptionStats({
    owners: walksOver({}),
    counts: { countUsers: async () => 0 },
    opener: { openProvider: () => [] },
    resolvesBySource: () => ({ user: 0, group: 0, system: 0 }),
    usage: { unpersistedAll: async () => () => undefined, systemDaily: () => new Map() },
    daysKept: 30,
    cacheStats: () => ({ hits: 0, misses: 0, loads: 0, staleServed: 0, size: 0 }),
    maxAgeMs: 0,
    now: Date.now,
  });
}
