/**
 * The service account's own user, `service-account-<clientId>`, as the place for the service's
 * realm-level state (the key-check values, the holder index flag): the service may already write
 * users (realm-management manage-users), where a realm attribute would need manage-realm. Unmanaged
 * attributes are admin-only in the realms this service accepts (unmanagedAttributePolicy
 * ADMIN_EDIT), so no user can change them, and the service account is never a key owner.
 *
 * A write re-reads the user and sends only what a PUT must carry (username, email, names) plus the
 * attributes, with only the named attribute replaced, so the account's `enabled`, required actions
 * and other attributes stay as an administrator (or another of these writers) left them; two writers
 * of different attributes in the same instant can still lose one write (Keycloak has no versions),
 * which each user of this module tolerates (a value recorded again, a flag set again).
 */
import type { KeycloakAdmin, UserRepresentation } from './admin-client.js';

export interface ServiceAccountAttributes {
  read(name: string): Promise<readonly string[] | undefined>;
  /** Replaces one attribute's values (an empty list removes it). */
  write(name: string, values: readonly string[]): Promise<void>;
}

/** Keycloak names a client's service-account user after the client id, in lower case. */
export const serviceAccountUsername = (clientId: string) => `service-account-${clientId.toLowerCase()}`;

export function createServiceAccountAttributes(admin: Pick<KeycloakAdmin, 'call'>, clientId: string): ServiceAccountAttributes {
  const username = serviceAccountUsername(clientId);

  async function serviceAccountUser(): Promise<UserRepresentation & { id: string }> {
    const found = await admin.call('users.find', (kc) => kc.users.find({ username, exact: true, briefRepresentation: false }));
    const user = found.find((candidate) => candidate.username === username);
    if (!user?.id) throw new Error(`the service account user ${username} was not found in the realm (is KEYCLOAK_CLIENT_ID a client with service accounts enabled?)`);
    return user as UserRepresentation & { id: string };
  }

  return {
    async read(name) {
      return (await serviceAccountUser()).attributes?.[name] as string[] | undefined;
    },
    async write(name, values) {
      const user = await serviceAccountUser();
      const attributes = { ...((user.attributes ?? {}) as Record<string, string[]>) };
      if (values.length > 0) attributes[name] = [...values];
      else delete attributes[name];
      const representation: UserRepresentation = { username: user.username, email: user.email, firstName: user.firstName, lastName: user.lastName, attributes };
      await admin.call('users.update', (kc) => kc.users.update({ id: user.id }, representation));
    },
  };
}
