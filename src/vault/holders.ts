/**
 * Realm-wide walks that grow with key holders, not with the realm (docs/storage.md#holder-index).
 *
 * Statistics, rewrap, the legacy migration and the KEK check need only owners that hold keys or
 * legacy keys. The store marks those owners (`holderMark`, kept by every save) and can list them,
 * so a walk visits them alone, once the holder index is complete: every holder carries the mark,
 * which `byok index-holders` guarantees for a realm that held keys before the mark existed (and
 * `byok bootstrap-realm` for a realm it created). Until then a walk visits every owner, as before,
 * and says so (`scope: 'every-owner'`): a walk that trusted an incomplete index would miss keys
 * (a rewrap leaving values under a KEK about to be removed, stats that undercount).
 *
 * What counts as holding byok data is this one function, used by the store when it sets the mark
 * and by the index builder when it checks it:
 * - keys, readable or not (`byok_<provider>_keys`): every walk needs them;
 * - legacy keys (docs/storage.md#legacy-format): migrate-legacy and stats need them.
 * Not by themselves: usage and daily usage (a key's usage goes with the key in the same write; the
 * statistics count only usage of keys that exist), preferences and the tier (on every paying user;
 * the statistics count users per tier with the store's counts, not a walk).
 */
import type { HolderIndexState, OwnerScanner, StoredOwner } from './ports.js';

export function holdsByokData(stored: Pick<StoredOwner, 'sealed' | 'unreadable' | 'legacy'>): boolean {
  for (const keys of stored.sealed.values()) if (keys.length > 0) return true;
  return stored.unreadable.length > 0 || (stored.legacy?.length ?? 0) > 0;
}

/** One realm-wide walk, opened when it starts. */
export interface OwnerWalk {
  /** `holders`: only owners with the holder mark; `every-owner`: the index is not complete. */
  readonly scope: 'holders' | 'every-owner';
  /** When the holder index was completed (scope `holders`). */
  readonly indexedAt: string | undefined;
  /** The groups to visit, read when the walk opened (they are few). */
  readonly groups: readonly StoredOwner[];
  /** Users this walk will visit, as counted when it opened (for progress; writes meanwhile may move it a little). */
  readonly usersTotal: number;
  /** The users to visit, read page by page. */
  users(): AsyncIterable<StoredOwner>;
}

export interface OwnerWalksDeps {
  scanner: Pick<OwnerScanner, 'scanUsers' | 'scanGroups' | 'scanHolders' | 'countUsers' | 'countUserHolders'>;
  index: Pick<HolderIndexState, 'completedAt'>;
  /** Told each time a walk has to visit every owner because the index is not complete. */
  onEveryOwner?: () => void;
}

export type OwnerWalks = ReturnType<typeof createOwnerWalks>;

export function createOwnerWalks(deps: OwnerWalksDeps) {
  const collect = async (owners: AsyncIterable<StoredOwner>) => {
    const all: StoredOwner[] = [];
    for await (const owner of owners) all.push(owner);
    return all;
  };
  return {
    /**
     * Reads whether the index is complete (one store read) and opens the walk that fits.
     * `groups: false` for a walk over users only (the legacy migration).
     */
    async open(options: { groups?: boolean } = {}): Promise<OwnerWalk> {
      const withGroups = options.groups ?? true;
      const indexedAt = await deps.index.completedAt();
      const holders = indexedAt !== undefined;
      if (!holders) deps.onEveryOwner?.();
      const [groups, usersTotal] = await Promise.all([
        withGroups ? collect(holders ? deps.scanner.scanHolders('group') : deps.scanner.scanGroups()) : [],
        holders ? deps.scanner.countUserHolders() : deps.scanner.countUsers(),
      ]);
      return {
        scope: holders ? 'holders' : 'every-owner',
        indexedAt,
        groups,
        usersTotal,
        users: () => (holders ? deps.scanner.scanHolders('user') : deps.scanner.scanUsers()),
      };
    },
  };
}

/** One line for an operator: which owners a walk visited, and what to do when it was all of them. */
/** What every place says of an incomplete index (bootstrap-realm, doctor, the service's log). */
export const INDEX_INCOMPLETE = 'realm walks (stats, rewrap, migrate-legacy, the KEK check, /admin/stats) visit every user and group; run byok index-holders';

export function describeWalk(walk: Pick<OwnerWalk, 'scope' | 'indexedAt'>): string {
  return walk.scope === 'holders'
    ? `key holders only (holder index complete since ${walk.indexedAt})`
    : 'every user and group: the holder index is not complete (run byok index-holders)';
}
