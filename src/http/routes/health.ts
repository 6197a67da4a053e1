import { Router } from 'express';
import type { Readiness } from '../../keycloak/readiness.js';
import type { Logger } from '../../observability/logger.js';

/** `/healthz` (the process answers) and `/readyz` (SPEC §5.4; 503 with the reason otherwise). */
export function healthRoutes(deps: { readiness: Pick<Readiness, 'check'>; logger: Logger }): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (req, res) => {
    const report = await deps.readiness.check();
    res.setHeader('Cache-Control', 'no-store');
    if (report.ready) {
      res.json({ status: 'ready', checks: report.checks });
      return;
    }
    deps.logger.warn({ reqId: req.id, reason: report.reason }, 'not ready');
    res.status(503).setHeader('Retry-After', '5');
    res.json({
      status: 'not_ready',
      reason: report.reason,
      checks: report.checks,
      error: { code: 'NOT_READY', message: report.reason ?? 'not ready', requestId: String(req.id) },
    });
  });
  return router;
}
