/**
 * Request ids, access logging and request metrics, with one `finish` listener per request, kept cheap
 * because it runs on the hot path (thousands of resolves a second): no per-request child logger, no
 * work for log lines the level filters out. `createRequestTracker` works on plain Node requests (the
 * internal hot path uses it outside Express); `requestContext` is the same as Express middleware.
 *
 * An incoming `X-Request-Id` is kept when it looks like an id (so a caller's trace continues),
 * otherwise a fresh UUID is made; either way it is echoed back and is in every log line of the request
 * and in every error body. Access lines carry method, path (never the query string nor any header),
 * status and time; successful internal calls log at debug (their counts and latencies are in /metrics).
 * API answers are all `Cache-Control: no-store`. The one answer that carries a secret,
 * /internal/resolve, also sets it itself (routes/internal.ts): a path-prefix rule is a second line,
 * never the only one.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import type { Logger } from '../../observability/logger.js';
import type { Metrics } from '../../observability/metrics.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

declare module 'http' {
  interface IncomingMessage {
    /** The request id (see request-context.ts). */
    id: string;
  }
}

/**
 * Starts tracking a request: sets its id and, with `headers` 'now' (the default), the API headers at
 * once; 'with-answer' (the hot path) leaves them to the answer's single `writeHead`
 * (errors.ts), which saves Node's per-header bookkeeping. Returns `answered`, which logs and
 * measures it (once; later calls do nothing). A caller that knows when it has written the answer
 * calls it then (the hot path: no event listener per request, which cost it ~12 % of its
 * throughput); any other passes it to the response's `finish` event. `route` names the route
 * template for metrics; it is called at the end, when the route is known.
 */
export type RequestTracker = (req: IncomingMessage, res: ServerResponse, route: () => string, headers?: 'now' | 'with-answer') => () => void;

export function createRequestTracker(logger: Logger, metrics?: Metrics): RequestTracker {
  return (req, res, route, headers = 'now') => {
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    req.id = id;
    const url = req.url ?? '/';
    // 'with-answer' (the hot path, every path under /api/): errors.ts writeHead adds both with the answer's other headers.
    if (headers === 'now') {
      res.setHeader('X-Request-Id', id);
      if (url.startsWith('/api/')) res.setHeader('Cache-Control', 'no-store');
    }
    const started = performance.now();
    let open = true;
    return () => {
      if (!open) return;
      open = false;
      const seconds = (performance.now() - started) / 1000;
      const status = res.statusCode;
      // The route template, never the raw path: ids in paths would make unbounded labels.
      metrics?.httpDuration.observe(req.method ?? '', route(), status, seconds);
      const internal = status < 400 && url.startsWith('/api/v1/internal/');
      const level = status >= 500 ? 'error' : internal ? 'debug' : 'info';
      if (!logger.isLevelEnabled(level)) return;
      const path = url.split('?', 1)[0] ?? '';
      if (QUIET_PATHS.has(path)) return; // polled by probes and scrapers
      logger[level](
        {
          reqId: id,
          req: { method: req.method, path, remoteAddress: req.socket.remoteAddress },
          res: { statusCode: status },
          responseTime: Math.round(seconds * 10_000) / 10,
        },
        'request completed',
      );
    };
  };
}

export function requestContext(logger: Logger, metrics?: Metrics): RequestHandler {
  const track = createRequestTracker(logger, metrics);
  // "<mount path><route path>", built once per route and mount rather than per request.
  const routeNames = new WeakMap<object, Map<string, string>>();
  const routeName = (baseUrl: string, route: { path: unknown }): string => {
    let byBase = routeNames.get(route);
    if (!byBase) routeNames.set(route, (byBase = new Map()));
    let name = byBase.get(baseUrl);
    if (name === undefined) byBase.set(baseUrl, (name = `${baseUrl}${String(route.path)}`));
    return name;
  };

  return (req, res, next) => {
    // `on`, not `once`: a response finishes once, and `once`'s wrapper showed in the hot path's profile.
    res.on('finish', track(req, res, () => (req.route ? routeName(req.baseUrl, req.route as { path: unknown }) : 'unmatched')));
    next();
  };
}
