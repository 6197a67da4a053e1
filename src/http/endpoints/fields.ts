/**
 * Path and query parameters shared by endpoints: what the document says about each, and the parser
 * the handler's value comes from (an id that cannot exist is "not found", as a missing one is).
 */
import { z } from 'zod';
import { PROVIDER_IDS } from '../../providers/registry.js';
import { parseKeyId, parseOwnerId, parseProvider } from '../schemas.js';
import type { Field, OwnerFinder } from './endpoint.js';

export const providerField: Field<ReturnType<typeof parseProvider>> = {
  description: 'Provider id (see GET /api/v1/byok/providers)',
  schema: z.enum(PROVIDER_IDS),
  example: 'openai',
  parse: parseProvider,
  errors: ['UNKNOWN_PROVIDER'],
};

export const keyIdField: Field = {
  description: 'Key id (the `id` of a key, or the `keyId` of a resolve answer)',
  schema: z.string(),
  example: 'k_3f9cA7e1b4_d4c0e',
  parse: parseKeyId,
  errors: ['KEY_NOT_FOUND'],
};

const keycloakId = (what: string): Field => ({
  description: `Keycloak ${what} id`,
  schema: z.string(),
  example: '0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d',
  parse: parseOwnerId,
  errors: ['OWNER_NOT_FOUND'],
});
export const userIdField = keycloakId('user');
export const groupIdField = keycloakId('group');

/** The caller's own keys: the owner is the token's subject, whatever the request says. */
export const tokenSubject: OwnerFinder = { of: (principal) => ({ kind: 'user', id: principal.subject }), errors: [] };

/** A group's keys (byok-admin): the owner is the `groupId` path parameter. */
export const groupFromPath: OwnerFinder = { of: (_principal, params) => ({ kind: 'group', id: parseOwnerId(params.groupId) }), errors: ['OWNER_NOT_FOUND'] };

/** A user's keys as an admin sees them: the owner is the `userId` path parameter. */
export const userFromPath: OwnerFinder = { of: (_principal, params) => ({ kind: 'user', id: parseOwnerId(params.userId) }), errors: ['OWNER_NOT_FOUND'] };
