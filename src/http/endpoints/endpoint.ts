/**
 * One endpoint, declared once as data: method, path, who may call it, its parameters and body (zod),
 * its answer, the error codes it can answer, its audit action and its handler. Express's routes
 * (app.ts), the hot path served outside Express, and the OpenAPI document (openapi.ts) are all read
 * from these entries, so adding an endpoint is one entry and its handler.
 *
 * Handlers do not see Express: they get a `Call` (principal, parsed parameters and body, the audit
 * draft) and return a `Reply`; the adapters below write it on a Node response.
 */
import { ADMIN_ROLE, INTERNAL_ROLE } from '../../keycloak/roles.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { z } from 'zod';
import { isAppError, type ErrorCode } from '../../errors.js';
import type { Principal } from '../../keycloak/token-verifier.js';
import type { AuditAction, AuditEvent, AuditLog } from '../../observability/audit.js';
import type { OwnerRef } from '../../vault/ports.js';
import type { AppDeps } from '../app.js';
import { checkRealmRole } from '../middleware/auth.js';
import { sendJson, writeHead } from '../middleware/errors.js';
import { parseBody } from '../schemas.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** Who may call: anyone, any user token, or a token with the realm role of `ROLE_OF`. */
export type Access = 'public' | 'user' | 'admin' | 'internal';

export { ADMIN_ROLE, INTERNAL_ROLE };
export const ROLE_OF: Record<Access, string | undefined> = { public: undefined, user: undefined, admin: ADMIN_ROLE, internal: INTERNAL_ROLE };

export type Tag = 'user' | 'internal' | 'gateway' | 'admin' | 'operations' | 'ui';

/**
 * A path or query parameter: its documented schema, and the parser that turns the raw value into
 * what the handler gets, throwing a stable code (declared in `errors`) when it cannot exist.
 */
export interface Field<T = string> {
  description: string;
  schema: z.ZodType;
  example?: string;
  parse(raw: unknown): T;
  /** The codes `parse` throws (added to every endpoint that uses the field). */
  errors: readonly ErrorCode[];
  /** A query parameter the caller must give (`parse` then sees undefined when it is missing). */
  required?: boolean;
}

type Fields = Record<string, Field<unknown>>;
type Parsed<F extends Fields | undefined> = F extends Fields ? { [K in keyof F]: ReturnType<F[K]['parse']> } : Record<string, never>;
type Optional<F extends Fields | undefined> = F extends Fields ? { [K in keyof F]?: ReturnType<F[K]['parse']> } : Record<string, never>;
/** Query fields: optional unless declared `required: true`. */
type Query<F extends Fields | undefined> = F extends Fields
  ? Optional<F> & { [K in keyof F as F[K] extends { required: true } ? K : never]-?: ReturnType<F[K]['parse']> }
  : Record<string, never>;

/** What the audit event of a key management call learns as the call goes (see observability/audit.ts). */
export type AuditDraft = Pick<AuditEvent, 'owner' | 'provider' | 'keyId' | 'fields'> & { action?: AuditAction };

/** How the owner of the keys an endpoint works on is found (the token's subject, a path parameter). */
export interface OwnerFinder {
  of(principal: Principal, rawParams: Record<string, unknown>): OwnerRef;
  /** The codes `of` throws. */
  errors: readonly ErrorCode[];
}

