/**
 * createApp(deps): the Express application, built from explicit dependencies. Routers only translate
 * HTTP; errors reach the one error middleware.
 */
import express from 'express';
import type { Config } from '../config/config.js';
import type { Readiness } from '../keycloak/readiness.js';
import type { TokenVerifier } from '../keycloak/token-verifier.js';
import type { Logger } from '../observability/logger.js';
import type { Metrics } from '../observability/metrics.js';
import type { ProviderRegistry } from '../providers/registry.js';
import type { createAdoptionStats } from '../vault/adoption-stats.js';
import type { KeyService } from '../vault/key-service.js';
import type { Resolver } from '../vault/resolver.js';
import { authenticate } from './middleware/auth.js';
import { errorHandler, notFoundHandler } from './middleware/errors.js';
import { requestContext } from './middleware/request-context.js';
import { healthRoutes } from './routes/health.js';
import { adminRoutes } from './routes/admin.js';
import { byokRoutes } from './routes/byok.js';
import { internalRoutes } from './routes/internal.js';
import { meRoutes } from './routes/me.js';

export interface AppDeps {
  config: Pick<Config, 'http' | 'keycloak'>;
  logger: Logger;
  verifier: Pick<TokenVerifier, 'verify'>;
  readiness: Pick<Readiness, 'check'>;
  keys: KeyService;
  registry: Pick<ProviderRegistry, 'list'>;
  resolver: Pick<Resolver, 'resolve' | 'report'>;
  adoption: Pick<ReturnType<typeof createAdoptionStats>, 'get'>;
  metrics?: Metrics;
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.config.http.trustProxyHops);
  app.use(requestContext(deps.logger));
  if (deps.metrics) {
    const { httpDuration, registry } = deps.metrics;
    app.use((req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        // The route template (never the raw path: ids in paths would make unbounded labels).
        const route = req.route ? `${req.baseUrl}${String(req.route.path)}` : 'unmatched';
        httpDuration.observe({ method: req.method, route, status: String(res.statusCode) }, Number(process.hrtime.bigint() - started) / 1e9);
      });
      next();
    });
    app.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(await registry.metrics());
    });
  }
  app.use(healthRoutes(deps));

  const api = express.Router();
  // Authenticate before reading a body: an anonymous caller gets its 401 without us parsing anything.
  api.use(authenticate(deps.verifier, deps.config.keycloak.realm));
  api.use(express.json({ limit: deps.config.http.bodyLimitBytes, strict: true }));
  api.use((_req, res, next) => {
    // Nothing the API answers belongs in a shared cache (and /internal/resolve carries secrets).
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  api.use(meRoutes());
  api.use(byokRoutes(deps));
  api.use(internalRoutes(deps));
  api.use(adminRoutes(deps));
  app.use('/api/v1', api);

  app.use(notFoundHandler);
  app.use(errorHandler);
  return app;
}
