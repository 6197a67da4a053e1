/**
 * The OpenAPI 3.1 document of the service (`GET /openapi.json`, rendered by `/docs`), read from the
 * endpoint table (endpoints/): paths, parameters, bodies (the zod schemas the handlers parse with),
 * answers (endpoints/views.ts), every error code each endpoint can answer, roles and audit actions.
 * Nothing here lists operations: an endpoint is documented because it is in the table.
 *
 * Security: OAuth2 with the realm's URLs, so Swagger UI's "Authorize" can get a token: the
 * authorization-code flow (with PKCE; the UI's public client) for users and admins, client credentials
 * for internal services; a plain bearer scheme for a token obtained elsewhere.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../errors.js';
import { AUDIT_ACTIONS } from '../observability/audit.js';
import { ROLE_OF, errorsOf, type Endpoint, type Field } from './endpoints/endpoint.js';
import { errorResponse } from './endpoints/views.js';

export { errorResponse };
export { keyView, ownerKeys, resolution } from './endpoints/views.js';

export interface OpenApiOptions {
  version: string;
  /** Keycloak's public URL and the realm: the OAuth2 flows' URLs. */
  keycloak: { url: string; realm: string };
  serverUrl?: string;
}

const ERROR_EXAMPLE_REQUEST_ID = '8f0d2c1e-5b7a-4c3d-9e6f-1a2b3c4d5e6f';

