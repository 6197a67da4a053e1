/**
 * What the operational commands work with: the vault wired exactly as the service wires it
 * (src/create-vault.ts): the same Keycloak adapter, owner store, envelope codec, record opener, key
 * service and owner locks. So every write a command makes goes through the service's own write path
 * (lock, fresh read, full write; docs/storage.md#writes), not a second writer, and invalidates the way the
 * service's writes do. With REDIS_URL (the deployment's scale-out Redis) the locks are the shared ones
 * the service instances take, and every write is announced so that their caches drop the owner;
 * without it the locks are this process's own, and a service writing the same owner in the same
 * moment is not excluded (see docs/operations.md).
 */
import { loadConfig, type Config } from '../config/config.js';
import { createVault } from '../create-vault.js';
import { createLogger } from '../observability/logger.js';
import type { VaultLog } from '../vault/record-opener.js';

/** Values that do not decrypt are counted and reported by the commands themselves, not logged. */
const quietLog: VaultLog = { warn: () => undefined };

export type CliContext = ReturnType<typeof createCliContext>;

export function createCliContext(config: Config) {
  const vault = createVault(config, { logger: createLogger({ level: 'silent' }), vaultLog: quietLog });
  const { redis } = vault;
  return {
    config,
    admin: vault.admin,
    readiness: vault.readiness,
    registry: vault.registry,
    codec: vault.codec,
    store: vault.store,
    /** Realm-wide walks: key holders once the holder index is complete (src/vault/holders.ts). */
    walks: vault.walks,
    holderIndex: vault.holderIndex,
    locks: vault.locks,
    opener: vault.opener,
    keys: vault.keys,
    checkBaseUrl: vault.checkBaseUrl,
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
