/**
 * `byok stats`: the whole realm at a glance for operators: owners with keys, keys per provider, by
 * status, users by tier, values per KEK version (is a rotation finished?) and legacy keys still
 * waiting for `byok migrate-legacy`. One walk over every group and user; counts only, no secrets.
 */
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import { keyStatus, type KeyStatus } from './key-record.js';
import type { OwnerScanner, StoredOwner } from './ports.js';
import type { RecordOpener } from './record-opener.js';
import { TIERS, type Tier } from './tiers.js';

export interface RealmStats {
  computedAt: string;
  users: number;
  usersWithKeys: number;
  groups: number;
  groupsWithKeys: number;
  keys: number;
  keysByProvider: Partial<Record<ProviderId, number>>;
  /** `unreadable`: stored values that do not decrypt or are broken. */
  keysByStatus: Record<KeyStatus | 'unreadable', number>;
  /** Users per tier, and of them those with keys. */
  usersByTier: Record<Tier, { users: number; withKeys: number }>;
  valuesByKekVersion: Record<number, number>;
  legacy: { users: number; keys: number };
}

export interface RealmStatsDeps {
  owners: Pick<OwnerScanner, 'scanUsers' | 'scanGroups'>;
  opener: Pick<RecordOpener, 'openProvider'>;
  inspect: (envelope: string) => { kekVersion: number } | undefined;
  now: () => Date;
}

export async function computeRealmStats(deps: RealmStatsDeps, onOwner?: (scanned: number) => void): Promise<RealmStats> {
  const now = deps.now();
  const stats: RealmStats = {
    computedAt: now.toISOString(),
    users: 0,
    usersWithKeys: 0,
    groups: 0,
    groupsWithKeys: 0,
    keys: 0,
    keysByProvider: {},
    keysByStatus: { active: 0, disabled: 0, expired: 0, invalid: 0, unreadable: 0 },
    usersByTier: Object.fromEntries(TIERS.map((tier) => [tier, { users: 0, withKeys: 0 }])) as RealmStats['usersByTier'],
    valuesByKekVersion: {},
    legacy: { users: 0, keys: 0 },
  };
  let scanned = 0;

  /** Counts one owner's keys; true when it has any. */
  function count(stored: StoredOwner): boolean {
    let any = false;
    for (const provider of PROVIDER_IDS) {
      const sealed = stored.sealed.get(provider) ?? [];
      const broken = stored.unreadable.filter((entry) => entry.provider === provider).length;
      if (sealed.length + broken === 0) continue;
      any = true;
      const opened = deps.opener.openProvider(stored, provider);
      stats.keys += sealed.length + broken;
      stats.keysByProvider[provider] = (stats.keysByProvider[provider] ?? 0) + sealed.length + broken;
      stats.keysByStatus.unreadable += sealed.length - opened.length + broken;
      for (const { record } of opened) stats.keysByStatus[keyStatus(record, now)] += 1;
      for (const { envelope } of sealed) {
        const version = deps.inspect(envelope)?.kekVersion;
        if (version !== undefined) stats.valuesByKekVersion[version] = (stats.valuesByKekVersion[version] ?? 0) + 1;
      }
    }
    return any;
  }

  for await (const group of deps.owners.scanGroups()) {
    stats.groups += 1;
    if (count(group)) stats.groupsWithKeys += 1;
    onOwner?.((scanned += 1));
  }
  for await (const user of deps.owners.scanUsers()) {
    stats.users += 1;
    const tier = user.tier ?? 'free';
    const hasKeys = count(user);
    stats.usersByTier[tier].users += 1;
    if (hasKeys) {
      stats.usersWithKeys += 1;
      stats.usersByTier[tier].withKeys += 1;
    }
    const legacy = user.legacy ?? [];
    if (legacy.length > 0) {
      stats.legacy.users += 1;
      stats.legacy.keys += legacy.length;
    }
    onOwner?.((scanned += 1));
  }
  return stats;
}
