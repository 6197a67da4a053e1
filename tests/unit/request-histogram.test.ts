/**
 * The request histogram (src/observability/request-histogram.ts) scrapes exactly as prom-client's
 * own Histogram does for the same observations: same lines, order, labels, buckets, sums and counts.
 */
import { Histogram, Registry } from 'prom-client';
import { createRequestHistogram } from '../../src/observability/request-histogram.js';

const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

function pair() {
  const theirs = new Registry();
  const ours = new Registry();
  const reference = new Histogram({ name: 'byok_http_request_duration_seconds', help: 'HTTP request latency', labelNames: ['method', 'route', 'status'] as const, buckets: BUCKETS, registers: [theirs] });
  const histogram = createRequestHistogram({ name: 'byok_http_request_duration_seconds', help: 'HTTP request latency', buckets: BUCKETS, registry: ours });
  return {
    observe(method: string, route: string, status: number, seconds: number) {
      reference.observe({ method, route, status: String(status) }, seconds);
      histogram.observe(method, route, status, seconds);
    },
    texts: async () => [await theirs.metrics(), await ours.metrics()],
    json: async () => [await theirs.getMetricsAsJSON(), await ours.getMetricsAsJSON()],
    reset() {
      reference.reset();
      histogram.reset();
    },
  };
}

test('scrapes as prom-client does: 5,000 observations over label sets, on every bucket edge and beyond the last', async () => {
  const histograms = pair();
  const routes = ['/api/v1/internal/resolve', '/api/v1/byok/keys', 'unmatched', '/api/v1/proxy/{provider}/{path}'];
  const edges = [...BUCKETS, 0, 3, 10, 1e-9];
  let seed = 7;
  const next = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  for (let i = 0; i < 5_000; i += 1) {
    const seconds = i % 5 === 0 ? (edges[i % edges.length] as number) : next() * 3;
    histograms.observe(i % 7 === 0 ? 'GET' : 'POST', routes[i % routes.length] as string, [200, 404, 503][i % 3] as number, seconds);
  }
  const [theirs, ours] = await histograms.texts();
  expect(ours).toBe(theirs);
  expect(ours).toContain('byok_http_request_duration_seconds_bucket{le="0.0005",method="POST",route="/api/v1/internal/resolve",status="200"}');
  // The JSON form too, but for prom-client's exemplar fields (null: exemplars are off).
  const [theirJson, ourJson] = await histograms.json();
  const withoutExemplars = (metrics: unknown) =>
    (metrics as Array<{ values: Array<Record<string, unknown>> }>).map((metric) => ({ ...metric, values: metric.values.map(({ exemplar: _exemplar, ...value }) => value) }));
  expect(ourJson).toEqual(withoutExemplars(theirJson));
});

test('nothing observed, or reset: no series, as with prom-client', async () => {
  const histograms = pair();
  let [theirs, ours] = await histograms.texts();
  expect(ours).toBe(theirs);
  histograms.observe('POST', '/api/v1/internal/resolve', 200, 0.002);
  histograms.reset();
  [theirs, ours] = await histograms.texts();
  expect(ours).toBe(theirs);
  expect(ours).not.toContain('status="200"');
});
