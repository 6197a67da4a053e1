/**
 * The OwnerDirectory on Keycloak (docs/api.md#admin-api): finding users and groups for the admin
 * console, each with its byok attributes read as the owner store reads them (no secret is decrypted
 * here). Reads only; every call goes through the one admin client (service token, retries, errors).
 *
 * Users: Keycloak's users search (`search`) matches a word against username, email, first and last
 * name; a word wrapped in `*` matches anywhere in them (Keycloak turns `*` into SQL's `%` and escapes
 * `%` and `_`), and several words must all match. A word in double quotes matches exactly, which
 * puts an exact username or email first even when more than `max` users contain the text.
 * Groups: with a search, Keycloak's group name search (case-insensitive, anywhere in the name, every
 * level of the tree) as one flat list (`populateHierarchy=false`); without one, the walk over the tree.
 */
import type { DirectoryGroup, DirectoryUser, OwnerDirectory } from '../vault/ports.js';
import type { GroupRepresentation, KeycloakAdmin, UserRepresentation } from './admin-client.js';
import { fromRepresentation, walkGroups } from './owner-store.js';

/** Keycloak leaves out an unset email or name; an empty one counts as unset too. */
const textOrNull = (value: string | undefined): string | null => (value === undefined || value === '' ? null : value);

function toUser(user: UserRepresentation & { id: string }): DirectoryUser {
  return {
    id: user.id,
    username: user.username ?? '',
    email: textOrNull(user.email),
    firstName: textOrNull(user.firstName),
    lastName: textOrNull(user.lastName),
    // Full representations always carry `enabled`; only an explicit false disables (as the store reads it).
    enabled: user.enabled !== false,
    stored: fromRepresentation({ kind: 'user', id: user.id }, user),
  };
}

function toGroup(group: GroupRepresentation & { id: string }): DirectoryGroup {
  const name = group.name ?? '';
  return { id: group.id, name, path: group.path ?? `/${name}`, stored: fromRepresentation({ kind: 'group', id: group.id }, group) };
}

const hasId = <T extends { id?: string | undefined }>(representation: T): representation is T & { id: string } => typeof representation.id === 'string';

export function createKeycloakDirectory(admin: Pick<KeycloakAdmin, 'call' | 'getUser'>): OwnerDirectory {
  const findUsers = (search: string, max: number) =>
    admin.call('users.find', (kc) => kc.users.find({ search, first: 0, max, briefRepresentation: false }));

  return {
    async searchUsers(text, max) {
      const words = text.trim().split(/\s+/).filter((word) => word !== '');
      if (words.length === 0) return [];
      const [exact, partial] = await Promise.all([
        words.length === 1 && !words[0]!.includes('"') ? findUsers(`"${words[0]}"`, max) : Promise.resolve([]),
        findUsers(words.map((word) => `*${word}*`).join(' '), max),
      ]);
      const seen = new Set<string>();
      const users: DirectoryUser[] = [];
      for (const user of [...exact, ...partial]) {
        if (!hasId(user) || seen.has(user.id)) continue;
        seen.add(user.id);
        users.push(toUser(user));
        if (users.length === max) break;
      }
      return users;
    },

    async user(userId) {
      // The admin client answers Keycloak's 404 with null for this call (the store reads it the same way).
      const user = await admin.getUser(userId);
      return user && hasId(user) ? toUser(user) : undefined;
    },

    async groups(search, max) {
      const found: GroupRepresentation[] = [];
      if (search !== undefined) {
        found.push(
          ...(await admin.call('groups.find', (kc) => kc.groups.find({ search, first: 0, max: max + 1, briefRepresentation: false, populateHierarchy: false }))),
        );
      } else {
        for await (const group of walkGroups(admin)) {
          found.push(group);
          if (found.length > max) break;
        }
      }
      const groups = found
        .filter(hasId)
        .map(toGroup)
        .sort((a, b) => a.path.localeCompare(b.path));
      return { groups: groups.slice(0, max), truncated: groups.length > max };
    },
  };
}
