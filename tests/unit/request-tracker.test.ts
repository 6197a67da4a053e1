/**
 * The request tracker (src/http/middleware/request-context.ts): the id and API headers are set at
 * once; `answered` logs and measures the request once, however often it is called (the hot path
 * calls it when it has written the answer, other paths on the response's `finish`).
 */
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { createRequestTracker } from '../../src/http/middleware/request-context.js';
import { createLogger } from '../../src/observability/logger.js';
import { createMetrics } from '../../src/observability/metrics.js';

function exchange(url: string, headers: Record<string, string> = {}) {
  const req = new IncomingMessage(new Socket());
  req.method = 'POST';
  req.url = url;
  req.headers = headers;
  return { req, res: new ServerResponse(req) };
}

function tracker() {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
      done();
    },
  });
  const metrics = createMetrics({ defaultMetrics: false });
  const track = createRequestTracker(createLogger({ level: 'debug', destination }), metrics);
  const count = async (route: string, status: string) =>
    (await metrics.httpDuration.get()).values.find((v) => v.metricName === 'byok_http_request_duration_seconds_count' && v.labels.route === route && v.labels.status === status)?.value ?? 0;
  return { track, lines, count };
}

test('the id and no-store are set when tracking starts; a caller id that looks like one is kept, anything else replaced', () => {
  const { track } = tracker();
  const kept = exchange('/api/v1/internal/resolve', { 'x-request-id': 'trace-1.2:3' });
  track(kept.req, kept.res, () => '/api/v1/internal/resolve');
  expect(kept.req.id).toBe('trace-1.2:3');
  expect(kept.res.getHeader('x-request-id')).toBe('trace-1.2:3');
  expect(kept.res.getHeader('cache-control')).toBe('no-store');
  const replaced = exchange('/healthz', { 'x-request-id': 'has spaces' });
  track(replaced.req, replaced.res, () => '/healthz');
  expect(replaced.req.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(replaced.res.getHeader('cache-control')).toBeUndefined();
});

test('answered measures and logs the request once, with its final status, however often it is called', async () => {
  const { track, lines, count } = tracker();
  const { req, res } = exchange('/api/v1/byok/keys?provider=openai');
  const answered = track(req, res, () => '/api/v1/byok/keys');
  expect(await count('/api/v1/byok/keys', '404')).toBe(0);
  expect(lines).toEqual([]);
  res.statusCode = 404;
  answered();
  answered();
  expect(await count('/api/v1/byok/keys', '404')).toBe(1);
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatchObject({ msg: 'request completed', reqId: req.id, req: { method: 'POST', path: '/api/v1/byok/keys' }, res: { statusCode: 404 } });
});

test('a successful internal call is logged at debug, a server error at error', () => {
  const { track, lines } = tracker();
  for (const status of [200, 503]) {
    const { req, res } = exchange('/api/v1/internal/resolve');
    const answered = track(req, res, () => '/api/v1/internal/resolve');
    res.statusCode = status;
    answered();
  }
  expect(lines.map((line) => [line.level, (line.res as { statusCode: number }).statusCode])).toEqual([
    [20, 200],
    [50, 503],
  ]);
});
