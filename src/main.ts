/**
 * Composition root: config → adapters → services → app; start, and stop gracefully on SIGTERM/SIGINT.
 * The only module that reads process.env (through loadConfig).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createApp } from './http/app.js';
import { createRateLimits } from './http/rate-limit.js';
import { createRedisLink } from './scale/redis-link.js';
import { createInvalidationBus, createRedisCooldowns, createRedisCursors, createRedisLocks } from './scale/redis-state.js';
import { createEnvelopeCodec } from './crypto/envelope.js';
import { createAdminEventFollower, keycloakAdminEventSource } from './keycloak/admin-events.js';
import { createKeycloakAccess } from './keycloak/keycloak-access.js';
import type { ReadinessCheck } from './keycloak/readiness.js';
import { createKeycloakMembership, createKeycloakOwnerStore } from './keycloak/owner-store.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createAuditLog, type AuditLog } from './observability/audit.js';
import { createMetrics } from './observability/metrics.js';
import { createProviderRegistry } from './providers/registry.js';
import { createKeyTester } from './providers/tester.js';
import { checkBaseUrl, type UrlPolicyDeps } from './providers/url-policy.js';
import { createPinnedFetch, type HostLookup } from './providers/outbound.js';
import { createBaseUrlRecheck } from './providers/base-url-recheck.js';
import { metricsListener } from './http/routes/metrics.js';
import { createAdoptionStats } from './vault/adoption-stats.js';
import { createInProcessLocks } from './vault/in-process-locks.js';
import { createInProcessCooldowns, createInProcessCursors } from './vault/in-process-state.js';
import { createKeyService } from './vault/key-service.js';
import { createLoadingCache } from './vault/loading-cache.js';
import { ownerKey, parseOwnerKey } from './vault/ports.js';
import { createRecordOpener } from './vault/record-opener.js';
import { createResolver, toResolvable, type ResolvableOwner } from './vault/resolver.js';
import { createUsageTracker } from './vault/usage-tracker.js';

/** How long resolution trusts a custom base URL's last policy check (it may cost a DNS lookup). */
const BASE_URL_RECHECK_TTL_MS = 30_000;

/** Outbound dependencies: `lookup` resolves host names for the URL policy and the pinned connections. */
export interface OutboundDeps {
  lookup?: HostLookup;
}