/** The document; built once per process (it depends on nothing that changes). */
export function openApiDocument(endpoints: readonly Endpoint[], options: OpenApiOptions): Record<string, unknown> {
  const components: Record<string, unknown> = {};
  const schema = (zod: z.ZodType, io: 'input' | 'output') => {
    const json = z.toJSONSchema(zod, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
    // Named schemas (meta id) become components, referenced everywhere else.
    const defs = json.$defs as Record<string, unknown> | undefined;
    if (defs) Object.assign(components, rewriteRefs(defs));
    delete json.$defs;
    delete json.$schema;
    const id = json.id;
    if (typeof id === 'string') {
      // A named schema at the top: keep it as a component and refer to it.
      delete json.id;
      components[id] = rewriteRefs(json);
      return { $ref: `#/components/schemas/${id}` };
    }
    return rewriteRefs(json);
  };
  const errorSchema = schema(errorResponse, 'output');

  const paths: Record<string, Record<string, unknown>> = {};
  for (const endpoint of endpoints) {
    const pathFields: Record<string, Pick<Field, 'description' | 'schema'> & { example?: string }> = endpoint.params ?? {};
    const parameters = [
      ...[...endpoint.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => {
        const field = pathFields[name as string];
        if (field === undefined) throw new Error(`${endpoint.method.toUpperCase()} ${endpoint.path}: no field for the path parameter ${name}`);
        return { name, in: 'path', required: true, description: field.description, schema: schema(field.schema, 'input'), ...(field.example ? { example: field.example } : {}) };
      }),
      ...Object.entries((endpoint.kind === 'api' ? endpoint.query : undefined) ?? {}).map(([name, field]) => {
        const q = field as Field<unknown>;
        return { name, in: 'query', required: q.required === true, description: q.description, schema: schema(q.schema, 'input'), ...(q.example ? { example: q.example } : {}) };
      }),
    ];
    const { answer } = endpoint;
    const responses: Record<string, unknown> = {
      [String(answer.status)]: {
        description: answer.description,
        ...(answer.schema || answer.contentType
          ? { content: { [answer.contentType ?? 'application/json']: answer.schema ? { schema: schema(answer.schema, 'output') } : {} } }
          : {}),
      },
    };
    for (const alternative of answer.alternatives ?? []) {
      responses[String(alternative.status)] = { description: alternative.description, content: (responses[String(answer.status)] as { content?: unknown }).content };
    }
    const codes = errorsOf(endpoint);
    const byStatus = new Map<number, ErrorCode[]>();
    for (const code of codes) byStatus.set(ERROR_CODES[code].status, [...(byStatus.get(ERROR_CODES[code].status) ?? []), code]);
    for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
      responses[String(status)] = {
        description: list.map((code) => `\`${code}\`: ${ERROR_CODES[code].message}`).join(' '),
        ...(status === 429 || status === 503 ? { headers: { 'Retry-After': { description: 'Seconds to wait before retrying', schema: { type: 'integer' } } } } : {}),
        content: {
          'application/json': {
            schema: errorSchema,
            examples: Object.fromEntries(list.map((code) => [code, { value: { error: { code, message: ERROR_CODES[code].message, requestId: ERROR_EXAMPLE_REQUEST_ID } } }])),
          },
        },
      };
    }
    const role = ROLE_OF[endpoint.access];
    const security =
      endpoint.access === 'public'
        ? []
        : endpoint.access === 'internal'
          ? [{ clientCredentials: [] }, { bearer: [] }]
          : [{ authorizationCode: [] }, { bearer: [] }];
    const notes = [
      endpoint.description,
      role ? `Needs the realm role \`${role}\`.` : endpoint.access === 'user' ? 'Any user token of the realm.' : undefined,
      endpoint.kind === 'api' && endpoint.audit ? `Audited: \`${endpoint.audit}\`.` : undefined,
    ].filter(Boolean);
    (paths[endpoint.path] ??= {})[endpoint.method] = {
      operationId: operationId(endpoint),
      summary: endpoint.summary,
      tags: [endpoint.tag],
      security,
      ...(notes.length > 0 ? { description: notes.join(' ') } : {}),
      ...(parameters.length > 0 ? { parameters } : {}),
      ...(endpoint.kind === 'api' && endpoint.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: schema(endpoint.body, 'input'), ...(endpoint.bodyExample ? { example: endpoint.bodyExample } : {}) } },
            },
          }
        : {}),
      responses,
      ...(endpoint.kind === 'api' && endpoint.audit ? { 'x-audit-action': endpoint.audit } : {}),
    };
  }

  const realm = `${options.keycloak.url.replace(/\/$/, '')}/realms/${encodeURIComponent(options.keycloak.realm)}/protocol/openid-connect`;
  return {
    openapi: '3.1.0',
    info: {
      title: 'byok-vault',
      version: options.version,
      description:
        'Bring-your-own-key vault: users store AI provider API keys (encrypted in Keycloak); internal services resolve them. ' +
        'Every error is `{"error": {"code", "message", "requestId", "details"?}}` with a stable `code` (listed per operation). ' +
        '429 and 503 answers carry `Retry-After`. Audit actions: ' +
        AUDIT_ACTIONS.join(', ') +
        '.',
    },
    ...(options.serverUrl ? { servers: [{ url: options.serverUrl }] } : {}),
    tags: [
      { name: 'user', description: "A user's own keys (user token)" },
      { name: 'internal', description: 'Internal services (client-credentials token with byok-internal)' },
      { name: 'gateway', description: 'The signing gateway: provider APIs with the key set by the vault (user token, or internal token with X-Byok-User)' },
      { name: 'admin', description: 'Administration (user token with byok-admin)' },
      { name: 'operations', description: 'Probes, metrics and this document' },
      { name: 'ui', description: 'The web UI' },
    ],
    paths,
    components: {
      schemas: components,
      securitySchemes: {
        authorizationCode: {
          type: 'oauth2',
          description: "Users and admins: sign in at Keycloak (authorization code with PKCE, the web UI's public client).",
          flows: { authorizationCode: { authorizationUrl: `${realm}/auth`, tokenUrl: `${realm}/token`, scopes: {} } },
        },
        clientCredentials: {
          type: 'oauth2',
          description: 'Internal services: a confidential client of the realm whose service account has the realm role byok-internal.',
          flows: { clientCredentials: { tokenUrl: `${realm}/token`, scopes: {} } },
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'An access token of the Keycloak realm, obtained elsewhere' },
      },
    },
  };
}

function operationId(endpoint: Endpoint): string {
  const words = endpoint.path
    .replace(/^\/api\/v1\//, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1));
  return `${endpoint.method}${words.join('') || 'Root'}`;
}

/** zod writes `#/$defs/X`; OpenAPI documents keep named schemas under components. */
function rewriteRefs<T>(value: T): T {
  return JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
}
