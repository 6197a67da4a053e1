/**
 * What the service process may be given (src/config/service-environment.ts; deploy.sh and dev.sh
 * unset everything else before starting it).
 */
import { CONFIG_VARIABLES } from '../../src/config/config.js';
import { foreignVariables, isServiceVariable } from '../../src/config/service-environment.js';

describe('the service environment', () => {
  test('keeps every configuration variable, provider keys and base URLs included, and what Node reads', () => {
    expect(foreignVariables([...CONFIG_VARIABLES])).toEqual([]);
    for (const name of ['ENCRYPTION_KEYS', 'KEYCLOAK_CLIENT_SECRET', 'OPENAI_API_KEY', 'ANTHROPIC_BASE_URL', 'PATH', 'HOME', 'TZ', 'LC_ALL', 'NODE_OPTIONS', 'NODE_EXTRA_CA_CERTS']) {
      expect(isServiceVariable(name)).toBe(true);
    }
  });

  test('drops the operator secrets and everything else the service does not read', () => {
    expect(foreignVariables(['KEYCLOAK_ADMIN_PASSWORD', 'PATH', 'LEGACY_ENCRYPTION_KEY', 'KEYCLOAK_ADMIN_USERNAME', 'KEYCLOAK_ADMIN_REALM', 'DEPLOY_DIR', 'KEYCLOAK_DB_PASSWORD', 'AWS_SECRET_ACCESS_KEY'])).toEqual([
      'AWS_SECRET_ACCESS_KEY',
      'DEPLOY_DIR',
      'KEYCLOAK_ADMIN_PASSWORD',
      'KEYCLOAK_ADMIN_REALM',
      'KEYCLOAK_ADMIN_USERNAME',
      'KEYCLOAK_DB_PASSWORD',
      'LEGACY_ENCRYPTION_KEY',
    ]);
  });
});