export function createService(config: Config, logger: Logger, audit: AuditLog = createAuditLog({ destination: config.auditLogFile }), outbound: OutboundDeps = {}) {
  const metrics = createMetrics();
  // Scale-out (docs/scale-out.md): with REDIS_URL the instances share state through Redis.
  const redis = config.scale.redisUrl
    ? createRedisLink({
        url: config.scale.redisUrl,
        prefix: config.scale.keyPrefix,
        commandTimeoutMs: config.scale.commandTimeoutMs,
        logger,
        onAvailability: (up) => metrics.redisUp.set(up ? 1 : 0),
      })
    : undefined;
  if (redis) metrics.redisUp.set(0);
  // Readiness reports these without deciding on them: the instance serves without Redis, and
  // without admin events (it then reloads cached owners more often). The follower runs from start().
  const advisory = (): ReadinessCheck[] => [
    ...(redis ? [{ name: 'redis' as const, ...redis.status() }] : []),
    ...(adminEvents.running() ? [{ name: 'admin_events' as const, ok: adminEvents.status().ok, detail: adminEvents.status().detail }] : []),
  ];
  const keycloak = createKeycloakAccess(config, logger, metrics, advisory);
  const registry = createProviderRegistry({ baseUrlOverrides: config.providers.baseUrlOverrides });
  const urlPolicy = config.providers.urlPolicy;
  // One resolver for the save-time check, the re-checks and the connections themselves.
  const lookupDeps: UrlPolicyDeps = outbound.lookup ? { lookup: outbound.lookup } : {};
  const policyCheck = (raw: string) => checkBaseUrl(raw, urlPolicy, lookupDeps);
  const pinnedFetch = createPinnedFetch({
    policy: urlPolicy,
    lookup: outbound.lookup,
    connectTimeoutMs: config.providers.testTimeoutMs,
    onRefused: (refusal) => logger.warn({ host: refusal.hostname, kind: refusal.kind }, 'outbound connection refused: the address is not allowed by the URL policy'),
  });
  const codec = createEnvelopeCodec(config.keyring);
  const store = createKeycloakOwnerStore(keycloak.admin);
  const opener = createRecordOpener(codec, logger);
  const { resolution } = config;

  // Owners as resolution sees them (docs/resolution.md#caching-and-usage): bounded, TTL, one load per owner in flight.
  const owners = createLoadingCache<ResolvableOwner>({
    load: async (key) => {
      const stored = await store.load(parseOwnerKey(key));
      return stored && toResolvable(stored, opener, codec);
    },
    ttlMs: resolution.cacheTtlMs,
    staleIfErrorMs: resolution.staleIfErrorMs,
    max: resolution.cacheMaxEntries,
  });
  const membership = createKeycloakMembership(keycloak.admin);
  const memberships = createLoadingCache({
    load: (userId) => membership.userGroups(userId),
    ttlMs: resolution.cacheTtlMs,
    staleIfErrorMs: resolution.staleIfErrorMs,
    max: resolution.cacheMaxEntries,
  });

  // Disables, membership changes and deletes made in Keycloak reach the caches through its admin
  // events (one poll per instance), not through TTL expiry or a read per cached owner.
  const adminEvents = createAdminEventFollower({
    source: keycloakAdminEventSource(keycloak.admin, keycloak.tokens),
    realm: config.keycloak.realm,
    pollMs: resolution.adminEventsPollMs,
    now: Date.now,
    log: logger,
    invalidate: (change) => {
      for (const key of change.owners) owners.invalidate(key);
      if (change.allMemberships) memberships.expireAll();
      else for (const userId of change.memberships) memberships.invalidate(userId);
    },
    expire: (loadedBefore) => {
      owners.expireAll(loadedBefore);
      memberships.expireAll(loadedBefore);
    },
  });

  const localLocks = createInProcessLocks();
  const localCursors = createInProcessCursors();
  const localCooldowns = createInProcessCooldowns();
  const invalidation = redis && createInvalidationBus(redis, (key) => owners.invalidate(key));
  if (redis) redis.onRejoin(() => owners.expireAll()); // invalidations may have been missed meanwhile

  const usage = createUsageTracker({ write: (owner, batch) => keys.recordUsage(owner, batch), now: Date.now, log: logger });
  const keys = createKeyService({
    store,
    locks: redis ? createRedisLocks(redis, localLocks, { ttlMs: config.scale.lockTtlMs, waitMs: config.scale.lockWaitMs }) : localLocks,
    codec,
    registry,
    tester: createKeyTester({ registry, timeoutMs: config.providers.testTimeoutMs, urlPolicy, pinnedFetch, ...lookupDeps }),
    checkBaseUrl: policyCheck,
    limits: config.vault,
    now: () => new Date(),
    log: logger,
    onWrite: (owner) => {
      owners.invalidate(ownerKey(owner));
      invalidation?.announce(owner);
    },
    pendingUsage: (owner) => usage.pending(owner),
  });
  const resolver = createResolver({
    owners,
    memberships,
    registry,
    cursors: redis ? createRedisCursors(redis, localCursors, () => metrics.redisFallbacks.inc({ state: 'cursor' })) : localCursors,
    cooldowns: redis ? createRedisCooldowns(redis, localCooldowns, Date.now) : localCooldowns,
    systemKeys: resolution.systemKeys,
    chain: resolution.chain,
    fallbackProvider: resolution.fallbackProvider,
    defaultCooldownSeconds: resolution.defaultCooldownSeconds,
    usage,
    markUnhealthy: (owner, provider, keyId, issue) => keys.markUnhealthy(owner, provider, keyId, issue),
    checkBaseUrl: createBaseUrlRecheck({ check: policyCheck, ttlMs: BASE_URL_RECHECK_TTL_MS }),
    now: Date.now,
    log: logger,
    onResolved: (source, stepIndex) => {
      metrics.resolves.inc({ source });
      if (source !== 'none' && stepIndex > 0) metrics.fallbacks.inc({ source });
    },
    onKeyBenched: (provider, reason, holder) => metrics.keysBenched.inc({ provider, reason, holder }),
  });
  const adoption = createAdoptionStats({
    users: store,
    opener,
    resolvesBySource: usage.sources,
    cacheStats: owners.stats,
    maxAgeMs: 60_000,
    now: Date.now,
  });
  metrics.watchCache('owners', owners.stats);
  metrics.watchCache('memberships', memberships.stats);
  const rateLimits = createRateLimits({
    ...config.rateLimits,
    redis: redis && { client: redis.client, prefix: redis.prefix },
    onLimited: (scope) => metrics.rateLimited.inc({ scope }),
  });
  const app = createApp({ config, logger, verifier: keycloak.verifier, introspection: keycloak.introspection, readiness: keycloak.readiness, keys, registry, resolver, adoption, metrics, audit, rateLimits });
  // GET /metrics on a port of its own (METRICS_PORT); otherwise the app serves it behind METRICS_TOKEN.
  const metricsApp = config.metrics.port === undefined ? undefined : metricsListener(metrics, config.metrics.token);
  return { app, metricsApp, audit, redis, keys, registry, resolver, owners, memberships, usage, store, metrics, adminEvents, ...keycloak };
}

