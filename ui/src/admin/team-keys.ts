/**
 * A team's keys as the Manage dialog reads and changes them: the owner-key operations of the admin
 * API on one group (the same endpoints as a user's own, mounted on /api/v1/admin/groups/{groupId}/keys),
 * and the team's key list in the shape of a user's `GET /byok/keys` answer.
 */
import type { Api, KeyView, OwnerKeys } from '../api';
import type { OwnerKeyApi, OwnerView } from '../manage-dialog';

/** `groupId` is read at each call: one dialog serves whichever team is shown. */
export function teamKeyApi(api: Api, groupId: () => string): OwnerKeyApi {
  return {
    add: (key) => api.addGroupKey(groupId(), key),
    replaceSecret: (provider, keyId, apiKey) => api.replaceGroupSecret(groupId(), provider, keyId, apiKey),
    update: (provider, keyId, patch) => api.updateGroupKey(groupId(), provider, keyId, patch),
    remove: (provider, keyId) => api.removeGroupKey(groupId(), provider, keyId),
    test: (provider, keyId) => api.testGroupKey(groupId(), provider, keyId),
  };
}

/**
 * Team keys have no tier gate (docs/storage.md#team-keys); their per-provider limit is the service's
 * default, which the key list carries (until it is read, the add form stays open and a full provider
 * is told by the API).
 */
export function teamOwnerView(keys: readonly KeyView[], maxKeysPerProvider?: number): OwnerView {
  const providers: OwnerKeys['providers'] = [];
  for (const key of keys) {
    const entry = providers.find((candidate) => candidate.provider === key.provider);
    if (entry) entry.keys.push(key);
    else providers.push({ provider: key.provider, keys: [key] });
  }
  return { canAddKeys: true, requiredTier: 'free', providers, ...(maxKeysPerProvider === undefined ? {} : { maxKeysPerProvider, limitHolder: 'a team may hold' }) };
}
