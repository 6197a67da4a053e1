/**
 * Where the key-check values (src/vault/kek-check.ts) live in Keycloak: the multi-valued attribute
 * `byok_kek_check` of the service account's own user, `service-account-<clientId>`. The service may
 * already write users (realm-management manage-users); a realm attribute would need manage-realm.
 * Unmanaged attributes are admin-only in the realms this service accepts (unmanagedAttributePolicy
 * ADMIN_EDIT), so no user can change it, and the service account is never a key owner.
 *
 * The write sends only what a PUT must carry (username, email, names) plus the attributes, so the
 * account's `enabled`, required actions and the rest stay as an administrator left them.
 */
import type { KekCheckStore } from '../vault/kek-check.js';
import type { KeycloakAdmin, UserRepresentation } from './admin-client.js';

export const KEK_CHECK_ATTRIBUTE = 'byok_kek_check';

export function createServiceAccountKekCheckStore(admin: Pick<KeycloakAdmin, 'call'>, clientId: string): KekCheckStore {
  // Keycloak names a client's service-account user after the client id, in lower case.
  const username = `service-account-${clientId.toLowerCase()}`;

  async function serviceAccountUser(): Promise<UserRepresentation & { id: string }> {
    const found = await admin.call('users.find', (kc) => kc.users.find({ username, exact: true, briefRepresentation: false }));
    const user = found.find((candidate) => candidate.username === username);
    if (!user?.id) throw new Error(`the service account user ${username} was not found in the realm (is KEYCLOAK_CLIENT_ID a client with service accounts enabled?)`);
    return user as UserRepresentation & { id: string };
  }

  return {
    async read() {
      const user = await serviceAccountUser();
      return (user.attributes?.[KEK_CHECK_ATTRIBUTE] as string[] | undefined) ?? [];
    },
    async write(values) {
      const user = await serviceAccountUser();
      const attributes = { ...((user.attributes ?? {}) as Record<string, string[]>), [KEK_CHECK_ATTRIBUTE]: [...values] };
      const representation: UserRepresentation = { username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName, attributes };
      await admin.call('users.update', (kc) => kc.users.update({ id: user.id }, representation));
    },
  };
}