export async function start(
  env: Record<string, string | undefined>,
): Promise<{ server: Server; metricsServer: Server | undefined; stop: () => Promise<void>; reopenAuditLog: () => void }> {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel });
  const service = createService(config, logger);
  service.usage.start(config.resolution.usageFlushIntervalMs);
  service.adminEvents.start();
  // Best effort: load the realm's signing keys now so the first requests do not wait for them.
  service.verifier.warm().catch(() => logger.warn('signing keys not loaded at start-up; will retry on first request'));
  // ENCRYPTION_KEYS against what is stored (also part of /readyz): a wrong key is said at once.
  service.kekCheck.check().then(
    (report) => (report.ok ? logger.info({ detail: report.detail }, 'KEK check passed') : logger.error({ failedVersions: report.failedVersions, detail: report.detail }, 'KEK check failed: not ready')),
    () => logger.warn('KEK check not done at start-up (Keycloak unavailable?); /readyz retries it'),
  );

  const server = await listen(service.app, config.port, config.host);
  logger.info({ url: `http://${config.host}:${portOf(server) ?? config.port}`, keycloak: config.keycloak.issuer }, 'byok-vault listening');
  const metricsServer =
    service.metricsApp &&
    (await listen(service.metricsApp, config.metrics.port ?? 0, config.metrics.host).catch(async (error: unknown) => {
      await new Promise((resolve) => server.close(resolve));
      throw error;
    }));
  if (metricsServer) logger.info({ url: `http://${config.metrics.host}:${portOf(metricsServer)}/metrics` }, 'metrics listening');
  else if (config.metrics.token === undefined) logger.info('GET /metrics is off: set METRICS_TOKEN, or METRICS_PORT for a listener of its own');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      logger.info('shutting down');
      const force = setTimeout(() => {
        logger.warn('shutdown timeout reached; closing remaining connections');
        server.closeAllConnections();
      }, config.http.shutdownTimeoutMs);
      force.unref();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      server.close(() => {
        clearTimeout(force);
        // The last usage batch is written after the last request has been answered.
        Promise.all([service.adminEvents.stop(), service.usage.stop()])
          .catch((error: unknown) => logger.warn({ reason: (error as Error).message }, 'final usage flush failed'))
          .finally(() => {
            logger.info('stopped');
            service.audit.flush();
            void service.redis?.close();
            logger.flush();
            resolve();
          });
      });
      server.closeIdleConnections();
    });
    return stopping;
  };
  return { server, metricsServer, stop, reopenAuditLog: () => service.audit.reopen() };
}

function listen(listener: RequestListener, port: number, host: string): Promise<Server> {
  return new Promise<Server>((resolve, reject) => {
    const listening = createServer(listener).listen(port, host, () => resolve(listening));
    listening.once('error', reject);
  });
}

function portOf(server: Server): number | undefined {
  const address = server.address();
  return typeof address === 'object' && address ? address.port : undefined;
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  start(process.env).then(
    ({ stop, reopenAuditLog }) => {
      process.on('SIGHUP', reopenAuditLog); // after the audit file was rotated
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => void stop().then(() => process.exit(0)));
      }
    },
    (error: unknown) => {
      if (error instanceof ConfigError) {
        process.stderr.write(`byok-vault: ${error.message}\n`);
        process.exit(78); // EX_CONFIG
      }
      process.stderr.write(`byok-vault: failed to start: ${(error as Error).stack ?? String(error)}\n`);
      process.exit(1);
    },
  );
}
