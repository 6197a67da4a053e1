/**
 * What the operational commands work with, composed from Config the way src/main.ts composes the
 * service: the same Keycloak adapter, owner store, envelope codec, record opener, key service and
 * in-process owner locks. So every write a command makes goes through the service's own write path
 * (lock, fresh read, full write; SPEC §4.3), not a second writer.
 */
import { loadConfig, type Config } from '../config/config.js';
import { createEnvelopeCodec } from '../crypto/envelope.js';
import { createKeycloakAccess } from '../keycloak/keycloak-access.js';
import { createKeycloakOwnerStore } from '../keycloak/owner-store.js';
import { createLogger } from '../observability/logger.js';
import { createProviderRegistry } from '../providers/registry.js';
import { createKeyTester } from '../providers/tester.js';
import { checkBaseUrl } from '../providers/url-policy.js';
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
  const store = createKeycloakOwnerStore(keycloak.admin);
  const locks = createInProcessLocks();
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
  };
}

/** Loads the service's configuration (ConfigError lists every problem) and composes the context. */
export function cliContextFrom(env: Record<string, string | undefined>): CliContext {
  return createCliContext(loadConfig(env));
}
