/**
 * SPEC §5.2: internal services (client-credentials tokens with realm role byok-internal).
 * `/internal/resolve` is the only response that ever carries a secret, and the hot path of the
 * product: its two routes are registered flat on the app (every router level costs on every request),
 * and `internalGate` stands in front of the rest of the /internal tree, so a user token gets 403 on
 * any path under it.
 */
import { Router, type Express, type RequestHandler } from 'express';
import type { Metrics } from '../../observability/metrics.js';
import type { Resolver } from '../../vault/resolver.js';
import { requireRealmRole } from '../middleware/auth.js';
import { parseBody, parseProvider, reportBody, resolveBody } from '../schemas.js';

export const INTERNAL_ROLE = 'byok-internal';

export interface InternalDeps {
  resolver: Pick<Resolver, 'resolve' | 'report'>;
  metrics?: Metrics | undefined;
}

/** Mounts the internal routes on the app, after `authenticate` and before the body is read. */
export function mountInternalRoutes(app: Express, prefix: string, deps: InternalDeps, authenticate: RequestHandler, json: RequestHandler): void {
  const gate = requireRealmRole(INTERNAL_ROLE);

  app.post(`${prefix}/internal/resolve`, authenticate, gate, json, async (req, res) => {
    const body = parseBody(resolveBody, req.body);
    const provider = body.provider === undefined ? undefined : parseProvider(body.provider);
    res.json(await deps.resolver.resolve({ ...body, provider }));
  });

  app.post(`${prefix}/internal/report`, authenticate, gate, json, async (req, res) => {
    const body = parseBody(reportBody, req.body);
    await deps.resolver.report({ ...body, provider: parseProvider(body.provider) });
    deps.metrics?.reports.inc({ outcome: body.outcome });
    res.status(204).end();
  });
}

/** Any other path under /internal: the role gate answers before "not found". */
export function internalGate(): Router {
  const router = Router();
  router.use('/internal', requireRealmRole(INTERNAL_ROLE));
  return router;
}
