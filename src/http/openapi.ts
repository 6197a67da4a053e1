/**
 * The OpenAPI 3.1 document of the service (`GET /openapi.json`, rendered by `/docs`), generated from
 * the zod schemas the routes parse with (request bodies) and the response schemas below, which
 * describe what the routes answer (the integration suite parses real answers with them). The table of
 * operations is data; a test checks that every route the Express app serves is in it, so a new route
 * without documentation fails the build.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { AUDIT_ACTIONS } from '../observability/audit.js';
import { PROVIDER_IDS } from '../providers/registry.js';
import { HEALTH_ISSUES, TEST_STATUSES } from '../vault/key-record.js';
import { TIERS } from '../vault/tiers.js';
import { addKeyBody, patchKeyBody, preferencesBody, reportBody, resolveBody, tierBody } from './schemas.js';

// ---------------------------------------------------------------------------------------------
// Response schemas (documentation of what the routes answer).

const providerId = z.enum(PROVIDER_IDS);
const tier = z.enum(TIERS);
const dateTime = z.iso.datetime({ offset: true });

export const errorResponse = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      requestId: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const keyView = z
  .object({
    id: z.string(),
    provider: providerId,
    label: z.string(),
    maskedKey: z.string().describe('The first and last four characters; never the key'),
    enabled: z.boolean(),
    status: z.enum(['active', 'disabled', 'expired', 'invalid']),
    createdAt: dateTime,
    updatedAt: dateTime,
    expiresAt: dateTime.nullable(),
    lastUsedAt: dateTime.nullable(),
    lastTestedAt: dateTime.nullable(),
    testStatus: z.enum(TEST_STATUSES).nullable(),
    healthIssue: z.enum(HEALTH_ISSUES).nullable(),
    baseUrl: z.string().nullable(),
  })
  .meta({ id: 'KeyView' });

export const ownerKeys = z
  .object({
    tier: tier.optional(),
    canAddKeys: z.boolean(),
    addKeysBlockedBy: z.enum(['tier']).nullable(),
    requiredTier: tier,
    maxKeysPerProvider: z.number().int(),
    providers: z.array(z.object({ provider: providerId, keys: z.array(keyView) })),
  })
  .meta({ id: 'OwnerKeys' });

export const resolution = z
  .object({
    provider: providerId,
    model: z.string().optional(),
    baseUrl: z.string().nullable(),
    apiKey: z.string().describe('The secret: this is the only response of the service that carries one'),
    source: z.enum(['user', 'group', 'system']),
    keyId: z.string().optional(),
    label: z.string().optional(),
  })
  .meta({ id: 'Resolution' });

const testResults = z.object({
  provider: providerId,
  results: z.array(z.object({ keyId: z.string(), status: z.enum(TEST_STATUSES), testedAt: dateTime })),
});

const providers = z.object({
  providers: z.array(
    z.object({ id: providerId, name: z.string(), keyHint: z.string(), requiresBaseUrl: z.boolean(), defaultBaseUrl: z.string().nullable(), testable: z.boolean() }),
  ),
});

const me = z.object({ subject: z.string(), username: z.string().nullable(), clientId: z.string().nullable(), roles: z.array(z.string()) });
const preferences = z.object({ strict: z.boolean() });
const anyObject = z.object({}).catchall(z.unknown());
const readiness = z.object({
  status: z.enum(['ready', 'not_ready']),
  reason: z.string().optional(),
  checks: z.array(z.object({ name: z.string(), ok: z.boolean(), detail: z.string().optional() })),
});

// ---------------------------------------------------------------------------------------------
// Operations.

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Access = 'user' | 'internal' | 'admin' | 'public';

interface Operation {
  method: Method;
  path: string;
  summary: string;
  tag: 'user' | 'internal' | 'admin' | 'operations' | 'ui';
  access: Access;
  query?: Record<string, { description: string; schema: z.ZodType; required?: boolean }>;
  body?: z.ZodType;
  ok: { status: number; description: string; schema?: z.ZodType; contentType?: string };
  errors?: ErrorCode[];
}

const PATH_PARAMS: Record<string, { description: string; schema: z.ZodType }> = {
  provider: { description: 'Provider id (see GET /api/v1/byok/providers)', schema: providerId },
  keyId: { description: 'Key id', schema: z.string() },
  userId: { description: 'Keycloak user id', schema: z.string() },
  groupId: { description: 'Keycloak group id', schema: z.string() },
  file: { description: 'File name', schema: z.enum(['swagger-ui.css', 'swagger-ui-bundle.js']) },
};

const A = '/api/v1';
const keyErrors: ErrorCode[] = ['VALIDATION_FAILED', 'UNKNOWN_PROVIDER', 'KEY_NOT_FOUND', 'KEYCLOAK_UNAVAILABLE'];
const addErrors: ErrorCode[] = ['VALIDATION_FAILED', 'UNKNOWN_PROVIDER', 'INVALID_KEY_FORMAT', 'INVALID_BASE_URL', 'TIER_REQUIRED', 'KEY_LIMIT_REACHED', 'KEY_NOT_FOUND', 'KEYCLOAK_UNAVAILABLE'];

export const OPERATIONS: readonly Operation[] = [
  // docs/api.md#user-api users
  { method: 'get', path: `${A}/me`, tag: 'user', access: 'user', summary: 'Who the token says the caller is', ok: { status: 200, description: 'The caller', schema: me } },
  { method: 'get', path: `${A}/byok/providers`, tag: 'user', access: 'user', summary: 'The providers keys can be stored for', ok: { status: 200, description: 'Providers', schema: providers } },
  {
    method: 'get',
    path: `${A}/byok/keys`,
    tag: 'user',
    access: 'user',
    summary: "The caller's keys (masked), tier and whether adding is allowed",
    query: { provider: { description: 'Only this provider', schema: providerId } },
    ok: { status: 200, description: 'Keys per provider', schema: ownerKeys },
    errors: ['UNKNOWN_PROVIDER', 'KEYCLOAK_UNAVAILABLE'],
  },
  {
    method: 'post',
    path: `${A}/byok/keys/add`,
    tag: 'user',
    access: 'user',
    summary: 'Add a key, or with keyId replace the secret of one',
    body: addKeyBody,
    ok: { status: 201, description: 'The new key (200 when a secret was replaced)', schema: keyView },
    errors: addErrors,
  },
  { method: 'patch', path: `${A}/byok/keys/{provider}/{keyId}`, tag: 'user', access: 'user', summary: 'Relabel, enable or disable, set expiry or replace the secret', body: patchKeyBody, ok: { status: 200, description: 'The key', schema: keyView }, errors: [...keyErrors, 'TIER_REQUIRED', 'INVALID_KEY_FORMAT'] },
  { method: 'delete', path: `${A}/byok/keys/{provider}/{keyId}`, tag: 'user', access: 'user', summary: 'Delete one key', ok: { status: 204, description: 'Deleted' }, errors: keyErrors },
  { method: 'delete', path: `${A}/byok/keys/{provider}`, tag: 'user', access: 'user', summary: "Delete all the caller's keys of a provider", ok: { status: 204, description: 'Deleted' }, errors: ['UNKNOWN_PROVIDER', 'KEYCLOAK_UNAVAILABLE'] },
  {
    method: 'post',
    path: `${A}/byok/keys/test/{provider}`,
    tag: 'user',
    access: 'user',
    summary: "Test the caller's keys of a provider against the provider (or one, with keyId)",
    query: { keyId: { description: 'Only this key', schema: z.string() } },
    ok: { status: 200, description: 'One result per key tested', schema: testResults },
    errors: [...keyErrors, 'RATE_LIMITED'],
  },
  { method: 'get', path: `${A}/byok/stats`, tag: 'user', access: 'user', summary: "Usage and status counts of the caller's keys", ok: { status: 200, description: 'Stats', schema: anyObject }, errors: ['KEYCLOAK_UNAVAILABLE'] },
  { method: 'get', path: `${A}/byok/preferences`, tag: 'user', access: 'user', summary: "The caller's resolution preferences", ok: { status: 200, description: 'Preferences', schema: preferences } },
  { method: 'put', path: `${A}/byok/preferences`, tag: 'user', access: 'user', summary: 'Set strict mode (only own keys, no team or platform fallback)', body: preferencesBody, ok: { status: 200, description: 'Preferences', schema: preferences }, errors: ['VALIDATION_FAILED'] },
  // docs/api.md#internal-api internal
  {
    method: 'post',
    path: `${A}/internal/resolve`,
    tag: 'internal',
    access: 'internal',
    summary: 'The key to use for a user and a model or provider (round-robin, fallback chain)',
    body: resolveBody,
    ok: { status: 200, description: 'The key and where it came from', schema: resolution },
    errors: ['VALIDATION_FAILED', 'UNKNOWN_PROVIDER', 'UNKNOWN_MODEL', 'NO_KEY_AVAILABLE', 'KEYCLOAK_UNAVAILABLE'],
  },
  { method: 'post', path: `${A}/internal/report`, tag: 'internal', access: 'internal', summary: 'Report how a resolved key fared (cool-down, unauthorized, quota)', body: reportBody, ok: { status: 204, description: 'Recorded' }, errors: ['VALIDATION_FAILED', 'UNKNOWN_PROVIDER', 'KEY_NOT_FOUND'] },
  // docs/api.md#admin-api admin
  { method: 'get', path: `${A}/admin/stats`, tag: 'admin', access: 'admin', summary: 'Adoption: owners with keys, keys per provider and status, resolves by source', ok: { status: 200, description: 'Stats', schema: anyObject } },
  { method: 'get', path: `${A}/admin/users/{userId}/keys`, tag: 'admin', access: 'admin', summary: "A user's keys (masked, read-only)", ok: { status: 200, description: 'Keys', schema: z.object({ keys: z.array(keyView) }) }, errors: ['OWNER_NOT_FOUND'] },
  { method: 'put', path: `${A}/admin/users/{userId}/tier`, tag: 'admin', access: 'admin', summary: "Set a user's subscription tier", body: tierBody, ok: { status: 200, description: 'The tier', schema: z.object({ tier }) }, errors: ['VALIDATION_FAILED', 'OWNER_NOT_FOUND'] },
  { method: 'get', path: `${A}/admin/groups/{groupId}/keys`, tag: 'admin', access: 'admin', summary: "A group's team keys (masked)", ok: { status: 200, description: 'Keys', schema: z.object({ keys: z.array(keyView) }) }, errors: ['OWNER_NOT_FOUND'] },
  { method: 'post', path: `${A}/admin/groups/{groupId}/keys`, tag: 'admin', access: 'admin', summary: 'Add a team key, or with keyId replace its secret', body: addKeyBody, ok: { status: 201, description: 'The new key (200 when a secret was replaced)', schema: keyView }, errors: [...addErrors, 'OWNER_NOT_FOUND'] },
  { method: 'patch', path: `${A}/admin/groups/{groupId}/keys/{provider}/{keyId}`, tag: 'admin', access: 'admin', summary: 'Change a team key', body: patchKeyBody, ok: { status: 200, description: 'The key', schema: keyView }, errors: [...keyErrors, 'OWNER_NOT_FOUND'] },
  { method: 'delete', path: `${A}/admin/groups/{groupId}/keys/{provider}/{keyId}`, tag: 'admin', access: 'admin', summary: 'Delete a team key', ok: { status: 204, description: 'Deleted' }, errors: [...keyErrors, 'OWNER_NOT_FOUND'] },
  // docs/api.md#operations-endpoints operations
  { method: 'get', path: '/healthz', tag: 'operations', access: 'public', summary: 'Liveness: the process answers', ok: { status: 200, description: 'Alive', schema: z.object({ status: z.literal('ok') }) } },
  { method: 'get', path: '/readyz', tag: 'operations', access: 'public', summary: 'Readiness: Keycloak, the service account and the realm policy (503 with the reason otherwise)', ok: { status: 200, description: 'Ready', schema: readiness }, errors: ['NOT_READY'] },
  {
    method: 'get',
    path: '/metrics',
    tag: 'operations',
    access: 'public',
    summary: 'Prometheus metrics: on this port only with `Authorization: Bearer <METRICS_TOKEN>` (or on METRICS_PORT instead)',
    ok: { status: 200, description: 'Prometheus text format', contentType: 'text/plain' },
    errors: ['UNAUTHENTICATED'],
  },
  { method: 'get', path: '/openapi.json', tag: 'operations', access: 'public', summary: 'This document', ok: { status: 200, description: 'OpenAPI 3.1', schema: anyObject } },
  { method: 'get', path: '/docs', tag: 'operations', access: 'public', summary: 'This document, rendered (Swagger UI)', ok: { status: 200, description: 'HTML page', contentType: 'text/html' } },
  { method: 'get', path: '/docs/init.js', tag: 'operations', access: 'public', summary: "The /docs page's script", ok: { status: 200, description: 'JavaScript', contentType: 'text/javascript' } },
  { method: 'get', path: '/docs/assets/{file}', tag: 'operations', access: 'public', summary: "Swagger UI's files (swagger-ui.css, swagger-ui-bundle.js)", ok: { status: 200, description: 'The file' }, errors: ['NOT_FOUND'] },
  // docs/web-ui.md web UI
  { method: 'get', path: '/', tag: 'ui', access: 'public', summary: 'The web UI', ok: { status: 200, description: 'HTML page', contentType: 'text/html' } },
  { method: 'get', path: '/index.html', tag: 'ui', access: 'public', summary: 'The web UI', ok: { status: 200, description: 'HTML page', contentType: 'text/html' } },
  { method: 'get', path: '/favicon.svg', tag: 'ui', access: 'public', summary: 'The icon', ok: { status: 200, description: 'SVG', contentType: 'image/svg+xml' } },
  {
    method: 'get',
    path: '/ui-config.json',
    tag: 'ui',
    access: 'public',
    summary: 'What the browser needs to sign in: Keycloak URL, realm, public client',
    ok: { status: 200, description: 'UI configuration', schema: z.object({ keycloakUrl: z.string(), realm: z.string(), clientId: z.string() }) },
  },
];

const ROLE_OF: Record<Exclude<Access, 'public'>, string | undefined> = { user: undefined, internal: 'byok-internal', admin: 'byok-admin' };

/** The document; built once per process (it depends on nothing that changes). */
export function openApiDocument(options: { version: string; serverUrl?: string }): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const schema = (zod: z.ZodType, io: 'input' | 'output') => {
    const json = z.toJSONSchema(zod, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
    // Named schemas (meta id) become components, referenced everywhere else.
    const defs = json.$defs as Record<string, unknown> | undefined;
    if (defs) Object.assign(components, rewriteRefs(defs));
    delete json.$defs;
    delete json.$schema;
    return rewriteRefs(json);
  };
  const errorSchema = { $ref: '#/components/schemas/Error' };
  components.Error = schema(errorResponse, 'output');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const parameters = [
      ...[...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
        name,
        in: 'path',
        required: true,
        description: PATH_PARAMS[name as string]?.description,
        schema: schema(PATH_PARAMS[name as string]?.schema ?? z.string(), 'input'),
      })),
      ...Object.entries(op.query ?? {}).map(([name, q]) => ({ name, in: 'query', required: q.required ?? false, description: q.description, schema: schema(q.schema, 'input') })),
    ];
    const responses: Record<string, unknown> = {
      [String(op.ok.status)]: {
        description: op.ok.description,
        ...(op.ok.schema || op.ok.contentType
          ? { content: { [op.ok.contentType ?? 'application/json']: op.ok.schema ? { schema: schema(op.ok.schema, 'output') } : {} } }
          : {}),
      },
    };
    const errorCodes = new Set<ErrorCode>(op.errors ?? []);
    if (op.access !== 'public') errorCodes.add('UNAUTHENTICATED');
    if (op.access === 'internal' || op.access === 'admin') errorCodes.add('FORBIDDEN');
    if (op.body) errorCodes.add('MALFORMED_JSON').add('PAYLOAD_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of errorCodes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
    for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = { description: `Error: ${codes.join(', ')}`, content: { 'application/json': { schema: errorSchema } } };
    }
    const role = op.access === 'public' ? undefined : ROLE_OF[op.access];
    (paths[op.path] ??= {})[op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      tags: [op.tag],
      ...(op.access === 'public' ? { security: [] } : { security: [{ bearer: [] }] }),
      ...(role ? { description: `Needs the realm role \`${role}\`.` } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(op.body ? { requestBody: { required: true, content: { 'application/json': { schema: schema(op.body, 'input') } } } } : {}),
      responses,
    };
  }

  return {
    openapi: '3.1.0',
    info: {
      title: 'byok-vault',
      version: options.version,
      description:
        'Bring-your-own-key vault: users store AI provider API keys (encrypted in Keycloak); internal services resolve them. ' +
        'Errors are `{"error": {"code", "message", "requestId"}}` with stable codes. Audit actions: ' +
        AUDIT_ACTIONS.join(', ') +
        '.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [
      { name: 'user', description: "A user's own keys (user token)" },
      { name: 'internal', description: 'Internal services (client-credentials token with byok-internal)' },
      { name: 'admin', description: 'Administration (user token with byok-admin)' },
      { name: 'operations', description: 'Probes, metrics and this document' },
      { name: 'ui', description: 'The web UI' },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token of the Keycloak realm' } },
    },
  };
}

function operationId(op: Operation): string {
  const words = op.path
    .replace(/^\/api\/v1\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return `${op.method}${words.join('') || 'Root'}`;
}

/** zod writes `#/$defs/X`; OpenAPI documents keep named schemas under components. */
function rewriteRefs<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
}
