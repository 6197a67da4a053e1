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
import { createErrorHandler, notFoundHandler } from './middleware/errors.js';
import { requestContext } from './middleware/request-context.js';
import { healthRoutes } from './routes/health.js';
import { adminRoutes } from './routes/admin.js';
import { byokRoutes } from './routes/byok.js';
import { internalGate, mountInternalRoutes } from './routes/internal.js';
import { meRoutes } from './routes/me.js';
import { uiRoutes } from './routes/ui.js';

export interface AppDeps {
  config: Pick<Config, 'http' | 'keycloak' | 'ui'>;
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
  // Every API answer is no-store; hashing each body for an ETag would be work for nothing.
  app.set('etag', false);
  app.set('trust proxy', deps.config.http.trustProxyHops);
  app.use(requestContext(deps.logger, deps.metrics));

  // Authenticate before reading a body: an anonymous caller gets its 401 without us parsing anything.
  const auth = authenticate(deps.verifier, deps.config.keycloak.realm);
  const json = express.json({ limit: deps.config.http.bodyLimitBytes, strict: true });
  // The hot path first and flat: Express tries layers in order, and each router level costs.
  mountInternalRoutes(app, '/api/v1', deps, auth, json);

  const api = express.Router();
  api.use(auth);
  api.use(json);
  api.use(internalGate());
  api.use(meRoutes());
  api.use(byokRoutes(deps));
  api.use(adminRoutes(deps));
  app.use('/api/v1', api);

  if (deps.metrics) {
    const { registry } = deps.metrics;
    app.get('/metrics', async (_req, res) => {
      res.setHeader('Content-Type', registry.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(await registry.metrics());
    });
  }
  app.use(uiRoutes(deps));
  app.use(healthRoutes(deps));

  app.use(notFoundHandler);
  app.use(createErrorHandler(deps.logger));
  return app;
}
