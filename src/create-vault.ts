/**
 * The one wiring of the vault (config → adapters → domain services), used by the service
 * (src/main.ts, which adds HTTP, metrics endpoints and the process lifecycle) and by the `byok`
 * command (src/cli/context.ts). So a command writes through the very write path the service uses
 * (lock, fresh read, full write; docs/storage.md#writes), with the same locks, and every write, by either,
 * invalidates in one way: this process's resolution cache drops the owner and, with REDIS_URL, the
 * other instances are told.
 *
 * Built in dependency order, with no forward reference: the usage tracker writes through a usage
 * writer of its own (not through the key service, which asks the tracker for pending usage).
 */
import type { Config } from './config/config.js';
import { createEnvelopeCodec } from './crypto/envelope.js';
import { createAdminEventFollower, keycloakAdminEventSource } from './keycloak/admin-events.js';
import { createKeycloakAccess } from './keycloak/keycloak-access.js';
import { createKeycloakDirectory } from './keycloak/directory.js';
import { createKeycloakMembership, createKeycloakOwnerStore } from './keycloak/owner-store.js';
import type { ReadinessCheck } from './keycloak/readiness.js';
import type { Logger } from './observability/logger.js';
import type { Metrics } from './observability/metrics.js';
import { createBaseUrlRecheck } from './providers/base-url-recheck.js';
import { createPinnedAgent, fetchThrough, type HostLookup } from './providers/outbound.js';
import { createProviderRegistry } from './providers/registry.js';
import { createKeyTester } from './providers/tester.js';
import { checkBaseUrl, type UrlPolicyDeps } from './providers/url-policy.js';
import { createRedisLink } from './scale/redis-link.js';
import { createInvalidationBus, createRedisCooldowns, createRedisCursors, createRedisLocks } from './scale/redis-state.js';
import { createRedisUsage } from './scale/redis-usage.js';
import { createInProcessLocks } from './vault/in-process-locks.js';
import { createInProcessCooldowns, createInProcessCursors } from './vault/in-process-state.js';
import { createKeyService, createUsageWriter } from './vault/key-service.js';
import { createLoadingCache } from './vault/loading-cache.js';
import { ownerKey, parseOwnerKey, systemClock, type Clock, type OwnerRef } from './vault/ports.js';
import { createRecordOpener, type VaultLog } from './vault/record-opener.js';
import { createResolver, toResolvable, type ResolvableOwner } from './vault/resolver.js';
import { createUsageTracker } from './vault/usage-tracker.js';

/** How long resolution trusts a custom base URL's last policy check (it may cost a DNS lookup). */
const BASE_URL_RECHECK_TTL_MS = 30_000;

export interface VaultOptions {
  /** Adapter logs (Keycloak, Redis, admin events). */
  logger: Logger;
  /** Domain warnings (a value that does not decrypt, a key skipped); `logger` unless given. */
  vaultLog?: VaultLog;
  /** Every time-dependent decision of the vault; the system clock unless given (tests pass a fake). */
  clock?: Clock;
  /** The service's metrics; the CLI has none. */
  metrics?: Metrics;
  /** Resolves host names for the URL policy and the pinned outbound connections (tests pass a fake). */
  lookup?: HostLookup;
}

export type Vault = ReturnType<typeof createVault>;

