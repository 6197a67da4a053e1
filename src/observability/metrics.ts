/**
 * Prometheus metrics (GET /metrics). One registry per service instance (no global state), so tests
 * and several services in one process do not share counters. No label ever carries a user id, key
 * id or anything secret: labels are bounded sets (route templates, sources, operations, outcomes).
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CacheStats } from '../vault/loading-cache.js';
import { createRequestHistogram } from './request-histogram.js';

export type Metrics = ReturnType<typeof createMetrics>;

export function createMetrics(options: { defaultMetrics?: boolean } = {}) {
  const registry = new Registry();
  if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'byok_' }); // byok_process_cpu_seconds_total, byok_nodejs_*

  const httpDuration = createRequestHistogram({
    name: 'byok_http_request_duration_seconds',
    help: 'HTTP request latency by route template and status',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registry,
  });
  // Counted on every resolve: plain numbers here, handed to prom-client when scraped (its `inc`
  // converts and hashes the labels on every call, which showed on the hot path).
  const resolvedBy = new Map<string, number>();
  const fellBackTo = new Map<string, number>();
  const handOver = (counter: Counter<'source'>, pending: Map<string, number>) => {
    for (const [source, count] of pending) counter.inc({ source }, count);
    pending.clear();
  };
  const resolves = new Counter({
    name: 'byok_resolves_total',
    help: 'Resolves by the source that served them (user, group, system) or none',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      handOver(this, resolvedBy);
    },
  });
  const fallbacks = new Counter({
    name: 'byok_resolve_fallbacks_total',
    help: 'Resolves served by a later step of the chain than the first',
    labelNames: ['source'] as const,
    registers: [registry],
    collect() {
      handOver(this, fellBackTo);
    },
  });
  const reports = new Counter({
    name: 'byok_reports_total',
    help: 'Health reports from internal services by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const keysBenched = new Counter({
    name: 'byok_keys_benched_total',
    help: 'Keys taken out of rotation by a report: cooldowns (rate_limited) and stored health issues (unauthorized, quota_exceeded), by provider and holder (owner or system)',
    labelNames: ['provider', 'reason', 'holder'] as const,
    registers: [registry],
  });
  const redisUp = new Gauge({
    name: 'byok_redis_up',
    help: 'Scale-out: 1 while Redis is reachable, 0 while the instance serves with local state (only with REDIS_URL)',
    registers: [registry],
  });
  const redisFallbacks = new Counter({
    name: 'byok_redis_fallbacks_total',
    help: 'Scale-out: operations served from local state because Redis was unavailable',
    labelNames: ['state'] as const,
    registers: [registry],
  });
  const rateLimited = new Counter({
    name: 'byok_rate_limited_total',
    help: 'Requests refused with 429 by scope (user, internal)',
    labelNames: ['scope'] as const,
    registers: [registry],
  });
  const keycloakCalls = new Histogram({
    name: 'byok_keycloak_request_duration_seconds',
    help: 'Keycloak Admin API calls by operation and outcome',
    labelNames: ['operation', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const tokenRequests = new Counter({
    name: 'byok_service_token_requests_total',
    help: 'Client-credentials token requests of the service account by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const proxyRequests = new Counter({
    name: 'byok_proxy_requests_total',
    help: 'Gateway requests by provider, the status the caller got, and the upstream attempts they took (0: none was made)',
    labelNames: ['provider', 'status', 'attempts'] as const,
    registers: [registry],
  });
  const proxyUpstream = new Histogram({
    name: 'byok_proxy_upstream_duration_seconds',
    help: 'Gateway: time from sending an upstream request to its response headers, by provider and status class (1xx-5xx, or failed)',
    labelNames: ['provider', 'class'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const proxyFailovers = new Counter({
    name: 'byok_proxy_failovers_total',
    help: 'Gateway: upstream answers that sent the request on to the next key, by provider and reason (rate_limited, unauthorized, quota_exceeded, connection_failed)',
    labelNames: ['provider', 'reason'] as const,
    registers: [registry],
  });
  const proxyTokens = new Counter({
    name: 'byok_proxy_tokens_total',
    help: 'Gateway: tokens the providers reported in their answers, by provider and direction (input, output)',
    labelNames: ['provider', 'direction'] as const,
    registers: [registry],
  });
  const cacheSources: Array<{ name: string; stats: () => CacheStats }> = [];
  for (const field of ['hits', 'misses', 'loads', 'staleServed', 'size'] as const) {
    const metricName = { hits: 'hits_total', misses: 'misses_total', loads: 'loads_total', staleServed: 'stale_served_total', size: 'entries' }[field];
    new Gauge({
      name: `byok_cache_${metricName}`,
      help: `Owner cache ${field} (by cache)`,
      labelNames: ['cache'] as const,
      registers: [registry],
      collect() {
        for (const source of cacheSources) this.set({ cache: source.name }, source.stats()[field]);
      },
    });
  }
  new Gauge({
    name: 'byok_cache_hit_ratio',
    help: 'Owner cache hits / (hits + misses) since start',
    labelNames: ['cache'] as const,
    registers: [registry],
    collect() {
      for (const source of cacheSources) {
        const { hits, misses } = source.stats();
        this.set({ cache: source.name }, hits + misses === 0 ? 0 : hits / (hits + misses));
      }
    },
  });

  /** A resolve answered by `source` (or none) at step `stepIndex` of the chain: byok_resolves_total, byok_resolve_fallbacks_total. */
  function countResolve(source: string, stepIndex: number): void {
    resolvedBy.set(source, (resolvedBy.get(source) ?? 0) + 1);
    if (source !== 'none' && stepIndex > 0) fellBackTo.set(source, (fellBackTo.get(source) ?? 0) + 1);
  }

  return {
    registry,
    countResolve,
    httpDuration,
    reports,
    keysBenched,
    redisUp,
    redisFallbacks,
    rateLimited,
    keycloakCalls,
    tokenRequests,
    proxyRequests,
    proxyUpstream,
    proxyFailovers,
    proxyTokens,
    /** Registers a cache whose stats are read at scrape time. */
    watchCache(name: string, stats: () => CacheStats): void {
      cacheSources.push({ name, stats });
    },
  };
}
