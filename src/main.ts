/**
 * Composition root: config → adapters → services → app; start, and stop gracefully on SIGTERM/SIGINT.
 * The only module that reads process.env (through loadConfig).
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createVault } from './create-vault.js';
import { Agent } from 'undici';
import { isClusterWorker, onDrainRequest, tellSupervisor, untilReady } from './deploy/cluster-worker.js';
import { drainServer } from './http/drain.js';
import { createGateway } from './gateway/proxy.js';
import { createApp } from './http/app.js';
import { INTERNAL_ROLE } from './keycloak/roles.js';
import { createRateLimits } from './http/rate-limit.js';
import { metricsListener } from './http/routes/metrics.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createAuditLog, type AuditLog } from './observability/audit.js';
import { createMetrics } from './observability/metrics.js';
import type { HostLookup } from './providers/outbound.js';
import { createAdoptionStats } from './vault/adoption-stats.js';
import type { Clock } from './vault/ports.js';

/** What the service takes from outside besides its configuration; tests pass fakes. */
export interface ServiceDeps {
  /** Resolves host names for the URL policy and the pinned connections. */
  lookup?: HostLookup;
  /** The vault's clock (expiry, cooldowns, cache freshness, usage and record times); the system clock unless given. */
  clock?: Clock;
}

export function createService(config: Config, logger: Logger, audit: AuditLog = createAuditLog({ destination: config.auditLogFile }), deps: ServiceDeps = {}) {
  const metrics = createMetrics();
  const vault = createVault(config, { logger, metrics, ...(deps.clock ? { clock: deps.clock } : {}), ...(deps.lookup ? { lookup: deps.lookup } : {}) });
  const adoption = createAdoptionStats({
    owners: vault.walks,
    counts: vault.store,
    opener: vault.opener,
    resolvesBySource: vault.usage.sources,
    usage: vault.usage,
    daysKept: config.resolution.usageDaysKept,
    cacheStats: vault.owners.stats,
    maxAgeMs: 60_000,
    now: () => vault.clock.now(),
  });
  const rateLimits = createRateLimits({
    ...config.rateLimits,
    redis: vault.redis && { client: vault.redis.client, prefix: vault.redis.prefix },
    onLimited: (scope) => metrics.rateLimited.inc({ scope }),
  });
  const { verifier, introspection, readiness, keys, registry, resolver } = vault;
  const gateway = createGateway({
    registry,
    resolver,
    verifier,
    introspection,
    rateLimits,
    // Operator base URLs (the registry's): one keep-alive pool per origin.
    trusted: new Agent({ connect: { timeout: config.providers.testTimeoutMs }, keepAliveTimeout: 30_000 }),
    pinned: vault.pinnedAgent,
    settings: config.gateway,
    internalRole: INTERNAL_ROLE,
    clock: vault.clock,
    onTokens: (served, tokens) => vault.usage.recordTokens(served.holder, served.provider, served.keyId, tokens),
    metrics,
    log: logger,
  });
  const { memberships, directory } = vault;
  const app = createApp({ config, logger, verifier, introspection, readiness, keys, registry, resolver, adoption, memberships, directory, metrics, audit, rateLimits, gateway });
  // GET /metrics on a port of its own (METRICS_PORT); otherwise the app serves it behind METRICS_TOKEN.
  const metricsApp = config.metrics.port === undefined ? undefined : metricsListener(metrics, config.metrics.token);
  return { ...vault, app, metricsApp, audit, metrics };
}

export interface StartOptions {
  /** Runs once the service is built, before it listens: a supervised worker waits there until ready. */
  beforeListen?: (service: ReturnType<typeof createService>) => Promise<void>;
}

/**
 * How to stop: `now` (SIGTERM) closes idle connections at once; `drain` (a newer release serves on
 * the same port) lets them end without failing a request (src/http/drain.ts). Both finish the
 * requests in flight and then flush usage.
 */
export type StopMode = 'now' | 'drain';

export async function start(
  env: Record<string, string | undefined>,
  options: StartOptions = {},
): Promise<{ server: Server; metricsServer: Server | undefined; stop: (mode?: StopMode) => Promise<void>; reopenAuditLog: () => void }> {
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

  await options.beforeListen?.(service);
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
  const stop = (mode: StopMode = 'now') => {
    stopping ??= new Promise<void>((resolve) => {
      logger.info({ mode }, 'shutting down');
      const force = setTimeout(() => {
        logger.warn('shutdown timeout reached; closing remaining connections');
        server.closeAllConnections();
        metricsServer?.closeAllConnections();
      }, config.http.shutdownTimeoutMs);
      force.unref();
      if (mode === 'drain') {
        if (metricsServer) drainServer(metricsServer, () => undefined);
      } else {
        metricsServer?.close();
        metricsServer?.closeAllConnections();
      }
      const closed = () => {
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
      };
      if (mode === 'drain') {
        drainServer(server, closed);
      } else {
        server.close(closed);
        server.closeIdleConnections();
      }
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

/**
 * Under deploy.sh's supervisor (a node:cluster worker, src/deploy/supervisor.ts): listen only once
 * the readiness checks pass, say so, and drain when a newer release serves.
 */
const supervisedStart: StartOptions = {
  beforeListen: (service) =>
    untilReady(() => service.readiness.check(), { intervalMs: 1000, notReady: (reason) => tellSupervisor({ byok: 'not-ready', reason }) }),
};

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  const supervised = isClusterWorker();
  start(process.env, supervised ? supervisedStart : {}).then(
    ({ stop, reopenAuditLog }) => {
      process.on('SIGHUP', reopenAuditLog); // after the audit file was rotated
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        process.once(signal, () => void stop().then(() => process.exit(0)));
      }
      if (supervised) {
        onDrainRequest(() => void stop('drain').then(() => process.exit(0)));
        tellSupervisor({ byok: 'serving' });
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
