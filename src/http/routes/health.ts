import type { RequestHandler } from 'express';
import type { Readiness, ReadinessReport } from '../../keycloak/readiness.js';
import type { Logger } from '../../observability/logger.js';

/**
 * Readiness as the anonymous `/readyz` serves it: one check at a time, its report reused for
 * `ttlMs` (READINESS_CACHE_SECONDS). Each check calls Keycloak, and `/readyz` needs no token, so
 * without this every probe (or anyone) could make the service call Keycloak at will. Callers that
 * arrive while a check runs share it; a report (ready or not) is reused until it is `ttlMs` old,
 * counted from when the check finished. 0 checks on every request.
 */
export function cachedReadiness(readiness: Pick<Readiness, 'check'>, ttlMs: number, now: () => number = Date.now): Pick<Readiness, 'check'> {
  let inFlight: Promise<ReadinessReport> | undefined;
  let last: { report: ReadinessReport; at: number } | undefined;
  return {
    check() {
      if (last !== undefined && now() - last.at < ttlMs) return Promise.resolve(last.report);
      inFlight ??= readiness.check().then(
        (report) => {
          last = { report, at: now() };
          inFlight = undefined;
          return report;
        },
        (error: unknown) => {
          inFlight = undefined;
          throw error;
        },
      );
      return inFlight;
    },
  };
}

/** `/healthz`: the process answers. */
export const liveness: RequestHandler = (_req, res) => {
  res.setHeader('Cache-Control', 'no-store');
  res.json({ status: 'ok' });
};

/** `/readyz` (docs/api.md#operations-endpoints; 503 with the reason otherwise). */
export function readinessHandler(deps: { readiness: Pick<Readiness, 'check'>; logger: Logger; readinessCacheMs?: number | undefined }): RequestHandler {
  const readiness = cachedReadiness(deps.readiness, deps.readinessCacheMs ?? 0);
  return async (req, res) => {
    const report = await readiness.check();
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
  };
}
