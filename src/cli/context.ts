/**
 * What the operational commands work with, composed from Config the way src/main.ts composes the
 * service: the same Keycloak adapter, owner store, envelope codec, record opener, key service and
 * owner locks. So every write a command makes goes through the service's own write path (lock, fresh
 * read, full write; SPEC §4.3), not a second writer. With REDIS_URL (the deployment's scale-out
 * Redis) the locks are the shared ones the service instances take, and every write is announced so
 * that their caches drop the owner; without it the locks are this process's own, and a service
 * writing the same owner in the same moment is not excluded (see the README's rotation procedure).
 */
import { loadConfig, type Config } from '../config/config.js';
import { createEnvelopeCodec } from '../crypto/envelope.js';
import { createKeycloakAccess } from '../keycloak/keycloak-access.js';
import { createKeycloakOwnerStore } from '../keycloak/owner-store.js';
import { createLogger } from '../observability/logger.js';
import { createProviderRegistry } from '../providers/registry.js';
import { createKeyTester } from '../providers/tester.js';
import { checkBaseUrl } from '../providers/url-policy.js';
import { createRedisLink } from '../scale/redis-link.js';
import { createInvalidationBus, createRedisLocks } from '../scale/redis-state.js';
import { createInProcessLocks } from '../vault/in-process-locks.js';
import { createKeyService } from '../vault/key-service.js';
import { createRecordOpener, type VaultLog } from '../vault/record-opener.js';

/** Values that do not decrypt are counted and reported by the commands themselves, not logged. */
const quietLog: VaultLog = { warn: () => undefined };

export type CliContext = ReturnType<typeof createCliContext>;

export function createCliContext(config: Config) {
  const keycloak = createKeycloakAccess(config, createLogger({ level: 'silent' }));
  const registry = createProviderRegistry({ baseUrlOverrides: config.providers.baseUrlOverrides });
  const urlPolicy = config.providers.urlPolicy;
  const codec = createEnvelopeCodec(config.keyring);
  const redis = config.scale.redisUrl
    ? createRedisLink({ url: config.scale.redisUrl, prefix: config.scale.keyPrefix, commandTimeoutMs: config.scale.commandTimeoutMs, logger: createLogger({ level: 'silent' }) })
    : undefined;
  const keycloakStore = createKeycloakOwnerStore(keycloak.admin);
  const invalidation = redis && createInvalidationBus(redis, () => undefined);
  const store: typeof keycloakStore = invalidation
    ? {
        ...keycloakStore,
        async save(stored, change) {
          await keycloakStore.save(stored, change);
          invalidation.announce(stored.owner);
        },
      }
    : keycloakStore;
  const localLocks = createInProcessLocks();
  const locks = redis ? createRedisLocks(redis, localLocks, { ttlMs: config.scale.lockTtlMs, waitMs: config.scale.lockWaitMs }) : localLocks;
  const opener = createRecordOpener(codec, quietLog);
  const keys = createKeyService({
    store,
    locks,
    codec,
    registry,
    tester: createKeyTester({ registry, timeoutMs: config.providers.testTimeoutMs, urlPolicy }),
    checkBaseUrl: (raw) => checkBaseUrl(raw, urlPolicy),
    limits: config.vault,
    now: () => new Date(),
    log: quietLog,
  });
  return {
    config,
    admin: keycloak.admin,
    readiness: keycloak.readiness,
    registry,
    codec,
    store,
    locks,
    opener,
    keys,
    checkBaseUrl: (raw: string) => checkBaseUrl(raw, urlPolicy),
    /** Waits for the shared Redis (when configured) so the first write does not find it "unavailable". */
    async ready(): Promise<void> {
      if (!redis) return;
      const deadline = Date.now() + config.scale.commandTimeoutMs + 5_000;
      while (!redis.available()) {
        if (Date.now() > deadline) throw new Error('REDIS_URL is set but Redis does not answer; the shared locks are needed to write safely');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async close(): Promise<void> {
      await redis?.close();
    },
  };
}

/** Runs a command with a context and closes it after (the Redis connections would keep the process alive). */
export async function withCliContext<T>(env: Record<string, string | undefined>, run: (context: CliContext) => Promise<T>): Promise<T> {
  const context = cliContextFrom(env);
  try {
    await context.ready();
    return await run(context);
  } finally {
    await context.close();
  }
}

/** Loads the service's configuration (ConfigError lists every problem) and composes the context. */
export function cliContextFrom(env: Record<string, string | undefined>): CliContext {
  return createCliContext(loadConfig(env));
}
