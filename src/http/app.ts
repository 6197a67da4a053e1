/**
 * createApp(deps): the service's HTTP request listener, built from explicit dependencies. Routers only
 * translate HTTP; errors reach the one error responder.
 *
 * The hot path: a POST to exactly `/api/v1/internal/resolve` or `/report` is served by its endpoint
 * straight from the Node request, with the same request tracking, authentication, body parser and
 * error responder as the Express routes, but without Express's per-request set-up and routing (the
 * benchmark showed them costing more than the resolve itself). Every other request goes to the Express
 * application, where the same endpoints are routes too. Routing is exact everywhere (routing.ts): case,
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
import type { Resolver } from '../vault/resolver.js';
import { authenticate, createAuthenticator, principalOf, requireActiveTokenForWrites } from './middleware/auth.js';
import { createErrorHandler, createErrorResponder, notFoundHandler } from './middleware/errors.js';
import { createRequestTracker, requestContext } from './middleware/request-context.js';
import { healthRoutes } from './routes/health.js';
import { adminRoutes } from './routes/admin.js';
import { byokRoutes } from './routes/byok.js';
import { internalEndpoints, internalGate, type JsonReader } from './routes/internal.js';
import { meRoutes } from './routes/me.js';
import { uiRoutes } from './routes/ui.js';
import { docsRoutes } from './routes/docs.js';
import { metricsEndpoint } from './routes/metrics.js';
import { jsonBody } from './middleware/json-body.js';
import { ROUTING_OPTIONS, exactRouter } from './routing.js';

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
  metrics?: Metrics;
  /** Key management events (docs/operations.md); none are written when absent. */
  audit?: AuditLog;
  /** Per-user and per-internal-client limits; none when absent. */
  rateLimits?: RateLimits;
}

/** A route the application serves, in Express's path syntax (`/byok/keys/:provider`). */
export interface ServedRoute {
  method: string;
  path: string;
}

/** The request listener, and the routes it serves (for the OpenAPI completeness test). */
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

  // Authenticate before reading a body: an anonymous caller gets its 401 without us parsing anything.
  const authenticator = createAuthenticator(deps.verifier, deps.config.keycloak.realm);
  const auth = authenticate(authenticator);
  const json = jsonBody({ limitBytes: deps.config.http.bodyLimitBytes });
  const hot = internalEndpoints('/api/v1', deps, authenticator, jsonReader(json));
  for (const endpoint of hot) app.post(endpoint.path, (req, res) => endpoint.serve(req, res));

  const api = exactRouter();
  api.use(auth);
  if (deps.rateLimits) {
    const { user } = deps.rateLimits;
    // Internal clients are limited per client inside their endpoints (internal.ts).
    api.use(async (req, res, next) => {
      if (!req.path.startsWith('/internal/')) await user(principalOf(res));
      next();
    });
  }
  // After the rate limit, so a flood of writes is refused before it reaches Keycloak.
  api.use(requireActiveTokenForWrites(deps.introspection));
  api.use(json);
  api.use(internalGate());
  api.use(meRoutes());
  api.use(byokRoutes(deps));
  api.use(adminRoutes(deps));
  app.use('/api/v1', api);

  // On this port only behind its token; with METRICS_PORT it has a listener of its own (main.ts).
  const { metrics: metricsConfig } = deps.config;
  if (deps.metrics && metricsConfig.port === undefined && metricsConfig.token !== undefined) {
    const serveMetrics = metricsEndpoint(deps.metrics, metricsConfig.token);
    app.get('/metrics', (req, res) => serveMetrics(req, res));
  }
  app.use(docsRoutes());
  app.use(uiRoutes(deps));
  app.use(healthRoutes({ ...deps, readinessCacheMs: deps.config.http.readinessCacheMs }));

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger));

  const track = createRequestTracker(deps.logger, deps.metrics);
  const respondError = createErrorResponder(deps.logger);
  const direct = new Map(hot.map((endpoint) => [endpoint.path, { ...endpoint, route: () => endpoint.path }]));
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const endpoint = req.method === 'POST' ? direct.get(req.url ?? '') : undefined;
    if (endpoint === undefined) {
      app(req as Request, res as Response);
      return;
    }
    track(req, res, endpoint.route);
    endpoint.serve(req, res).catch((error: unknown) => respondError(error, req, res));
  };
  return Object.assign(listener, { routes: () => servedRoutes(app) });
}

interface RouterLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: RouterLayer[] };
  rawPath?: unknown;
}

/** Walks Express's router stack (routes and mounted routers; plain middleware is not a route). */
function servedRoutes(app: express.Express): ServedRoute[] {
  const routes: ServedRoute[] = [];
  const walk = (stack: RouterLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') routes.push({ method, path: `${prefix}${path}` });
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack, typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? `${prefix}${layer.rawPath}` : prefix);
      }
    }
  };
  walk((app as unknown as { router: { stack: RouterLayer[] } }).router.stack, '');
  return routes;
}

/** The body parser as a promise, for endpoints served outside Express (it needs only Node's req). */
function jsonReader(parser: RequestHandler): JsonReader {
  return (req, res) =>
    new Promise((resolve, reject) => {
      parser(req as Request, res as Response, (error?: unknown) => (error ? reject(error as Error) : resolve((req as { body?: unknown }).body)));
    });
}
