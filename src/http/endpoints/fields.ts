/**
 * Path and query parameters shared by endpoints: what the document says about each, and the parser
 * the handler's value comes from (an id that cannot exist is "not found", as a missing one is).
 */
import { z } from 'zod';
import { AppError } from '../../errors.js';
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

/** What operators type to find users or groups: 1 to 100 characters once trimmed, no control characters. */
export const SEARCH_MAX_LENGTH = 100;
export const USERS_MAX_DEFAULT = 20;
export const USERS_MAX_LIMIT = 50;

function searchProblem(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return 'is required, once';
  const text = raw.trim();
  if (text === '') return 'must not be empty';
  if (text.length > SEARCH_MAX_LENGTH) return `at most ${SEARCH_MAX_LENGTH} characters`;
  if (/\p{Cc}/u.test(text)) return 'must not contain control characters';
  return undefined;
}

function parseSearch(raw: unknown): string {
  const problem = searchProblem(raw);
  if (problem !== undefined) throw new AppError('VALIDATION_FAILED', { message: `search ${problem}.`, details: [{ path: 'search', message: problem }] });
  return (raw as string).trim();
}

const searchSchema = z.string().min(1).max(SEARCH_MAX_LENGTH);

/** `GET /admin/users?search=`: required. */
export const userSearchField = {
  description: `Part of a username, email, first or last name (1 to ${SEARCH_MAX_LENGTH} characters; several words must all match; an exact username or email comes first)`,
  schema: searchSchema,
  example: 'dave',
  parse: parseSearch,
  errors: ['VALIDATION_FAILED'],
  required: true as const,
} satisfies Field<string>;

/** `GET /admin/groups?search=`: optional. */
export const groupSearchField: Field<string> = {
  description: `Part of a group's name (1 to ${SEARCH_MAX_LENGTH} characters, case-insensitive; subgroups included)`,
  schema: searchSchema,
  example: 'team',
  parse: parseSearch,
  errors: ['VALIDATION_FAILED'],
};

/** `GET /admin/users?max=`: how many users at most (1 to 50, default 20). */
export const userMaxField: Field<number> = {
  description: `At most this many users (1 to ${USERS_MAX_LIMIT}; default ${USERS_MAX_DEFAULT})`,
  schema: z.int().min(1).max(USERS_MAX_LIMIT).default(USERS_MAX_DEFAULT),
  example: String(USERS_MAX_DEFAULT),
  parse(raw) {
    const value = typeof raw === 'string' && /^\d{1,3}$/.test(raw) ? Number(raw) : Number.NaN;
    if (!(value >= 1 && value <= USERS_MAX_LIMIT)) {
      const message = `an integer from 1 to ${USERS_MAX_LIMIT}`;
      throw new AppError('VALIDATION_FAILED', { message: `max must be ${message}.`, details: [{ path: 'max', message: `must be ${message}` }] });
    }
    return value;
  },
  errors: ['VALIDATION_FAILED'],
};
