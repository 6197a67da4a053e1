/**
 * docs/api.md#admin-api: administration (realm role byok-admin): adoption, finding users and groups, users' keys
 * (read-only) and tiers, and team keys on groups, whose add/change/delete/test are the owner-key endpoints
 * mounted on the group.
 */
import { AppError } from '../../errors.js';
import { groupSummary, GROUPS_LISTED_MAX, userSummary } from '../../vault/directory.js';
import { tierBody } from '../schemas.js';
import { apiEndpoint, type Endpoint, type OwnerFinder } from './endpoint.js';
import { groupFromPath, groupIdField, groupSearchField, userFromPath, userIdField, userMaxField, USERS_MAX_DEFAULT, userSearchField } from './fields.js';
import { ownerKeyEndpoints, READ_ERRORS, WRITE_ERRORS } from './owner-keys.js';
import { adoptionStats, groupList, keyList, tierAnswer, userList, userSummary as userSummaryView } from './views.js';

const A = '/api/v1';

/** Reading another person's (or a team's) key list is an audited act: `keys.read`. */
function readKeys(path: string, owner: OwnerFinder, params: Parameters<typeof apiEndpoint>[0]['params'], summary: string): Endpoint {
  return apiEndpoint({
    method: 'get',
    path,
    tag: 'admin',
    access: 'admin',
    owner,
    params,
    summary,
    answer: { status: 200, description: 'Keys (masked)', schema: keyList },
    errors: READ_ERRORS,
    audit: 'keys.read',
    async handle(call, deps) {
      // The same views as listKeys, in the same order (providers in the registry's), with the limit.
      const listed = await deps.keys.list(call.owner);
      return { status: 200, body: { keys: listed.providers.flatMap((entry) => entry.keys), maxKeysPerProvider: listed.maxKeysPerProvider } };
    },
  });
}

export const adminEndpoints: Endpoint[] = [
  apiEndpoint({
    method: 'get',
    path: `${A}/admin/stats`,
    tag: 'admin',
    access: 'admin',
    summary: 'Adoption: owners with keys, keys per provider and status, resolves by source',
    answer: { status: 200, description: 'Stats', schema: adoptionStats },
    errors: [],
    async handle(_call, deps) {
      return { status: 200, body: await deps.adoption.get() };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/admin/users`,
    tag: 'admin',
    access: 'admin',
    query: { search: userSearchField, max: userMaxField },
    summary: 'Find users by username, email or name, with their tier and key count',
    description: `Keycloak's user search: every word of \`search\` anywhere in the username, email, first or last name (case-insensitive); a user whose username or email is exactly \`search\` comes first. At most \`max\` users (default ${USERS_MAX_DEFAULT}). Tier and key count come from the stored attributes: nothing is decrypted.`,
    answer: { status: 200, description: 'Users found', schema: userList },
    errors: [],
    async handle(call, deps) {
      const users = await deps.directory.searchUsers(call.query.search, call.query.max ?? USERS_MAX_DEFAULT);
      return { status: 200, body: { users: users.map(userSummary) } };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/admin/users/{userId}`,
    tag: 'admin',
    access: 'admin',
    params: { userId: userIdField },
    summary: 'One user, with their tier and key count',
    answer: { status: 200, description: 'The user', schema: userSummaryView },
    errors: READ_ERRORS,
    async handle(call, deps) {
      const user = await deps.directory.user(call.params.userId);
      if (user === undefined) throw new AppError('OWNER_NOT_FOUND');
      return { status: 200, body: userSummary(user) };
    },
  }),
  readKeys(`${A}/admin/users/{userId}/keys`, userFromPath, { userId: userIdField }, "A user's keys (masked, read-only)"),
  apiEndpoint({
    method: 'put',
    path: `${A}/admin/users/{userId}/tier`,
    tag: 'admin',
    access: 'admin',
    owner: userFromPath,
    params: { userId: userIdField },
    summary: "Set a user's subscription tier",
    body: tierBody,
    bodyExample: { tier: 'starter' },
    answer: { status: 200, description: 'The tier', schema: tierAnswer },
    errors: WRITE_ERRORS,
    audit: 'tier.set',
    async handle(call, deps) {
      call.audit.fields = ['tier'];
      return { status: 200, body: { tier: await deps.keys.setTier(call.owner.id, call.body.tier) } };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/admin/groups`,
    tag: 'admin',
    access: 'admin',
    query: { search: groupSearchField },
    summary: "The realm's groups (teams), subgroups included, with their key count",
    description: `By path; at most ${GROUPS_LISTED_MAX} (\`truncated\` says when more exist: narrow them with \`search\`, matched anywhere in a group's name, case-insensitive).`,
    answer: { status: 200, description: 'Groups', schema: groupList },
    errors: [],
    async handle(call, deps) {
      const { groups, truncated } = await deps.directory.groups(call.query.search, GROUPS_LISTED_MAX);
      return { status: 200, body: { groups: groups.map(groupSummary), truncated } };
    },
  }),
  readKeys(`${A}/admin/groups/{groupId}/keys`, groupFromPath, { groupId: groupIdField }, "A group's team keys (masked)"),
  ...ownerKeyEndpoints({
    base: `${A}/admin/groups/{groupId}/keys`,
    addPath: `${A}/admin/groups/{groupId}/keys`,
    tag: 'admin',
    access: 'admin',
    owner: groupFromPath,
    params: { groupId: groupIdField },
    whose: "a group's",
  }),
];