export interface Call<P extends Fields | undefined, Q extends Fields | undefined, B extends z.ZodType | undefined> {
  req: IncomingMessage;
  principal: Principal;
  /** Set when the endpoint declares `owner`. */
  owner: OwnerRef;
  params: Parsed<P>;
  query: Query<Q>;
  body: B extends z.ZodType ? z.infer<B> : undefined;
  /** The audit draft (owner, provider and keyId are filled in from the parameters as they parse). */
  audit: AuditDraft;
  /** Where the call came from, for audit events (Express's `req.ip` honours TRUST_PROXY_HOPS). */
  sourceAddress: string | undefined;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** What the service answers on success; `alternatives` are other success statuses (e.g. 200 for a replace). */
export interface Answer {
  status: number;
  description: string;
  schema?: z.ZodType;
  contentType?: string;
  example?: unknown;
  alternatives?: { status: number; description: string }[];
}

export type EndpointDeps = AppDeps;

/** Raw endpoints (pages, files, probes) answer with Express handlers built once when mounted. */
export interface MountContext {
  deps: EndpointDeps;
  /** The OpenAPI document, serialised. */
  openApi: () => string;
}

interface EndpointBase {
  method: Method;
  /** In OpenAPI syntax: `/api/v1/byok/keys/{provider}/{keyId}`. */
  path: string;
  summary: string;
  description?: string;
  tag: Tag;
  access: Access;
  answer: Answer;
  /** The codes the handler (and what it calls) can answer; those of auth, roles, limits, bodies and fields are added. */
  errors: readonly ErrorCode[];
  /** Served straight from the Node request, before Express (the internal hot path; see app.ts). */
  hot?: boolean;
  /** Mounted only when this says so (e.g. /metrics with a token). */
  enabled?(deps: EndpointDeps): boolean;
}

export interface ApiEndpoint<P extends Fields | undefined = Fields | undefined, Q extends Fields | undefined = Fields | undefined, B extends z.ZodType | undefined = z.ZodType | undefined>
  extends EndpointBase {
  kind: 'api';
  params?: P;
  query?: Q;
  body?: B;
  /**
   * A quick check that passes only bodies `body` accepts as they are (the hot path then skips the
   * schema, about 1 µs a request); whatever it does not pass goes through `body`, which says what is
   * wrong. tests/unit/quick-body.test.ts holds it to that against the schema.
   */
  quickBody?: (raw: unknown) => boolean;
  bodyExample?: unknown;
  owner?: OwnerFinder;
  /** Key management calls leave one audit event whatever happens (success, denied, failed). */
  audit?: AuditAction;
  /**
   * The handler: everything it needs arrives parsed in `call`; `deps` are the application's. A reply
   * known at once may be returned as it is (the resolve hot path answers without a promise).
   */
  handle(call: Call<P, Q, B>, deps: EndpointDeps): Reply | Promise<Reply>;
}

export interface RawEndpoint extends EndpointBase {
  kind: 'raw';
  /** Path parameters (documentation only). */
  params?: Record<string, Pick<Field, 'description' | 'schema'>>;
  mount(context: MountContext): RequestHandler | RequestHandler[];
}

export type Endpoint = ApiEndpoint<any, any, any> | RawEndpoint;

/** Declares an API endpoint (with types flowing from its fields and body into its handler). */
export function apiEndpoint<P extends Fields | undefined = undefined, Q extends Fields | undefined = undefined, B extends z.ZodType | undefined = undefined>(
  endpoint: Omit<ApiEndpoint<P, Q, B>, 'kind'>,
): ApiEndpoint<P, Q, B> {
  return { kind: 'api', ...endpoint };
}

export function rawEndpoint(endpoint: Omit<RawEndpoint, 'kind'>): RawEndpoint {
  return { kind: 'raw', ...endpoint };
}

/** `/a/{b}` → `/a/:b` (Express 5's path syntax). */
export function expressPath(path: string): string {
  return path.replace(/\{(\w+)\}/g, ':$1');
}

const BODY_ERRORS: readonly ErrorCode[] = ['VALIDATION_FAILED', 'MALFORMED_JSON', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA_TYPE'];

/**
 * Every code an endpoint can answer: its own, plus those of what stands in front of every handler of
 * its kind (token check: 401, and 503 when Keycloak's keys cannot be fetched; role: 403; rate
 * limits: 429; user-token writes are introspected at Keycloak: 503), its body, fields and owner.
 */
export function errorsOf(endpoint: Endpoint): ErrorCode[] {
  const codes = new Set<ErrorCode>();
  if (endpoint.access !== 'public') codes.add('UNAUTHENTICATED').add('KEYCLOAK_UNAVAILABLE').add('RATE_LIMITED');
  if (ROLE_OF[endpoint.access] !== undefined) codes.add('FORBIDDEN');
  if (endpoint.kind === 'api') {
    if (endpoint.body !== undefined) for (const code of BODY_ERRORS) codes.add(code);
    for (const field of [...Object.values(endpoint.params ?? {}), ...Object.values(endpoint.query ?? {})] as Field<unknown>[]) for (const code of field.errors) codes.add(code);
    for (const code of endpoint.owner?.errors ?? []) codes.add(code);
  }
  for (const code of endpoint.errors) codes.add(code);
  return [...codes];
}

/** Parses fields in declaration order; provider and keyId go into the audit draft as soon as they are known. */
const NONE: Record<string, never> = Object.freeze({});

function parseFields(fields: Fields | undefined, raw: Record<string, unknown>, draft: AuditDraft, optional: boolean): Record<string, unknown> {
  if (fields === undefined) return NONE; // the hot path declares none
  const parsed: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(fields ?? {})) {
    if (optional && raw[name] === undefined && field.required !== true) continue;
    const value = field.parse(raw[name]);
    parsed[name] = value;
    if (name === 'provider') draft.provider = value as AuditDraft['provider'];
    if (name === 'keyId') draft.keyId = value as string;
  }
  return parsed;
}

export interface Invocation {
  req: IncomingMessage;
  res: ServerResponse;
  principal: Principal;
  rawParams: Record<string, unknown>;
  rawQuery: Record<string, unknown>;
  body: unknown;
  sourceAddress: string | undefined;
}

/**
 * Runs an API endpoint's handler on an authenticated request: role, owner, fields, body, handler,
 * answer; with an audit action, one audit event whatever happens. When the handler answers at once
 * the answer is written at once (no promise); errors are thrown, or rejected when the handler's were.
 */
export function invoke(endpoint: ApiEndpoint<any, any, any>, deps: EndpointDeps, input: Invocation): void | Promise<void> {
  const role = ROLE_OF[endpoint.access];
  if (role !== undefined) checkRealmRole(input.principal, role);
  const draft: AuditDraft = {};
  // Without an audit event nothing is wrapped (no closure per request on the hot path).
  const reply =
    endpoint.audit === undefined || deps.audit === undefined
      ? handleCall(endpoint, deps, input, draft)
      : audited(deps.audit, endpoint.audit, input, draft, () => handleCall(endpoint, deps, input, draft));
  if (reply instanceof Promise) return reply.then((answer) => send(input.res, answer));
  send(input.res, reply);
}

/** Parses what the endpoint declares and calls its handler. */
function handleCall(endpoint: ApiEndpoint<any, any, any>, deps: EndpointDeps, input: Invocation, draft: AuditDraft): Reply | Promise<Reply> {
  const owner = endpoint.owner?.of(input.principal, input.rawParams);
  if (owner !== undefined) draft.owner = owner;
  const call = {
    req: input.req,
    principal: input.principal,
    owner: owner as OwnerRef,
    audit: draft,
    sourceAddress: input.sourceAddress,
    params: parseFields(endpoint.params, input.rawParams, draft, false),
    query: parseFields(endpoint.query, input.rawQuery, draft, true),
    body: endpoint.body === undefined ? undefined : endpoint.quickBody?.(input.body) ? input.body : parseBody(endpoint.body as z.ZodType, input.body),
  };
  return endpoint.handle(call, deps);
}

async function audited(log: AuditLog, action: AuditAction, input: Invocation, draft: AuditDraft, run: () => Reply | Promise<Reply>): Promise<Reply> {
  const { principal } = input;
  const record = (outcome: AuditEvent['outcome'], errorCode?: string) =>
    log.record({
      outcome,
      ...(errorCode === undefined ? {} : { errorCode }),
      actor: { subject: principal.subject, username: principal.username, clientId: principal.clientId },
      ...draft,
      action: draft.action ?? action,
      sourceAddress: input.sourceAddress,
      requestId: input.req.id,
    });
  let reply: Reply;
  try {
    reply = await run();
  } catch (error) {
    if (isAppError(error)) record(error.status < 500 ? 'denied' : 'failed', error.code);
    else record('failed', 'INTERNAL');
    throw error;
  }
  record('success');
  return reply;
}

function send(res: ServerResponse, reply: Reply): void {
  const { headers } = reply;
  if (reply.body !== undefined) return sendJson(res, reply.status, reply.body, headers);
  const fields: string[] = [];
  if (headers !== undefined) for (const name in headers) fields.push(name, headers[name] as string);
  writeHead(res, reply.status, fields);
  res.end();
}
