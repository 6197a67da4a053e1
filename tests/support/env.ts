/**
 * Where the test Keycloak is (scripts/keycloak.sh start test; scripts/test.sh does it) and the
 * development realm that `byok bootstrap-realm --dev` created in it.
 */
export const KEYCLOAK_URL = process.env.BYOK_TEST_KEYCLOAK_URL ?? 'http://127.0.0.1:18080';
export const REALM = 'byok';
export const MASTER_ADMIN = { username: 'admin', password: 'admin' } as const;
export const SERVICE_CLIENT = { clientId: 'byok-service', secret: 'dev-service-secret' } as const;
export const INTERNAL_CLIENT = { clientId: 'byok-internal-demo', secret: 'dev-internal-secret' } as const;
export const UI_CLIENT_ID = 'ops-center';
/** A KEK for tests (not a secret anywhere else). */
export const TEST_ENCRYPTION_KEYS = `1:${Buffer.alloc(32, 7).toString('base64')}`;

/** The bearer token GET /metrics needs in tests (METRICS_TOKEN); not a secret anywhere else. */
export const TEST_METRICS_TOKEN = 'test-metrics-token-0123456789';

/** The service's environment for the test realm; override single variables per test. */
export function serviceEnv(overrides: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    KEYCLOAK_URL,
    KEYCLOAK_REALM: REALM,
    KEYCLOAK_CLIENT_ID: SERVICE_CLIENT.clientId,
    KEYCLOAK_CLIENT_SECRET: SERVICE_CLIENT.secret,
    ENCRYPTION_KEYS: TEST_ENCRYPTION_KEYS,
    LOG_LEVEL: 'silent',
    // Suites make hundreds of requests as one user; the rate-limit tests turn limits on themselves.
    RATE_LIMIT_USER_PER_MINUTE: '0',
    RATE_LIMIT_KEY_TESTS_PER_MINUTE: '0',
    // Readiness tests change Keycloak between checks; the readiness cache test turns it on itself.
    READINESS_CACHE_SECONDS: '0',
    METRICS_TOKEN: TEST_METRICS_TOKEN,
    // Audit lines of services that tests make directly go where the log scan reads them.
    AUDIT_LOG_FILE: new URL(`../../.data/test-logs/audit-${process.pid}-direct.jsonl`, import.meta.url).pathname,
    ...overrides,
  };
}