export function createVault(config: Config, options: VaultOptions) {
  const { logger, metrics } = options;
  const clock = options.clock ?? systemClock;
  const vaultLog = options.vaultLog ?? logger;
  const { resolution } = config;

  // Scale-out (docs/scale-out.md): with REDIS_URL the instances share state through Redis.
  const redis = config.scale.redisUrl
    ? createRedisLink({
        url: config.scale.redisUrl,
        prefix: config.scale.keyPrefix,
        commandTimeoutMs: config.scale.commandTimeoutMs,
        logger,
        ...(metrics ? { onAvailability: (up: boolean) => metrics.redisUp.set(up ? 1 : 0) } : {}),
      })
    : undefined;
  if (redis) metrics?.redisUp.set(0);

  // Readiness reports these without deciding on them: the instance serves without Redis, and without
  // admin events (it then reloads cached owners more often). They are registered once built, below.
  const advisories: Array<() => ReadinessCheck[]> = [];
  if (redis) advisories.push(() => [{ name: 'redis', ...redis.status() }]);
  const keycloak = createKeycloakAccess(config, logger, metrics, () => advisories.flatMap((check) => check()));

  const registry = createProviderRegistry({ baseUrlOverrides: config.providers.baseUrlOverrides });
  const urlPolicy = config.providers.urlPolicy;
  // One host resolver for the save-time check, the re-checks and the connections themselves.
  const lookupDeps: UrlPolicyDeps = options.lookup ? { lookup: options.lookup } : {};
  const policyCheck = (raw: string) => checkBaseUrl(raw, urlPolicy, lookupDeps);
  // Every connection to a base URL a user gave (key tests, the gateway) goes through this agent.
  const pinnedAgent = createPinnedAgent({
    policy: urlPolicy,
    lookup: options.lookup,
    connectTimeoutMs: config.providers.testTimeoutMs,
    onRefused: (refusal) => logger.warn({ host: refusal.hostname, kind: refusal.kind }, 'outbound connection refused: the address is not allowed by the URL policy'),
  });
  const pinnedFetch = fetchThrough(pinnedAgent);
  const codec = createEnvelopeCodec(config.keyring);
  const store = createKeycloakOwnerStore(keycloak.admin);
  const opener = createRecordOpener(codec, vaultLog);

  // Owners as resolution sees them (docs/resolution.md#caching-and-usage): bounded, TTL, one load per owner in flight.
  const owners = createLoadingCache<ResolvableOwner>({
    load: async (key) => {
      const stored = await store.load(parseOwnerKey(key));
      return stored && toResolvable(stored, opener, codec);
    },
    ttlMs: resolution.cacheTtlMs,
    staleIfErrorMs: resolution.staleIfErrorMs,
    max: resolution.cacheMaxEntries,
    // An unknown id costs Keycloak one read per this; a user created meanwhile comes in through admin events.
    negativeTtlMs: resolution.negativeCacheTtlMs,
    clock,
  });
  const membership = createKeycloakMembership(keycloak.admin);
  const memberships = createLoadingCache({
    load: (userId) => membership.userGroups(userId),
    ttlMs: resolution.cacheTtlMs,
    staleIfErrorMs: resolution.staleIfErrorMs,
    max: resolution.cacheMaxEntries,
    clock,
  });

  // Disables, membership changes and deletes made in Keycloak reach the caches through its admin
  // events (one poll per instance, from start()), not through TTL expiry or a read per cached owner.
  const adminEvents = createAdminEventFollower({
    source: keycloakAdminEventSource(keycloak.admin, keycloak.tokens),
    realm: config.keycloak.realm,
    pollMs: resolution.adminEventsPollMs,
    now: () => clock.now(),
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
  advisories.push(() => {
    if (!adminEvents.running()) return [];
    const { ok, detail } = adminEvents.status();
    return [{ name: 'admin_events', ok, detail }];
  });

  const localLocks = createInProcessLocks();
  const localCursors = createInProcessCursors();
  const localCooldowns = createInProcessCooldowns(clock);
  const locks = redis ? createRedisLocks(redis, localLocks, { ttlMs: config.scale.lockTtlMs, waitMs: config.scale.lockWaitMs }) : localLocks;
  const invalidation = redis && createInvalidationBus(redis, (key) => owners.invalidate(key));
  if (redis) redis.onRejoin(() => owners.expireAll()); // invalidations may have been missed meanwhile

  /** After every write of an owner, by the key service or an operation: caches drop it, here and elsewhere. */
  const ownerChanged = (owner: OwnerRef) => {
    owners.invalidate(ownerKey(owner));
    invalidation?.announce(owner);
  };
  /** The store for writers outside the key service (rewrap, legacy migration): its saves invalidate too. */
  const writeStore: typeof store = {
    ...store,
    async save(stored, change) {
      await store.save(stored, change);
      ownerChanged(stored.owner);
    },
  };
  // Usage writes do not invalidate: resolution does not read usage. With Redis, the counts of every
  // instance meet there and reach Keycloak once per owner and persist interval.
  const usageWriter = createUsageWriter({ store, locks, clock, daysKept: resolution.usageDaysKept });
  const usage = createUsageTracker({
    write: usageWriter.recordUsage,
    clock,
    log: vaultLog,
    daysKept: resolution.usageDaysKept,
    persistIntervalMs: resolution.usagePersistIntervalMs,
    flushIntervalMs: resolution.usageFlushIntervalMs,
    ...(redis ? { shared: createRedisUsage(redis) } : {}),
  });
  const keys = createKeyService({
    store,
    locks,
    codec,
    registry,
    tester: createKeyTester({ registry, timeoutMs: config.providers.testTimeoutMs, urlPolicy, pinnedFetch, ...lookupDeps }),
    checkBaseUrl: policyCheck,
    limits: config.vault,
    clock,
    log: vaultLog,
    onWrite: ownerChanged,
    unpersisted: (owner, storedBatch) => usage.unpersisted(owner, storedBatch),
    usageDaysKept: resolution.usageDaysKept,
  });
  const resolver = createResolver({
    owners,
    memberships,
    registry,
    cursors: redis ? createRedisCursors(redis, localCursors, () => metrics?.redisFallbacks.inc({ state: 'cursor' })) : localCursors,
    cooldowns: redis ? createRedisCooldowns(redis, localCooldowns, () => clock.now()) : localCooldowns,
    systemKeys: resolution.systemKeys,
    chain: resolution.chain,
    fallbackProvider: resolution.fallbackProvider,
    defaultCooldownSeconds: resolution.defaultCooldownSeconds,
    usage,
    markUnhealthy: (owner, provider, keyId, issue) => keys.markUnhealthy(owner, provider, keyId, issue),
    checkBaseUrl: createBaseUrlRecheck({ check: policyCheck, ttlMs: BASE_URL_RECHECK_TTL_MS }),
    clock,
    log: vaultLog,
    onResolved: (source, stepIndex) => metrics?.countResolve(source, stepIndex),
    onKeyBenched: (provider, reason, holder) => metrics?.keysBenched.inc({ provider, reason, holder }),
  });
  if (metrics) {
    metrics.watchCache('owners', owners.stats);
    metrics.watchCache('memberships', memberships.stats);
  }

  return {
    ...keycloak,
    config,
    clock,
    redis,
    registry,
    codec,
    /** Reads, and writes that invalidate the resolution caches (see writeStore). */
    store: writeStore,
    locks,
    opener,
    keys,
    owners,
    memberships,
    /** Finding users and groups for the admin console (reads only). */
    directory: createKeycloakDirectory(keycloak.admin),
    usage,
    resolver,
    adminEvents,
    checkBaseUrl: policyCheck,
    pinnedAgent,
  };
}
