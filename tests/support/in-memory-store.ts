/**
 * An in-memory OwnerStore (the vault's own port) for unit tests of pure logic. It keeps what
 * Keycloak keeps: per owner, the sealed keys per provider, preferences, tier and unrelated
 * attributes; like Keycloak it does not keep the order of a provider's values. Like the Keycloak
 * adapter, every save brings the holder mark in line with holdsByokData, and `scanner` lists every
 * owner or the marked ones (docs/storage.md#holder-index).
 */
import type { ProviderId } from '../../src/providers/registry.js';
import type { DailyByKey } from '../../src/vault/daily-usage.js';
import { holdsByokData } from '../../src/vault/holders.js';
import type { HolderIndexState, OwnerChange, OwnerKind, OwnerRef, OwnerScanner, OwnerStore, Preferences, SealedKey, StoredOwner, UsageByKey } from '../../src/vault/ports.js';
import { DEFAULT_PREFERENCES, ownerKey, parseOwnerKey } from '../../src/vault/ports.js';
import { TIERS, type Tier } from '../../src/vault/tiers.js';

interface Entry {
  enabled: boolean;
  tier: Tier | undefined;
  sealed: Map<ProviderId, SealedKey[]>;
  preferences: Preferences;
  usage: Map<ProviderId, UsageByKey>;
  daily: Map<ProviderId, DailyByKey>;
  usageBatch?: string | undefined;
  other: Record<string, string[]>;
  holderMark: boolean;
}

/** A copy the caller cannot change afterwards (a stored value is a copy). */
const copyDaily = (byKey: DailyByKey): DailyByKey => new Map([...byKey].map(([keyId, days]) => [keyId, new Map([...days].map(([date, figures]) => [date, { ...figures }]))]));

export function createInMemoryStore() {
  const owners = new Map<string, Entry>();
  const stats = { loads: 0, saves: 0 };
  const store: OwnerStore = {
    async load(owner: OwnerRef): Promise<StoredOwner | undefined> {
      stats.loads += 1;
      await new Promise((resolve) => setImmediate(resolve)); // a real store answers asynchronously
      const entry = owners.get(ownerKey(owner));
      if (!entry) return undefined;
      const sealed = new Map([...entry.sealed].map(([provider, keys]) => [provider, [...keys].reverse()] as const));
      return {
        owner,
        enabled: entry.enabled,
        tier: entry.tier,
        sealed,
        preferences: entry.preferences,
        usage: new Map(entry.usage),
        daily: new Map(entry.daily),
        usageBatch: entry.usageBatch,
        unreadable: [],
        holderMark: entry.holderMark,
        revision: structuredClone(entry.other),
      };
    },
    async save(loaded: StoredOwner, change: OwnerChange): Promise<void> {
      stats.saves += 1;
      await new Promise((resolve) => setImmediate(resolve));
      const entry = owners.get(ownerKey(loaded.owner));
      if (!entry) throw new Error('owner vanished');
      for (const [provider, keys] of change.sealed ?? []) {
        if (keys.length > 0) entry.sealed.set(provider, [...keys]);
        else entry.sealed.delete(provider);
      }
      for (const [provider, byKey] of change.usage ?? []) {
        if (byKey.size > 0) entry.usage.set(provider, new Map(byKey));
        else entry.usage.delete(provider);
      }
      for (const [provider, byKey] of change.daily ?? []) {
        if (byKey.size > 0) entry.daily.set(provider, copyDaily(byKey));
        else entry.daily.delete(provider);
      }
      if (change.preferences) entry.preferences = change.preferences;
      if (change.tier) entry.tier = change.tier;
      if (change.usageBatch) entry.usageBatch = change.usageBatch;
      entry.other = structuredClone(loaded.revision as Record<string, string[]>);
      entry.holderMark = holdsByokData({ sealed: entry.sealed, unreadable: [] });
      if (!entry.holderMark) entry.usageBatch = undefined;
    },
  };
  const kindOf = (kind: OwnerKind) => [...owners.keys()].filter((key) => key.startsWith(`${kind}:`)).map(parseOwnerKey);
  async function* loadAll(refs: OwnerRef[]): AsyncIterable<StoredOwner> {
    for (const owner of refs) {
      const stored = await store.load(owner);
      if (stored) yield stored;
    }
  }
  const scanner: OwnerScanner = {
    scanUsers: () => loadAll(kindOf('user')),
    scanGroups: () => loadAll(kindOf('group')),
    scanHolders: (kind) => loadAll(kindOf(kind).filter((owner) => owners.get(ownerKey(owner))?.holderMark)),
    countUsers: async () => kindOf('user').length,
    countGroups: async () => kindOf('group').length,
    countUserHolders: async () => kindOf('user').filter((owner) => owners.get(ownerKey(owner))?.holderMark).length,
    countUsersByTier: async () => {
      const counts = Object.fromEntries(TIERS.map((tier) => [tier, 0])) as Record<Tier, number>;
      for (const owner of kindOf('user')) counts[owners.get(ownerKey(owner))?.tier ?? 'free'] += 1;
      return counts;
    },
  };
  let indexedAt: string | undefined;
  const holderIndex: HolderIndexState = {
    completedAt: async () => indexedAt,
    markComplete: async (at) => {
      indexedAt = at.toISOString();
    },
  };
  return {
    store,
    scanner,
    holderIndex,
    stats,
    addOwner(owner: OwnerRef, tier?: Tier, other: Record<string, string[]> = {}) {
      owners.set(ownerKey(owner), { enabled: true, tier, sealed: new Map(), preferences: DEFAULT_PREFERENCES, usage: new Map(), daily: new Map(), other, holderMark: false });
    },
    sealedOf(owner: OwnerRef, provider: ProviderId): SealedKey[] {
      return owners.get(ownerKey(owner))?.sealed.get(provider) ?? [];
    },
    /** Disables or enables a user, as an administrator does in Keycloak. */
    setEnabled(owner: OwnerRef, enabled: boolean) {
      const entry = owners.get(ownerKey(owner));
      if (entry) entry.enabled = enabled;
    },
    /** Replaces the stored daily figures of a provider, as a value written earlier (or by hand) would be. */
    putDaily(owner: OwnerRef, provider: ProviderId, byKey: DailyByKey) {
      owners.get(ownerKey(owner))?.daily.set(provider, copyDaily(byKey));
    },
    /** Replaces a stored value as someone with write access to the store could (the holder mark is left as it was). */
    putSealed(owner: OwnerRef, provider: ProviderId, keys: SealedKey[]) {
      owners.get(ownerKey(owner))?.sealed.set(provider, keys);
    },
    /** Sets or removes the holder mark by hand, as a writer that does not keep it would leave it. */
    setHolderMark(owner: OwnerRef, mark: boolean) {
      const entry = owners.get(ownerKey(owner));
      if (entry) entry.holderMark = mark;
    },
  };
}
