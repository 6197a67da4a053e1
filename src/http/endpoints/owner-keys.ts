/**
 * One router for owner keys: adding (or replacing the secret of), changing, deleting and testing a
 * key are the same endpoints for a user's own keys and for a group's team keys. Only where they are mounted
 * differs: the path, who may call, and how the owner is found (the token's subject, or the `groupId`
 * path parameter with byok-admin). Another owner's key id is "not found", exactly like a missing one.
 */
import type { ErrorCode } from '../../errors.js';
import { addKeyBody, parseAddKey, patchKeyBody } from '../schemas.js';
import { apiEndpoint, type Access, type Endpoint, type Field, type OwnerFinder, type Tag } from './endpoint.js';
import { keyIdField, providerField } from './fields.js';
import { keyView, testResults } from './views.js';

/** Where a set of owner-key endpoints is mounted. */
export interface OwnerKeysMount {
  /** The collection, e.g. `/api/v1/byok/keys` or `/api/v1/admin/groups/{groupId}/keys`. */
  base: string;
  /** Where a key is added (users: `${base}/add`, teams: the collection itself). */
  addPath: string;
  access: Access;
  tag: Tag;
  owner: OwnerFinder;
  /** Path parameters of `base` (documentation and parsing, before provider and keyId). */
  params: Record<string, Field>;
  /** Whose keys, for summaries: "the caller's", "a group's". */
  whose: string;
}

/** Codes of a stored owner: gone (OWNER_NOT_FOUND); and of every write: the owner lock (scale-out). */
export const READ_ERRORS: readonly ErrorCode[] = ['OWNER_NOT_FOUND'];
export const WRITE_ERRORS: readonly ErrorCode[] = ['OWNER_NOT_FOUND', 'OWNER_BUSY', 'REDIS_UNAVAILABLE'];

export const ADD_EXAMPLE = { provider: 'openai', apiKey: 'sk-proj-…', label: 'Personal', expiresAt: '2027-01-31T00:00:00Z' };

export function ownerKeyEndpoints(mount: OwnerKeysMount): Endpoint[] {
  const { tag, access, owner } = mount;
  const keyParams = { ...mount.params, provider: providerField, keyId: keyIdField };
  return [
    apiEndpoint({
      method: 'post',
      path: mount.addPath,
      tag,
      access,
      owner,
      params: mount.params,
      summary: `Add a key to ${mount.whose} keys, or with keyId replace the secret of one`,
      description: 'With `keyId`, the secret (and label, base URL, expiry when given) of that key is replaced and its health is reset: 200 instead of 201.',
      body: addKeyBody,
      bodyExample: ADD_EXAMPLE,
      answer: { status: 201, description: 'The new key', schema: keyView, alternatives: [{ status: 200, description: 'The key whose secret was replaced (with keyId)' }] },
      errors: ['UNKNOWN_PROVIDER', 'INVALID_KEY_FORMAT', 'INVALID_BASE_URL', 'TIER_REQUIRED', 'KEY_LIMIT_REACHED', 'KEY_NOT_FOUND', ...WRITE_ERRORS],
      audit: 'key.add',
      async handle(call, deps) {
        const { input, keyId } = parseAddKey(call.body);
        Object.assign(call.audit, { provider: input.provider, keyId, action: keyId === undefined ? 'key.add' : 'key.replace' });
        if (keyId !== undefined) return { status: 200, body: await deps.keys.replace(call.owner, keyId, input) };
        const added = await deps.keys.add(call.owner, input);
        call.audit.keyId = added.id;
        return { status: 201, body: added };
      },
    }),
    apiEndpoint({
      method: 'patch',
      path: `${mount.base}/{provider}/{keyId}`,
      tag,
      access,
      owner,
      params: keyParams,
      summary: `Change one of ${mount.whose} keys: relabel, enable or disable, set the expiry or replace the secret`,
      body: patchKeyBody,
      bodyExample: { enabled: false },
      answer: { status: 200, description: 'The key', schema: keyView },
      errors: ['INVALID_KEY_FORMAT', 'TIER_REQUIRED', ...WRITE_ERRORS],
      audit: 'key.update',
      async handle(call, deps) {
        call.audit.fields = Object.keys(call.body);
        return { status: 200, body: await deps.keys.update(call.owner, call.params.provider, call.params.keyId, call.body) };
      },
    }),
    apiEndpoint({
      method: 'delete',
      path: `${mount.base}/{provider}/{keyId}`,
      tag,
      access,
      owner,
      params: keyParams,
      summary: `Delete one of ${mount.whose} keys`,
      answer: { status: 204, description: 'Deleted' },
      errors: WRITE_ERRORS,
      audit: 'key.delete',
      async handle(call, deps) {
        await deps.keys.remove(call.owner, call.params.provider, call.params.keyId);
        return { status: 204 };
      },
    }),
    apiEndpoint({
      method: 'post',
      path: `${mount.base}/test/{provider}`,
      tag,
      access,
      owner,
      params: { ...mount.params, provider: providerField },
      query: { keyId: { ...keyIdField, description: 'Only this key' } },
      summary: `Test ${mount.whose} keys of a provider against the provider (or one, with keyId)`,
      description: 'Each key tested is one request to the provider; key tests have a per-caller limit of their own (RATE_LIMIT_KEY_TESTS_PER_MINUTE), shared by every test endpoint.',
      answer: { status: 200, description: 'One result per key tested', schema: testResults },
      errors: ['RATE_LIMITED', ...WRITE_ERRORS],
      audit: 'key.test',
      async handle(call, deps) {
        // Counted once the request is valid: a test sends a request per key to the provider.
        await deps.rateLimits?.keyTest(call.principal);
        return { status: 200, body: { provider: call.params.provider, results: await deps.keys.test(call.owner, call.params.provider, call.query.keyId) } };
      },
    }),
  ];
}
