/**
 * An in-memory OwnerStore (the vault's own port) for unit tests of pure logic. It keeps what
 * Keycloak keeps: per owner, the sealed keys per provider, preferences, tier and unrelated
 * attributes; like Keycloak it does not keep the order of a provider's values.
 */
import type { ProviderId } from '../../src/providers/registry.js';
import type { DailyByKey } from '../../src/vault/daily-usage.js';
import type { OwnerChange, OwnerRef, OwnerStore, Preferences, SealedKey, StoredOwner, UsageByKey } from '../../src/vault/ports.js';
import { DEFAULT_PREFERENCES, ownerKey } from '../../src/vault/ports.js';
import type { Tier } from '../../src/vault/tiers.js';

interface Entry {
  enabled: boolean;
  tier: Tier | undefined;
  sealed: Map<ProviderId, SealedKey[]>;
  preferences: Preferences;
  usage: Map<ProviderId, UsageByKey>;
  daily: Map<ProviderId, DailyByKey>;
  usageBatch?: string | undefined;
  other: Record<string, string[]>;
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
      return { owner, enabled: entry.enabled, tier: entry.tier, sealed, preferences: entry.preferences, usage: new Map(entry.usage), daily: new Map(entry.daily), usageBatch: entry.usageBatch, unreadable: [], revision: structuredClone(entry.other) };
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
    },
  };
  return {
    store,
    stats,
    addOwner(owner: OwnerRef, tier?: Tier, other: Record<string, string[]> = {}) {
      owners.set(ownerKey(owner), { enabled: true, tier, sealed: new Map(), preferences: DEFAULT_PREFERENCES, usage: new Map(), daily: new Map(), other });
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
    /** Replaces a stored value as someone with write access to the store could. */
    putSealed(owner: OwnerRef, provider: ProviderId, keys: SealedKey[]) {
      owners.get(ownerKey(owner))?.sealed.set(provider, keys);
    },
  };
}
