/**
 * Where the key-check values (src/vault/kek-check.ts) live in Keycloak: the multi-valued attribute
 * `byok_kek_check` of the service account's own user (service-account-user.ts says why there, and
 * how it is written without touching the rest of the account).
 */
import type { KekCheckStore } from '../vault/kek-check.js';
import type { KeycloakAdmin } from './admin-client.js';
import { createServiceAccountAttributes } from './service-account-user.js';

export const KEK_CHECK_ATTRIBUTE = 'byok_kek_check';

export function createServiceAccountKekCheckStore(admin: Pick<KeycloakAdmin, 'call'>, clientId: string): KekCheckStore {
  const account = createServiceAccountAttributes(admin, clientId);
  return {
    async read() {
      return (await account.read(KEK_CHECK_ATTRIBUTE)) ?? [];
    },
    async write(values) {
      await account.write(KEK_CHECK_ATTRIBUTE, values);
    },
  };
}
