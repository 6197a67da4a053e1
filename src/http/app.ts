/**
 * createApp(deps): the service's HTTP request listener, built from explicit dependencies. Routers only
 * translate HTTP; errors reach the one error responder.
 *
 * The hot path: a POST to exactly `/api/v1/internal/resolve` or `/report` is served by its endpoint
 * straight from the Node request, with the same request tracking, authentication, body parser and
 * error responder as the Express routes, but without Express's per-request set-up and routing (the
 * benchmark showed them costing more than the resolve itself). Every other request goes to the Express
 * application, where the same endpoints are routes too. Every route comes from the endpoint table
 * (endpoints/index.ts), and so does the OpenAPI document. Routing is exact everywhere (routing.ts): case,
 * trailing slashes and encodings count, so another spelling of a path is a 404, never the same
 * endpoint under other rules.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import express, { type Request, type RequestHandler, type Response } from 'express';
import type { Config } from '../config/config.js';
import type { Readiness } from '../keycloak/readiness.js';
import type { TokenIntrospection } from '../keycloak/token-introspection.js';
import type { TokenVerifier } from '../keycloak/token-verifier.js';
import type { Logger } from '../observability/logger.js';
import type { AuditLog } from '../observability/audit.js';
import type { Metrics } from '../observability/metrics.js';
import type { RateLimits } from './rate-limit.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { createAdoptionStats } from '../vault/adoption-stats.js';
import type { KeyService } from '../vault/key-service.js';
import type { TeamKeysDeps } from '../vault/directory.js';
import type { OwnerDirectory } from '../vault/ports.js';
import type { Resolver } from '../vault/resolver.js';
import { PROXY_PREFIX, type Gateway } from '../gateway/proxy.js';
import { readFileSync } from 'node:fs';
import { authenticate, createAuthenticator, principalOf, requireActiveToken, requireRealmRole } from './middleware/auth.js';
import { createErrorHandler, createErrorResponder, notFoundHandler } from './middleware/errors.js';
import { createRequestTracker, requestContext } from './middleware/request-context.js';
import { internalEndpoints, internalGate, type JsonReader } from './routes/internal.js';
import { fastJsonReader, jsonBody } from './middleware/json-body.js';
import { ROUTING_OPTIONS, exactRouter } from './routing.js';
import { ENDPOINTS } from './endpoints/index.js';
import { ADMIN_ROLE, expressPath, invoke, type Endpoint } from './endpoints/endpoint.js';
import { openApiDocument } from './openapi.js';

const API_PREFIX = '/api/v1';
const PACKAGE = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

export interface AppDeps {
  config: Pick<Config, 'http' | 'keycloak' | 'ui' | 'metrics'>;
  logger: Logger;
  verifier: Pick<TokenVerifier, 'verify'>;
  /** Revocation check of user-token writes (Keycloak token introspection). */
  introspection: Pick<TokenIntrospection, 'assertActive'>;
  readiness: Pick<Readiness, 'check'>;
  keys: KeyService;
  registry: Pick<ProviderRegistry, 'list'>;
  resolver: Pick<Resolver, 'resolve' | 'report'>;
  adoption: Pick<ReturnType<typeof createAdoptionStats>, 'get'>;
  /** The user's groups as resolution sees them (its membership cache): the team keys a user is shown. */
  memberships: TeamKeysDeps['memberships'];
  /** Finding users and groups (the admin console). */
  directory: OwnerDirectory;
  metrics?: Metrics;
  /** Key management events (docs/operations.md); none are written when absent. */
  audit?: AuditLog;
  /** Per-user and per-internal-client limits; none when absent. */
  rateLimits?: RateLimits;
  /** The signing gateway (docs/gateway.md); `/api/v1/proxy/` is not served when absent. */
  gateway?: Pick<Gateway, 'serve'>;
}

/** A route the application serves, in OpenAPI's path syntax (`/byok/keys/{provider}`). */
export interface ServedRoute {
  method: Endpoint['method'];
  path: string;
}

/** The request listener, and the routes it serves (the table's entries it mounted). */
export type App = RequestListener & { routes(): ServedRoute[] };

