/**
 * SPEC §5.2: internal services (client-credentials tokens with realm role byok-internal). The gate
 * stands in front of the whole /internal tree, so a user token gets 403 on any path under it.
 * `/internal/resolve` is the only response that ever carries a secret.
 */
import { Router } from 'express';
import type { Metrics } from '../../observability/metrics.js';
import type { Resolver } from '../../vault/resolver.js';
import { requireRealmRole } from '../middleware/auth.js';
import { parseBody, parseProvider, reportBody, resolveBody } from '../schemas.js';

export const INTERNAL_ROLE = 'byok-internal';

export function internalRoutes(deps: { resolver: Pick<Resolver, 'resolve' | 'report'>; metrics?: Metrics | undefined }): Router {
  const router = Router();
  router.use('/internal', requireRealmRole(INTERNAL_ROLE));

  router.post('/internal/resolve', async (req, res) => {
    const body = parseBody(resolveBody, req.body);
    const provider = body.provider === undefined ? undefined : parseProvider(body.provider);
    res.json(await deps.resolver.resolve({ ...body, provider }));
  });

  router.post('/internal/report', async (req, res) => {
    const body = parseBody(reportBody, req.body);
    await deps.resolver.report({ ...body, provider: parseProvider(body.provider) });
    deps.metrics?.reports.inc({ outcome: body.outcome });
    res.status(204).end();
  });

  return router;
}
