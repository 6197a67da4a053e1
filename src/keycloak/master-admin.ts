import KcAdminClient from '@keycloak/keycloak-admin-client';
import type { BootstrapConfig } from '../config/bootstrap-config.js';

/** The master administrator's Admin API client, logged in (bootstrap-realm, create-internal-client, doctor). */
export async function masterAdminClient(config: Pick<BootstrapConfig, 'keycloakUrl' | 'adminRealm' | 'adminUsername' | 'adminPassword'>, timeoutMs = 30_000): Promise<KcAdminClient> {
  const kc = new KcAdminClient({ baseUrl: config.keycloakUrl, realmName: config.adminRealm, timeout: timeoutMs });
  await kc.auth({ grantType: 'password', clientId: 'admin-cli', username: config.adminUsername, password: config.adminPassword });
  return kc;
}
