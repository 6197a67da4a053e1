/**
 * Configuration: one zod schema over the environment, parsed once at start-up into a frozen Config
 * that is passed down. Nobody else reads process.env. When anything is wrong the process stops and
 * lists every problem at once, naming the variable and what it expects.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { urlVariable } from './url-variable.js';
import { parseKeyring, type Keyring } from '../crypto/keyring.js';
import { PROVIDER_IDS, type ProviderId } from '../providers/registry.js';
import { DEFAULT_CHAIN, parseChain, type ChainStep } from '../vault/chain.js';
import { TIERS, type Tier } from '../vault/tiers.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const httpUrl = (name: string) => urlVariable(name, { protocols: ['http:', 'https:'], kind: 'an http(s) URL', example: 'http://127.0.0.1:8080', plain: true });

/**
 * The environment without its empty (or blank) variables: `KEY=` copied from .env.example means
 * "the default", for every variable, exactly as if the line were absent. Both loaders (the service's
 * and `byok bootstrap-realm`'s) parse only this.
 */
export function withoutEmptyVariables(env: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') kept[name] = value;
  }
  return kept;
}

const int = (name: string, min: number, max: number, fallback: number) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: 'custom', message: `${name} must be a whole number from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

const bool = (name: string) =>
  z
    .string()
    .trim()
    .optional()
    .transform((value, ctx) => {
      if (value === undefined) return false;
      if (/^(1|true|yes|on)$/i.test(value)) return true;
      if (/^(0|false|no|off)$/i.test(value)) return false;
      ctx.addIssue({ code: 'custom', message: `${name} must be true or false` });
      return z.NEVER;
    });

/** `starter:3,enterprise:25` → per-tier key limits. */
const tierLimits = z
  .string()
  .trim()
  .optional()
  .transform((value, ctx) => {
    const limits: Partial<Record<Tier, number>> = {};
    for (const entry of (value ?? '').split(',').map((part) => part.trim()).filter(Boolean)) {
      const [tier, count] = entry.split(':').map((part) => part.trim());
      const limit = Number(count);
      if (!(TIERS as readonly string[]).includes(tier ?? '') || !Number.isInteger(limit) || limit < 0 || limit > 1000) {
        ctx.addIssue({
          code: 'custom',
          message: `BYOK_TIER_KEY_LIMITS entry "${entry}" must be <tier>:<0..1000> with tier one of ${TIERS.join(', ')}`,
        });
        continue;
      }
      limits[tier as Tier] = limit;
    }
    return limits;
  });

/** Providers whose base URL an operator may override with `<PROVIDER>_BASE_URL` (not `custom`). */
const OVERRIDABLE_PROVIDERS = PROVIDER_IDS.filter((id) => id !== 'custom');
const baseUrlOverrideVariable = (provider: ProviderId) => `${provider.toUpperCase()}_BASE_URL`;
/** Platform (system) keys, comma-separated: `OPENAI_API_KEY=sk-a,sk-b` rotates over both. */
const systemKeyVariable = (provider: ProviderId) => `${provider.toUpperCase()}_API_KEY`;

const envSchema = z.object({
  HOST: z.string().trim().min(1).default('127.0.0.1'),
  PORT: int('PORT', 0, 65535, 8787),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  /** The one Keycloak URL: admin calls go there and every token's `iss` must start with it. */
  KEYCLOAK_URL: httpUrl('KEYCLOAK_URL'),
  KEYCLOAK_REALM: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9._-]+$/, 'KEYCLOAK_REALM must be a realm name (letters, digits, . _ -)')
    .default('byok'),
  KEYCLOAK_CLIENT_ID: z.string().trim().min(1, 'KEYCLOAK_CLIENT_ID must not be empty').default('byok-service'),
  KEYCLOAK_CLIENT_SECRET: z
    .string({ error: 'KEYCLOAK_CLIENT_SECRET is required (the byok-service client secret)' })
    .min(1, 'KEYCLOAK_CLIENT_SECRET is required (the byok-service client secret)'),
  /**
   * The audience every accepted token must name in `aud` (a token another client of the realm got for
   * a user is refused). Unset: KEYCLOAK_CLIENT_ID, the only value that works, because Keycloak (26.x)
   * introspects a token only for a client named in its `aud`, and writes are checked by introspection.
   */
  TOKEN_AUDIENCE: z.string().trim().min(1).optional(),
  KEYCLOAK_TIMEOUT_MS: int('KEYCLOAK_TIMEOUT_MS', 100, 120_000, 5_000),
  /** Seconds before expiry at which the service token is renewed (capped at a fifth of its lifetime). */
  SERVICE_TOKEN_REFRESH_SKEW_SECONDS: int('SERVICE_TOKEN_REFRESH_SKEW_SECONDS', 0, 3600, 30),
  ENCRYPTION_KEYS: z.string().optional(),
  ENCRYPTION_ACTIVE_KEY_VERSION: z.string().optional(),
  /** Maximum JSON body size in bytes. */
  BODY_LIMIT_BYTES: int('BODY_LIMIT_BYTES', 1024, 10 * 1024 * 1024, 64 * 1024),
  SHUTDOWN_TIMEOUT_MS: int('SHUTDOWN_TIMEOUT_MS', 0, 120_000, 10_000),
  /** Express `trust proxy` hop count, for the client address in logs behind a load balancer. */
  TRUST_PROXY_HOPS: int('TRUST_PROXY_HOPS', 0, 10, 0),
  /** Lowest tier that may add keys or replace secrets (docs/storage.md#tiers-and-limits). */
  BYOK_MIN_TIER: z.enum(TIERS, { error: `BYOK_MIN_TIER must be one of ${TIERS.join(', ')}` }).default('starter'),
  BYOK_MAX_KEYS_PER_PROVIDER: int('BYOK_MAX_KEYS_PER_PROVIDER', 1, 1000, 10),
  BYOK_TIER_KEY_LIMITS: tierLimits,
  /** Let users' custom base URLs use plain http (development only). */
  ALLOW_INSECURE_BASE_URLS: bool('ALLOW_INSECURE_BASE_URLS'),
  /** Let users' custom base URLs point at loopback, private or link-local addresses (development only). */
  ALLOW_PRIVATE_BASE_URLS: bool('ALLOW_PRIVATE_BASE_URLS'),
  KEY_TEST_TIMEOUT_MS: int('KEY_TEST_TIMEOUT_MS', 100, 120_000, 10_000),
  /** Provider for models no provider claims, and the fallback steps of the chain (e.g. openrouter). */
  FALLBACK_PROVIDER: z.enum(PROVIDER_IDS, { error: `FALLBACK_PROVIDER must be one of ${PROVIDER_IDS.join(', ')}` }).optional(),
  RESOLUTION_CHAIN: z
    .string()
    .optional()
    .transform((value, ctx) => {
      try {
        return value === undefined ? [...DEFAULT_CHAIN] : parseChain(value);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `RESOLUTION_CHAIN: ${(error as Error).message}` });
        return z.NEVER;
      }
    }),
  OWNER_CACHE_TTL_SECONDS: int('OWNER_CACHE_TTL_SECONDS', 0, 86_400, 300),
  OWNER_CACHE_MAX_ENTRIES: int('OWNER_CACHE_MAX_ENTRIES', 1, 10_000_000, 50_000),
  /**
   * How long "no such user or group" is remembered (0: not at all), so a caller looping on an unknown
   * id costs Keycloak one read per this; bounded like the owner cache (OWNER_CACHE_MAX_ENTRIES, apart).
   */
  NEGATIVE_CACHE_SECONDS: int('NEGATIVE_CACHE_SECONDS', 0, 3_600, 30),
  STALE_IF_ERROR_SECONDS: int('STALE_IF_ERROR_SECONDS', 0, 86_400, 600),
  DEFAULT_COOLDOWN_SECONDS: int('DEFAULT_COOLDOWN_SECONDS', 1, 86_400, 60),
  /** How often usage counts go to Redis (with REDIS_URL), due owners are written and failed writes retried. */
  USAGE_FLUSH_INTERVAL_SECONDS: int('USAGE_FLUSH_INTERVAL_SECONDS', 1, 86_400, 60),
  /** An owner's usage counts are written to Keycloak at most once per this (from its first count not yet written). */
  USAGE_PERSIST_INTERVAL_SECONDS: int('USAGE_PERSIST_INTERVAL_SECONDS', 1, 604_800, 3_600),
  /** Days of usage per key and day kept (today included); older days are pruned when usage is written. */
  USAGE_DAYS_KEPT: int('USAGE_DAYS_KEPT', 1, 366, 30),
  /**
   * How often each instance reads Keycloak's admin events to drop disabled users, removed
   * memberships and deleted owners from its caches; such changes take effect within twice this.
   */
  ADMIN_EVENTS_POLL_SECONDS: int('ADMIN_EVENTS_POLL_SECONDS', 1, 30, 5),
  /** Scale-out (docs/scale-out.md): shared cursors, locks, cooldowns, invalidation and rate limits. Unset: in process. */
  REDIS_URL: urlVariable('REDIS_URL', { protocols: ['redis:', 'rediss:'], kind: 'a redis:// or rediss:// URL', example: 'redis://127.0.0.1:6379/0' }).optional(),
  REDIS_KEY_PREFIX: z.string().trim().regex(/^[\w:.-]{1,64}$/, 'REDIS_KEY_PREFIX must be 1-64 of letters, digits, _ : . -').default('byok:'),
  REDIS_COMMAND_TIMEOUT_MS: int('REDIS_COMMAND_TIMEOUT_MS', 50, 60_000, 500),
  /** A writer's hold on an owner's shared lock; extended while it works, so only a dead holder's lock expires. */
  LOCK_TTL_SECONDS: int('LOCK_TTL_SECONDS', 1, 3600, 30),
  /** How long a write waits for another writer of the same owner before 503 OWNER_BUSY. */
  LOCK_WAIT_SECONDS: int('LOCK_WAIT_SECONDS', 1, 3600, 15),
  /** Requests per minute per user (token subject) on the user and admin API; 0: no limit. */
  RATE_LIMIT_USER_PER_MINUTE: int('RATE_LIMIT_USER_PER_MINUTE', 0, 1_000_000, 600),
  /** Requests per second per internal client (token azp) on /internal; 0: no limit. */
  RATE_LIMIT_INTERNAL_PER_SECOND: int('RATE_LIMIT_INTERNAL_PER_SECOND', 0, 1_000_000, 0),
  /** Key tests (each one a request to the provider per key: up to 10) per minute per user; 0: no limit. */
  RATE_LIMIT_KEY_TESTS_PER_MINUTE: int('RATE_LIMIT_KEY_TESTS_PER_MINUTE', 0, 100_000, 10),
  /** Gateway (docs/gateway.md): upstream attempts per request (the first and the failovers). */
  PROXY_MAX_ATTEMPTS: int('PROXY_MAX_ATTEMPTS', 1, 10, 3),
  /** Gateway: the largest request body held for a resend, in bytes; over it 413 without any upstream call. */
  PROXY_BODY_LIMIT: int('PROXY_BODY_LIMIT', 1024, 100 * 1024 * 1024, 10 * 1024 * 1024),
  /** Gateway: how long an upstream may take to send its response headers (a non-streamed completion is generated first). */
  PROXY_HEADERS_TIMEOUT_SECONDS: int('PROXY_HEADERS_TIMEOUT_SECONDS', 1, 3600, 300),
  /** Gateway: how long a response body may stay silent between two chunks. */
  PROXY_IDLE_TIMEOUT_SECONDS: int('PROXY_IDLE_TIMEOUT_SECONDS', 1, 3600, 120),
  /** Gateway: no failover attempt starts later than this after the request arrived. */
  PROXY_DEADLINE_SECONDS: int('PROXY_DEADLINE_SECONDS', 1, 3600, 600),
  /** Gateway: calls with a user's own token may be served platform keys (off: only the user's and team keys). */
  PROXY_USER_SYSTEM_FALLBACK: bool('PROXY_USER_SYSTEM_FALLBACK'),
  /** Gateway: how long a user token's introspection (is the session still active?) is reused; 0: every call. */
  PROXY_INTROSPECTION_CACHE_SECONDS: int('PROXY_INTROSPECTION_CACHE_SECONDS', 0, 300, 10),
  /** How long a /readyz answer is reused (each check calls Keycloak; /readyz is anonymous); 0: no reuse. */
  READINESS_CACHE_SECONDS: int('READINESS_CACHE_SECONDS', 0, 300, 5),
  /** Serve GET /metrics on this port of its own (bound to METRICS_HOST), not on PORT. Unset: not. */
  METRICS_PORT: int('METRICS_PORT', 0, 65535, -1),
  METRICS_HOST: z.string().trim().min(1).default('127.0.0.1'),
  /** Bearer token GET /metrics requires; without METRICS_PORT, /metrics on PORT is served only with one. */
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').regex(/^[\x21-\x7e]+$/, 'METRICS_TOKEN must be printable ASCII without spaces').optional(),
  /** Where audit events go as JSON lines (docs/operations.md): a file path (directories are made), or "stdout". */
  AUDIT_LOG_FILE: z.string().trim().min(1, 'AUDIT_LOG_FILE must be a file path or "stdout"').default('.data/audit.jsonl'),
  /** Folder of the built web UI (`vite build`); unset or empty: dist/ui of this installation. */
  UI_DIR: z.string().trim().optional(),
  /** The public Keycloak client the web UI signs in with (authorization code + PKCE). */
  UI_CLIENT_ID: z.string().trim().min(1, 'UI_CLIENT_ID must not be empty').default('ops-center'),
  ...Object.fromEntries(OVERRIDABLE_PROVIDERS.map((provider) => [systemKeyVariable(provider), z.string().optional()])),
  ...Object.fromEntries(
    OVERRIDABLE_PROVIDERS.map((provider) => [baseUrlOverrideVariable(provider), httpUrl(baseUrlOverrideVariable(provider)).optional()]),
  ),
});

/** Every variable the service reads (the provider families included), for .env.example's test. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(envSchema.shape));

export interface Config {
  readonly host: string;
  readonly port: number;
  readonly logLevel: (typeof LOG_LEVELS)[number];
  readonly keycloak: {
    readonly url: string;
    readonly realm: string;
    /** `${url}/realms/${realm}`: the exact `iss` every accepted token carries. */
    readonly issuer: string;
    readonly clientId: string;
    readonly clientSecret: string;
    /** What every accepted token carries in `aud` (TOKEN_AUDIENCE = the service client's id). */
    readonly tokenAudience: string;
    readonly timeoutMs: number;
    readonly tokenRefreshSkewSeconds: number;
  };
  readonly keyring: Keyring;
  readonly vault: {
    readonly minTier: Tier;
    readonly maxKeysPerProvider: number;
    readonly perTier: Readonly<Partial<Record<Tier, number>>>;
  };
  readonly providers: {
    /** Operator overrides of providers' base URLs (`OPENAI_BASE_URL`, ...). */
    readonly baseUrlOverrides: Readonly<Partial<Record<ProviderId, string>>>;
    readonly urlPolicy: { readonly allowInsecureHttp: boolean; readonly allowPrivateNetworks: boolean };
    readonly testTimeoutMs: number;
  };
  readonly resolution: {
    readonly fallbackProvider: ProviderId | undefined;
    readonly chain: readonly ChainStep[];
    /** Platform keys per provider. Secrets: never logged. */
    readonly systemKeys: ReadonlyMap<ProviderId, readonly string[]>;
    readonly cacheTtlMs: number;
    readonly cacheMaxEntries: number;
    /** How long an owner not found is remembered (0: never). */
    readonly negativeCacheTtlMs: number;
    readonly staleIfErrorMs: number;
    readonly defaultCooldownSeconds: number;
    readonly usageFlushIntervalMs: number;
    /** An owner's usage reaches Keycloak at most once per this. */
    readonly usagePersistIntervalMs: number;
    /** Days of daily usage kept and shown, today included. */
    readonly usageDaysKept: number;
    /** Admin-event poll interval; disables and membership changes take effect within twice this. */
    readonly adminEventsPollMs: number;
  };
  /** The signing gateway (docs/gateway.md). */
  readonly gateway: {
    readonly maxAttempts: number;
    readonly bodyLimitBytes: number;
    readonly headersTimeoutMs: number;
    readonly idleTimeoutMs: number;
    readonly deadlineMs: number;
    readonly userSystemFallback: boolean;
    readonly introspectionCacheMs: number;
  };
  readonly scale: {
    /** Unset: everything in process (one instance). */
    readonly redisUrl: string | undefined;
    readonly keyPrefix: string;
    readonly commandTimeoutMs: number;
    readonly lockTtlMs: number;
    readonly lockWaitMs: number;
  };
  /** 0 means no limit. */
  readonly rateLimits: { readonly userPerMinute: number; readonly internalPerSecond: number; readonly keyTestsPerMinute: number };
  /** GET /metrics: on a port of its own, and/or behind a bearer token (neither: not served). */
  readonly metrics: { readonly port: number | undefined; readonly host: string; readonly token: string | undefined };
  /** Audit events' destination: a file path, or "stdout". */
  readonly auditLogFile: string;
  readonly http: {
    readonly bodyLimitBytes: number;
    readonly trustProxyHops: number;
    readonly shutdownTimeoutMs: number;
    /** How long a readiness report is reused by /readyz. */
    readonly readinessCacheMs: number;
  };
  readonly ui: {
    /** Absolute path of the built web UI. */
    readonly dir: string;
    /** Public Keycloak client of the UI (`ops-center`). */
    readonly clientId: string;
  };
}

/** dist/ui beside this installation: `../../dist/ui` from src/config and from dist/config alike. */
const DEFAULT_UI_DIR = fileURLToPath(new URL('../../dist/ui', import.meta.url));

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Parses the environment into a frozen Config, or throws a ConfigError that lists every problem. */
export function loadConfig(rawEnv: Record<string, string | undefined>): Config {
  const env = withoutEmptyVariables(rawEnv);
  const problems: string[] = [];
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const variable = issue.path.join('.');
      problems.push(issue.message.includes(variable) ? issue.message : `${variable}: ${issue.message}`);
    }
  }
  const keyring = parseKeyring(env.ENCRYPTION_KEYS, env.ENCRYPTION_ACTIVE_KEY_VERSION);
  if (!keyring.ok) problems.push(...keyring.problems);
  if (parsed.success && parsed.data.TOKEN_AUDIENCE !== undefined && parsed.data.TOKEN_AUDIENCE !== parsed.data.KEYCLOAK_CLIENT_ID) {
    problems.push(
      `TOKEN_AUDIENCE must be KEYCLOAK_CLIENT_ID (${parsed.data.KEYCLOAK_CLIENT_ID}) or unset: Keycloak introspects a token ` +
        'only for a client named in its aud, and the service checks every write by introspection',
    );
  }
  if (problems.length > 0 || !parsed.success || !keyring.ok) throw new ConfigError(problems);

  const e = parsed.data;
  return deepFreeze({
    host: e.HOST,
    port: e.PORT,
    logLevel: e.LOG_LEVEL,
    keycloak: {
      url: e.KEYCLOAK_URL,
      realm: e.KEYCLOAK_REALM,
      issuer: `${e.KEYCLOAK_URL}/realms/${e.KEYCLOAK_REALM}`,
      clientId: e.KEYCLOAK_CLIENT_ID,
      clientSecret: e.KEYCLOAK_CLIENT_SECRET,
      tokenAudience: e.TOKEN_AUDIENCE ?? e.KEYCLOAK_CLIENT_ID,
      timeoutMs: e.KEYCLOAK_TIMEOUT_MS,
      tokenRefreshSkewSeconds: e.SERVICE_TOKEN_REFRESH_SKEW_SECONDS,
    },
    keyring: keyring.keyring,
    vault: { minTier: e.BYOK_MIN_TIER, maxKeysPerProvider: e.BYOK_MAX_KEYS_PER_PROVIDER, perTier: e.BYOK_TIER_KEY_LIMITS },
    providers: {
      baseUrlOverrides: Object.fromEntries(
        OVERRIDABLE_PROVIDERS.flatMap((provider) => {
          const url = (e as Record<string, unknown>)[baseUrlOverrideVariable(provider)];
          return typeof url === 'string' ? [[provider, url]] : [];
        }),
      ),
      urlPolicy: { allowInsecureHttp: e.ALLOW_INSECURE_BASE_URLS, allowPrivateNetworks: e.ALLOW_PRIVATE_BASE_URLS },
      testTimeoutMs: e.KEY_TEST_TIMEOUT_MS,
    },
    resolution: {
      fallbackProvider: e.FALLBACK_PROVIDER,
      chain: e.RESOLUTION_CHAIN,
      systemKeys: new Map(
        OVERRIDABLE_PROVIDERS.flatMap((provider) => {
          const raw = (e as Record<string, unknown>)[systemKeyVariable(provider)];
          const keys = typeof raw === 'string' ? raw.split(',').map((key) => key.trim()).filter(Boolean) : [];
          return keys.length > 0 ? [[provider, Object.freeze(keys)] as const] : [];
        }),
      ),
      cacheTtlMs: e.OWNER_CACHE_TTL_SECONDS * 1000,
      cacheMaxEntries: e.OWNER_CACHE_MAX_ENTRIES,
      negativeCacheTtlMs: e.NEGATIVE_CACHE_SECONDS * 1000,
      staleIfErrorMs: e.STALE_IF_ERROR_SECONDS * 1000,
      defaultCooldownSeconds: e.DEFAULT_COOLDOWN_SECONDS,
      usageFlushIntervalMs: e.USAGE_FLUSH_INTERVAL_SECONDS * 1000,
      usagePersistIntervalMs: e.USAGE_PERSIST_INTERVAL_SECONDS * 1000,
      usageDaysKept: e.USAGE_DAYS_KEPT,
      adminEventsPollMs: e.ADMIN_EVENTS_POLL_SECONDS * 1000,
    },
    gateway: {
      maxAttempts: e.PROXY_MAX_ATTEMPTS,
      bodyLimitBytes: e.PROXY_BODY_LIMIT,
      headersTimeoutMs: e.PROXY_HEADERS_TIMEOUT_SECONDS * 1000,
      idleTimeoutMs: e.PROXY_IDLE_TIMEOUT_SECONDS * 1000,
      deadlineMs: e.PROXY_DEADLINE_SECONDS * 1000,
      userSystemFallback: e.PROXY_USER_SYSTEM_FALLBACK,
      introspectionCacheMs: e.PROXY_INTROSPECTION_CACHE_SECONDS * 1000,
    },
    scale: {
      redisUrl: e.REDIS_URL,
      keyPrefix: e.REDIS_KEY_PREFIX,
      commandTimeoutMs: e.REDIS_COMMAND_TIMEOUT_MS,
      lockTtlMs: e.LOCK_TTL_SECONDS * 1000,
      lockWaitMs: e.LOCK_WAIT_SECONDS * 1000,
    },
    rateLimits: { userPerMinute: e.RATE_LIMIT_USER_PER_MINUTE, internalPerSecond: e.RATE_LIMIT_INTERNAL_PER_SECOND, keyTestsPerMinute: e.RATE_LIMIT_KEY_TESTS_PER_MINUTE },
    metrics: { port: e.METRICS_PORT < 0 ? undefined : e.METRICS_PORT, host: e.METRICS_HOST, token: e.METRICS_TOKEN },
    auditLogFile: e.AUDIT_LOG_FILE,
    http: {
      bodyLimitBytes: e.BODY_LIMIT_BYTES,
      trustProxyHops: e.TRUST_PROXY_HOPS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      readinessCacheMs: e.READINESS_CACHE_SECONDS * 1000,
    },
    ui: { dir: e.UI_DIR ? resolve(e.UI_DIR) : DEFAULT_UI_DIR, clientId: e.UI_CLIENT_ID },
  });
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
