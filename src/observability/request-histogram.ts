/**
 * The HTTP request duration histogram, observed on every request (the hot path included), exported
 * in exactly the form prom-client's `Histogram` gives (tests/unit/request-histogram.test.ts compares
 * the two). prom-client's own `observe` converts, validates and hashes the labels on every call
 * (~1 µs, a few per cent of a warm resolve's CPU); here a label set is found through three `Map`s
 * (method, route, status) without building a string, and an observation is a bucket increment.
 * Label values are route templates, methods and statuses: bounded sets.
 */
import type { Registry } from 'prom-client';

interface Series {
  labels: { method: string; route: string; status: string };
  /** Observations per bucket (not cumulative), the last one for +Inf. */
  counts: number[];
  sum: number;
  count: number;
}

interface Value {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface RequestHistogram {
  readonly name: string;
  observe(method: string, route: string, status: number, seconds: number): void;
  /** prom-client's metric interface: what the registry reads at scrape time. */
  get(): Promise<{ name: string; help: string; type: 'histogram'; values: Value[]; aggregator: 'sum' }>;
  reset(): void;
}

export function createRequestHistogram(options: { name: string; help: string; buckets: readonly number[]; registry: Registry }): RequestHistogram {
  const { name, help, buckets } = options;
  const byMethod = new Map<string, Map<string, Map<number, Series>>>();
  const all: Series[] = [];

  function seriesOf(method: string, route: string, status: number): Series {
    let byRoute = byMethod.get(method);
    if (byRoute === undefined) byMethod.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (byStatus === undefined) byRoute.set(route, (byStatus = new Map()));
    let series = byStatus.get(status);
    if (series === undefined) {
      series = { labels: { method, route, status: String(status) }, counts: new Array<number>(buckets.length + 1).fill(0), sum: 0, count: 0 };
      byStatus.set(status, series);
      all.push(series);
    }
    return series;
  }

  const histogram: RequestHistogram = {
    name,
    observe(method, route, status, seconds) {
      if (!Number.isFinite(seconds)) return; // prom-client refuses these too (it throws)
      const series = seriesOf(method, route, status);
      let bucket = 0;
      while (bucket < buckets.length && seconds > (buckets[bucket] as number)) bucket += 1;
      series.counts[bucket] = (series.counts[bucket] as number) + 1;
      series.sum += seconds;
      series.count += 1;
    },
    async get() {
      const values: Value[] = [];
      for (const { labels, counts, sum, count } of all) {
        let cumulative = 0;
        buckets.forEach((le, bucket) => {
          cumulative += counts[bucket] as number;
          values.push({ labels: { le, ...labels }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { le: '+Inf', ...labels }, value: count, metricName: `${name}_bucket` });
        values.push({ labels: { ...labels }, value: sum, metricName: `${name}_sum` });
        values.push({ labels: { ...labels }, value: count, metricName: `${name}_count` });
      }
      return { name, help, type: 'histogram', values, aggregator: 'sum' };
    },
    reset() {
      byMethod.clear();
      all.length = 0;
    },
  };
  // The registry reads any object with a name, help, type and get() (registry.js getMetricsAsString).
  options.registry.registerMetric(Object.assign(histogram, { help, type: 'histogram', aggregator: 'sum' }) as unknown as Parameters<Registry['registerMetric']>[0]);
  return histogram;
}
