/**
 * What the admin console and a user's team-key view are told about owners (docs/api.md#admin-api,
 * docs/api.md#user-api): summaries of users and groups (tier and key count, from the stored
 * attributes, nothing decrypted), and the team keys of a user's groups, masked, in the order the
 * team steps of resolution try them.
 */
import { AppError } from '../errors.js';
import type { ProviderId, ProviderRegistry } from '../providers/registry.js';
import type { KeyView } from './key-record.js';
import type { KeyService } from './key-service.js';
import type { DirectoryGroup, DirectoryUser, Membership, StoredOwner } from './ports.js';
import type { Tier } from './tiers.js';

/** At most this many groups are listed by `GET /admin/groups` (a search narrows them). */
export const GROUPS_LISTED_MAX = 200;

/**
 * The key records stored on an owner, whether or not they decrypt with the keys configured now (no
 * secret is opened to count them); values that are not records at all (broken chunks) and keys in
 * the legacy format are not counted.
 */
export function storedKeyCount(stored: StoredOwner): number {
  let count = 0;
  for (const keys of stored.sealed.values()) count += keys.length;
  return count;
}

export interface UserSummary {
  id: string;
  username: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  enabled: boolean;
  /** The stored tier; null when the attribute is missing or unknown (which counts as free). */
  tier: Tier | null;
  keyCount: number;
}

export function userSummary(user: DirectoryUser): UserSummary {
  const { id, username, email, firstName, lastName, enabled, stored } = user;
  return { id, username, email, firstName, lastName, enabled, tier: stored.tier ?? null, keyCount: storedKeyCount(stored) };
}

export interface GroupSummary {
  id: string;
  name: string;
  path: string;
  keyCount: number;
}

export function groupSummary(group: DirectoryGroup): GroupSummary {
  return { id: group.id, name: group.name, path: group.path, keyCount: storedKeyCount(group.stored) };
}

export interface TeamKeys {
  /** The caller's strict preference: while on, resolution serves none of these keys. */
  strict: boolean;
  teams: { id: string; name: string; path: string; providers: { provider: ProviderId; keys: KeyView[] }[] }[];
}

export interface TeamKeysDeps {
  /** The user's groups as resolution sees them (its membership cache). */
  memberships: { get(userId: string): Promise<readonly Membership[] | undefined> };
  keys: Pick<KeyService, 'listKeys' | 'preferences'>;
  registry: Pick<ProviderRegistry, 'list'>;
}

/**
 * The team keys a user may be served: every group of theirs in resolution's order, each with its
 * keys (masked) per provider, providers in the registry's order; a group without keys has no
 * providers. A group deleted since the membership was read is left out.
 */
export async function teamKeysOf(deps: TeamKeysDeps, userId: string): Promise<TeamKeys> {
  const { strict } = await deps.keys.preferences({ kind: 'user', id: userId });
  const groups = (await deps.memberships.get(userId)) ?? [];
  const teams = await Promise.all(
    groups.map(async (group) => {
      let keys: KeyView[];
      try {
        keys = await deps.keys.listKeys({ kind: 'group', id: group.id });
      } catch (error) {
        if (error instanceof AppError && error.code === 'OWNER_NOT_FOUND') return undefined;
        throw error;
      }
      const providers = deps.registry
        .list()
        .map((descriptor) => ({ provider: descriptor.id, keys: keys.filter((key) => key.provider === descriptor.id) }))
        .filter((entry) => entry.keys.length > 0);
      return { id: group.id, name: group.name, path: group.path, providers };
    }),
  );
  return { strict, teams: teams.filter((team) => team !== undefined) };
}
