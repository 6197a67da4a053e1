/**
 * docs/api.md#user-api: a user's own keys (any user token), and the team keys of their groups (read-only).
 * The owner is always the token's subject; the key endpoints shared with team keys come from owner-keys.ts.
 */
import { preferencesBody } from '../schemas.js';
import { apiEndpoint, type Endpoint } from './endpoint.js';
import { providerField, tokenSubject } from './fields.js';
import { ownerKeyEndpoints, READ_ERRORS, WRITE_ERRORS } from './owner-keys.js';
import { keyStats, me, ownerKeys, preferences, providers, teamKeys } from './views.js';
import { teamKeysOf } from '../../vault/directory.js';

const A = '/api/v1';

export const userEndpoints: Endpoint[] = [
  apiEndpoint({
    method: 'get',
    path: `${A}/me`,
    tag: 'user',
    access: 'user',
    summary: 'Who the token says the caller is',
    description: 'The UI shows it; clients use it to check a token. `subject` is the user id internal services resolve for.',
    answer: { status: 200, description: 'The caller', schema: me },
    errors: [],
    async handle({ principal }) {
      return {
        status: 200,
        headers: { 'Cache-Control': 'no-store' },
        body: {
          subject: principal.subject,
          username: principal.username ?? null,
          clientId: principal.clientId ?? null,
          roles: [...principal.realmRoles].filter((role) => role.startsWith('byok-')).sort(),
        },
      };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/byok/providers`,
    tag: 'user',
    access: 'user',
    summary: 'The providers keys can be stored for',
    answer: { status: 200, description: 'Providers', schema: providers },
    errors: [],
    async handle(_call, deps) {
      return {
        status: 200,
        body: {
          providers: deps.registry.list().map((provider) => ({
            id: provider.id,
            name: provider.name,
            keyHint: provider.keyHint,
            requiresBaseUrl: provider.requiresBaseUrl,
            defaultBaseUrl: provider.baseUrl ?? null,
            testable: true,
          })),
        },
      };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/byok/keys`,
    tag: 'user',
    access: 'user',
    owner: tokenSubject,
    summary: "The caller's keys (masked), tier and whether adding is allowed",
    query: { provider: { ...providerField, description: 'Only this provider' } },
    answer: { status: 200, description: 'Keys per provider', schema: ownerKeys },
    errors: READ_ERRORS,
    async handle(call, deps) {
      return { status: 200, body: await deps.keys.list(call.owner, call.query.provider) };
    },
  }),
  ...ownerKeyEndpoints({ base: `${A}/byok/keys`, addPath: `${A}/byok/keys/add`, tag: 'user', access: 'user', owner: tokenSubject, params: {}, whose: "the caller's" }),
  apiEndpoint({
    method: 'delete',
    path: `${A}/byok/keys/{provider}`,
    tag: 'user',
    access: 'user',
    owner: tokenSubject,
    params: { provider: providerField },
    summary: "Delete all the caller's keys of a provider",
    answer: { status: 204, description: 'Deleted' },
    errors: WRITE_ERRORS,
    audit: 'provider.delete',
    async handle(call, deps) {
      await deps.keys.removeProvider(call.owner, call.params.provider);
      return { status: 204 };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/byok/team-keys`,
    tag: 'user',
    access: 'user',
    owner: tokenSubject,
    summary: "The team keys of the caller's groups (masked, read-only), in the order resolution tries them",
    description:
      "Every group the caller belongs to, with its keys per provider (a group without keys has none). Resolution's team steps serve them when the caller has no usable key of their own for the provider (the default RESOLUTION_CHAIN), never while `strict` is on.",
    answer: { status: 200, description: 'Team keys per group', schema: teamKeys },
    errors: READ_ERRORS,
    async handle(call, deps) {
      return { status: 200, body: await teamKeysOf(deps, call.owner.id) };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/byok/stats`,
    tag: 'user',
    access: 'user',
    owner: tokenSubject,
    summary: "Usage and status counts of the caller's keys",
    answer: { status: 200, description: 'Stats per provider', schema: keyStats },
    errors: READ_ERRORS,
    async handle(call, deps) {
      return { status: 200, body: await deps.keys.stats(call.owner) };
    },
  }),
  apiEndpoint({
    method: 'get',
    path: `${A}/byok/preferences`,
    tag: 'user',
    access: 'user',
    owner: tokenSubject,
    summary: "The caller's resolution preferences",
    answer: { status: 200, description: 'Preferences', schema: preferences },
    errors: READ_ERRORS,
    async handle(call, deps) {
      return { status: 200, body: await deps.keys.preferences(call.owner) };
    },
  }),
  apiEndpoint({
    method: 'put',
    path: `${A}/byok/preferences`,
    tag: 'user',
    access: 'user',
    owner: tokenSubject,
    summary: 'Set strict mode (only own keys, no team or platform fallback)',
    body: preferencesBody,
    bodyExample: { strict: true },
    answer: { status: 200, description: 'Preferences', schema: preferences },
    errors: WRITE_ERRORS,
    audit: 'preferences.update',
    async handle(call, deps) {
      call.audit.fields = Object.keys(call.body);
      return { status: 200, body: await deps.keys.setPreferences(call.owner, call.body) };
    },
  }),
];
