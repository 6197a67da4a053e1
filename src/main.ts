/**
 * Composition root: config → adapters → services → app; start, and stop gracefully on SIGTERM/SIGINT.
 * The only module that reads process.env (through loadConfig).
 */
import type { Server } from 'node:http';
import { ConfigError, loadConfig, type Config } from './config/config.js';
import { createApp } from './http/app.js';
import { createEnvelopeCodec } from './crypto/envelope.js';
import { createKeycloakAccess } from './keycloak/keycloak-access.js';
import { createKeycloakOwnerStore } from './keycloak/owner-store.js';
import { createLogger, type Logger } from './observability/logger.js';
import { createProviderRegistry } from './providers/registry.js';
import { createKeyTester } from './providers/tester.js';
import { checkBaseUrl } from './providers/url-policy.js';
import { createInProcessLocks } from './vault/in-process-locks.js';
import { createKeyService } from './vault/key-service.js';

export function createService(config: Config, logger: Logger) {
  const keycloak = createKeycloakAccess(config, logger);
  const registry = createProviderRegistry({ baseUrlOverrides: config.providers.baseUrlOverrides });
  const urlPolicy = config.providers.urlPolicy;
  const keys = createKeyService({
    store: createKeycloakOwnerStore(keycloak.admin),
    locks: createInProcessLocks(),
    codec: createEnvelopeCodec(config.keyring),
    registry,
    tester: createKeyTester({ registry, timeoutMs: config.providers.testTimeoutMs, urlPolicy }),
    checkBaseUrl: (raw) => checkBaseUrl(raw, urlPolicy),
    limits: config.vault,
    now: () => new Date(),
    log: logger,
  });
  const app = createApp({ config, logger, verifier: keycloak.verifier, readiness: keycloak.readiness, keys, registry });
  return { app, keys, registry, ...keycloak };
}

export async function start(env: Record<string, string | undefined>): Promise<{ server: Server; stop: () => Promise<void> }> {
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel });
  const service = createService(config, logger);
  // Best effort: load the realm's signing keys now so the first requests do not wait for them.
  service.verifier.warm().catch(() => logger.warn('signing keys not loaded at start-up; will retry on first request'));

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = service.app.listen(config.port, config.host, () => resolve(listening));
    listening.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  logger.info({ url: `http://${config.host}:${port}`, keycloak: config.keycloak.issuer }, 'byok-vault listening');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= new Promise<void>((resolve) => {
      logger.info('shutting down');
      const force = setTimeout(() => {
        logger.warn('shutdown timeout reached; closing remaining connections');
        server.closeAllConnections();
      }, config.http.shutdownTimeoutMs);
      force.unref();
      server.close(() => {
        clearTimeout(force);
        logger.info('stopped');
        logger.flush();
        resolve();
      });
      server.closeIdleConnections();
    });
    return stopping;
  };
  return { server, stop };
}

const isEntryPoint = import.meta.url === `file://${process.argv[1]}`;
if (isEntryPoint) {
  start(process.env).then(
    ({ stop }) => {
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
