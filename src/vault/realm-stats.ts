/**
 * `byok stats`: the whole realm at a glance for operators: owners with keys, keys per provider, by
 * status, users by tier, values per KEK version (is a rotation finished?) and legacy keys still
 * waiting for `byok migrate-legacy`. Counts only, no secrets. Users, groups and users per tier are
 * the store's counts; everything about keys comes from one walk over the key holders (every group
 * and user while the holder index is not complete: holders.ts), so the work grows with the holders.
 */
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import type { OwnerWalk, OwnerWalks } from './holders.js';
import { keyStatus, type KeyStatus } from './key-record.js';
import type { OwnerScanner, StoredOwner } from './ports.js';
import type { RecordOpener } from './record-opener.js';
import { TIERS, type Tier } from './tiers.js';

export interface RealmStats {
  computedAt: string;
  /** Which owners the walk visited: the key holders, or every owner (the holder index is not complete). */
  walk: { scope: OwnerWalk['scope']; indexedAt: string | null; ownersVisited: number };
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
  owners: Pick<OwnerWalks, 'open'>;
  counts: Pick<OwnerScanner, 'countUsers' | 'countGroups' | 'countUsersByTier'>;
  opener: Pick<RecordOpener, 'openProvider'>;
  inspect: (envelope: string) => { kekVersion: number } | undefined;
  now: () => Date;
}

/** `onOwner`: after each owner visited, with the number visited and the walk's total (for progress). */
export async function computeRealmStats(deps: RealmStatsDeps, onOwner?: (visited: number, total: number) => void): Promise<RealmStats> {
  const now = deps.now();
  const [walk, users, groups, tiers] = await Promise.all([deps.owners.open(), deps.counts.countUsers(), deps.counts.countGroups(), deps.counts.countUsersByTier()]);
  const total = walk.groups.length + walk.usersTotal;
  const stats: RealmStats = {
    computedAt: now.toISOString(),
    walk: { scope: walk.scope, indexedAt: walk.indexedAt ?? null, ownersVisited: 0 },
    users,
    usersWithKeys: 0,
    groups,
    groupsWithKeys: 0,
    keys: 0,
    keysByProvider: {},
    keysByStatus: { active: 0, disabled: 0, expired: 0, invalid: 0, unreadable: 0 },
    usersByTier: Object.fromEntries(TIERS.map((tier) => [tier, { users: tiers[tier], withKeys: 0 }])) as RealmStats['usersByTier'],
    valuesByKekVersion: {},
    legacy: { users: 0, keys: 0 },
  };
  let visited = 0;

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

  for (const group of walk.groups) {
    if (count(group)) stats.groupsWithKeys += 1;
    onOwner?.((visited += 1), total);
  }
  for await (const user of walk.users()) {
    if (count(user)) {
      stats.usersWithKeys += 1;
      stats.usersByTier[user.tier ?? 'free'].withKeys += 1;
    }
    const legacy = user.legacy ?? [];
    if (legacy.length > 0) {
      stats.legacy.users += 1;
      stats.legacy.keys += legacy.length;
    }
    onOwner?.((visited += 1), total);
  }
  stats.walk.ownersVisited = visited;
  return stats;
}