export function createApp(deps: AppDeps): App {
  const app = express();
  // Before the first route: Express builds its router from these settings when first used.
  app.set('case sensitive routing', ROUTING_OPTIONS.caseSensitive);
  app.set('strict routing', ROUTING_OPTIONS.strict);
  app.disable('x-powered-by');
  // Every API answer is no-store; hashing each body for an ETag would be work for nothing.
  app.set('etag', false);
  app.set('trust proxy', deps.config.http.trustProxyHops);
  app.use(requestContext(deps.logger, deps.metrics));

  const mounted = ENDPOINTS.filter((endpoint) => endpoint.enabled?.(deps) ?? true);
  let document: string | undefined;
  const openApi = () =>
    (document ??= JSON.stringify(
      openApiDocument(ENDPOINTS, { version: PACKAGE.version, keycloak: { url: deps.config.keycloak.url, realm: deps.config.keycloak.realm } }),
    ));

  // Authenticate before reading a body: an anonymous caller gets its 401 without us parsing anything.
  const authenticator = createAuthenticator(deps.verifier, deps.config.keycloak.realm);
  const auth = authenticate(authenticator);
  const json = jsonBody({ limitBytes: deps.config.http.bodyLimitBytes });
  const hot = internalEndpoints(API_PREFIX, deps, authenticator, fastJsonReader({ limitBytes: deps.config.http.bodyLimitBytes }, jsonReader(json)));
  // Through Express (any other spelling of the path), requestContext's `finish` listener measures.
  for (const endpoint of hot) app.post(endpoint.path, (req, res, next) => endpoint.serve(req, res, { answered: () => undefined, fail: next }));

  const api = exactRouter();
  api.use(auth);
  if (deps.rateLimits) {
    const { user } = deps.rateLimits;
    // Internal clients are limited per client inside their endpoints (routes/internal.ts).
    api.use(async (req, res, next) => {
      if (!req.path.startsWith('/internal/')) await user(principalOf(res));
      next();
    });
  }
  api.use(json);
  // The role gates answer for any path under their tree (403 before "not found"); each endpoint
  // checks the role its entry declares too.
  api.use(internalGate());
  api.use('/admin', requireRealmRole(ADMIN_ROLE));
  // Writes with a user's token are introspected (after the rate limit and the role gates, so a flood,
  // an unknown path or a missing role is refused before it reaches Keycloak).
  const activeToken = requireActiveToken(deps.introspection);
  for (const endpoint of mounted) {
    if (endpoint.kind !== 'api' || endpoint.hot) continue;
    if (!endpoint.path.startsWith(`${API_PREFIX}/`)) throw new Error(`API endpoint outside ${API_PREFIX}: ${endpoint.path}`);
    const revocable = endpoint.method !== 'get' && endpoint.access !== 'internal' ? [activeToken] : [];
    api[endpoint.method](expressPath(endpoint.path.slice(API_PREFIX.length)), ...revocable, (req, res) =>
      invoke(endpoint, deps, { req, res, principal: principalOf(res), rawParams: req.params, rawQuery: req.query as Record<string, unknown>, body: req.body, sourceAddress: req.ip }),
    );
  }
  app.use(API_PREFIX, api);

  const context = { deps, openApi };
  for (const endpoint of mounted) if (endpoint.kind === 'raw') app[endpoint.method](expressPath(endpoint.path), endpoint.mount(context));

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger));

  const track = createRequestTracker(deps.logger, deps.metrics);
  const respondError = createErrorResponder(deps.logger);
  const direct = new Map(hot.map((endpoint) => [endpoint.path, { ...endpoint, route: () => endpoint.path }]));
  const { gateway } = deps;
  const gatewayRoute = () => `${PROXY_PREFIX}{provider}/{path}`;
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '';
    if (gateway !== undefined && url.startsWith(PROXY_PREFIX)) {
      res.on('finish', track(req, res, gatewayRoute));
      gateway.serve(req, res).catch((error: unknown) => respondError(error, req, res));
      return;
    }
    const endpoint = req.method === 'POST' ? direct.get(url) : undefined;
    if (endpoint === undefined) {
      app(req as Request, res as Response);
      return;
    }
    // Measured and logged when the answer is written, with no listener per request (request-context.ts).
    const answered = track(req, res, endpoint.route, 'with-answer');
    endpoint.serve(req, res, {
      answered,
      fail: (error: unknown) => {
        respondError(error, req, res);
        answered();
      },
    });
  };
  return Object.assign(listener, { routes: () => mounted.map((endpoint: Endpoint) => ({ method: endpoint.method, path: endpoint.path })) });
}

/** The body parser as a promise, for endpoints served outside Express (it needs only Node's req). */
function jsonReader(parser: RequestHandler): JsonReader {
  return (req, res) =>
    new Promise((resolve, reject) => {
      parser(req as Request, res as Response, (error?: unknown) => (error ? reject(error as Error) : resolve((req as { body?: unknown }).body)));
    });
}
