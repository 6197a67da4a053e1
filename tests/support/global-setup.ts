/**
 * Integration suites need the test Keycloak with the development realm. scripts/test.sh starts and
 * bootstraps it; this only checks, so that a missing Keycloak fails fast with the way to fix it.
 */
// Self-contained on purpose: Jest loads globalSetup outside its module mapping.
const KEYCLOAK_URL = process.env.BYOK_TEST_KEYCLOAK_URL ?? 'http://127.0.0.1:18080';
const REALM = 'byok';

export default async function globalSetup(): Promise<void> {
  const url = `${KEYCLOAK_URL}/realms/${REALM}/.well-known/openid-configuration`;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) });
    if (response.ok) return;
    throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new Error(
      `The test Keycloak is not ready at ${url} (${(error as Error).message}). ` +
        'Run ./scripts/test.sh, or start it yourself: scripts/keycloak.sh start test && ' +
        `KEYCLOAK_URL=${KEYCLOAK_URL} KEYCLOAK_ADMIN_USERNAME=admin KEYCLOAK_ADMIN_PASSWORD=admin npm run byok -- bootstrap-realm --dev`,
    );
  }
}
