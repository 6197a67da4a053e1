/**
 * `GET /metrics` (Prometheus text). The metrics name routes, caches, Keycloak latencies and key
 * counts: not secrets, but a map of the deployment and its traffic that anonymous callers should not
 * get. So the endpoint is served either on a separate listener (METRICS_PORT, bound to METRICS_HOST,
 * loopback by default) or on the main port behind a bearer token (METRICS_TOKEN); with neither it is
 * not served at all. A token set together with METRICS_PORT is required there too.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { AppError } from '../../errors.js';
import type { Metrics } from '../../observability/metrics.js';
import { sendError } from '../middleware/errors.js';

const digest = (text: string) => createHash('sha256').update(text).digest();

/** Serves the metrics to a request that carries the token (when one is configured). */
export function metricsEndpoint(metrics: Pick<Metrics, 'registry'>, token: string | undefined) {
  const expected = token === undefined ? undefined : digest(`Bearer ${token}`);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (expected !== undefined && !timingSafeEqual(digest(req.headers.authorization ?? ''), expected)) {
      const error = new AppError('UNAUTHENTICATED', { message: 'GET /metrics needs the metrics bearer token.', headers: { 'WWW-Authenticate': 'Bearer realm="metrics"' } });
      sendError(res, error, String(req.id ?? ''));
      return;
    }
    const text = await metrics.registry.metrics();
    res.statusCode = 200;
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.end(text);
  };
}

/** The listener of the separate metrics port: `GET /metrics` and nothing else. */
export function metricsListener(metrics: Pick<Metrics, 'registry'>, token: string | undefined): RequestListener {
  const serve = metricsEndpoint(metrics, token);
  return (req, res) => {
    const path = (req.url ?? '').split('?', 1)[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      sendError(res, new AppError('NOT_FOUND', { message: 'No such route.' }), '');
      return;
    }
    serve(req, res).catch(() => {
      if (!res.headersSent) sendError(res, new AppError('INTERNAL'), '');
      else res.end();
    });
  };
}
