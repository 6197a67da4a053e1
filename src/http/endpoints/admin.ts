/**
 * docs/api.md#admin-api: administration (realm role byok-admin): adoption, users' keys (read-only) and tiers, and
 * team keys on groups, whose add/change/delete are the owner-key endpoints mounted on the group.
 */
import { tierBody } from '../schemas.js';
import { apiEndpoint, type Endpoint, type OwnerFinder } from './endpoint.js';
import { groupFromPath, groupIdField, userFromPath, userIdField } from './fields.js';
import { ownerKeyEndpoints, READ_ERRORS, WRITE_ERRORS } from './owner-keys.js';
import { adoptionStats, keyList, tierAnswer } from './views.js';

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
      return { status: 200, body: { keys: await deps.keys.listKeys(call.owner) } };
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
