/**
 * Request ids and access logging. An incoming `X-Request-Id` is kept when it looks like an id
 * (so a caller's trace continues), otherwise a fresh UUID is made; either way it is echoed back and
 * put in every log line of the request and in every error body. Access log lines carry method, path
 * (never the query string's values nor any header) and status.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../../observability/logger.js';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestContext(logger: Logger) {
  return pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const incoming = req.headers['x-request-id'];
      const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
      res.setHeader('X-Request-Id', id);
      return id;
    },
    serializers: {
      req: (req: { id: unknown; method: string; url: string; remoteAddress?: string }) => ({
        id: req.id,
        method: req.method,
        path: req.url.split('?')[0],
        remoteAddress: req.remoteAddress,
      }),
      res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
    },
    customLogLevel(req, res, error) {
      if (error || res.statusCode >= 500) return 'error';
      // The hot path (thousands a second): successes at debug, so the access log shows what matters;
      // counts and latencies of every request are in /metrics.
      if (res.statusCode < 400 && req.url?.startsWith('/api/v1/internal/')) return 'debug';
      return 'info';
    },
    // Probes are polled every few seconds; logging each would drown the real traffic.
    autoLogging: { ignore: (req) => req.url === '/healthz' || req.url === '/readyz' },
  });
}
