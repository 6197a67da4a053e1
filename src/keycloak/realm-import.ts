/**
 * The realm of `byok bootstrap-realm` as a Keycloak realm import (a RealmRepresentation), for
 * `kc.sh start --import-realm` in docker-compose.keycloak.yml. It is made from the same plan and the
 * same client definitions as `applyRealmPlan`, and scripts/realm-json.mjs writes it to
 * deploy/keycloak/byok-realm.json; a test keeps the committed file equal to this output and imports
 * it into a real Keycloak.
 *
 * Secrets are not in the file: Keycloak resolves `${VARIABLE}` placeholders from its environment
 * while importing, so the client secret comes from KEYCLOAK_CLIENT_SECRET and the UI's redirect URI
 * from PUBLIC_URL, as Compose hands them to the Keycloak container.
 */
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type { UserProfileConfig } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import { UnmanagedAttributePolicy } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import { realmPlan, serviceClientRepresentation, uiClientRepresentation, type RealmPlan } from './realm-bootstrap.js';

/** Placeholders Keycloak fills from its environment during the import. */
export const IMPORT_PLACEHOLDERS = {
  clientSecret: '${KEYCLOAK_CLIENT_SECRET}',
  publicUrl: '${PUBLIC_URL}',
} as const;

/**
 * Keycloak's default user profile (what a new realm gets, as of Keycloak 26), plus the one setting
 * byok-vault needs. An import that names the user profile component replaces the whole default, so
 * the default attributes are spelled out; a test compares them with a realm Keycloak made itself.
 */
const readWrite = { view: ['admin', 'user'], edit: ['admin', 'user'] };
const personName = (name: 'firstName' | 'lastName') => ({
  name,
  displayName: `\${${name}}`,
  validations: { length: { max: 255 }, 'person-name-prohibited-characters': {} },
  required: { roles: ['user'] },
  permissions: readWrite,
  multivalued: false,
});
export const USER_PROFILE: UserProfileConfig = {
  attributes: [
    {
      name: 'username',
      displayName: '${username}',
      validations: { length: { min: 3, max: 255 }, 'username-prohibited-characters': {}, 'up-username-not-idn-homograph': {} },
      permissions: readWrite,
      multivalued: false,
    },
    {
      name: 'email',
      displayName: '${email}',
      validations: { email: {}, length: { max: 255 } },
      required: { roles: ['user'] },
      permissions: readWrite,
      multivalued: false,
    },
    personName('firstName'),
    personName('lastName'),
  ],
  groups: [{ name: 'user-metadata', displayHeader: 'User metadata', displayDescription: 'Attributes, which refer to user metadata' }],
  // byok_* attributes are unmanaged: only admins (and so the service account) see or edit them.
  unmanagedAttributePolicy: UnmanagedAttributePolicy.AdminEdit,
};

export interface RealmImport {
  realm: string;
  enabled: boolean;
  displayName: string;
  adminEventsEnabled: boolean;
  attributes: Record<string, string>;
  roles: { realm: { name: string; description: string }[] };
  clients: ClientRepresentation[];
  users: Record<string, unknown>[];
  groups: { name: string }[];
  components: Record<string, { providerId: string; subComponents: Record<string, never>; config: Record<string, string[]> }[]>;
}

/** The realm import for `plan` (production plans only: the import has no users with passwords). */
export function realmImport(plan: RealmPlan): RealmImport {
  if (plan.users.length > 0) throw new Error('the realm import is for production realms: it carries no users with passwords');
  return {
    realm: plan.realm,
    enabled: true,
    displayName: 'byok-vault',
    // The service follows admin events (src/keycloak/admin-events.ts); kept for a bounded time.
    adminEventsEnabled: true,
    attributes: { adminEventsExpiration: String(plan.adminEvents.expirationSeconds) },
    roles: { realm: plan.realmRoles.map((role) => ({ name: role.name, description: role.description })) },
    clients: [...plan.serviceClients.map((spec) => serviceClientRepresentation(spec, plan.tokenAudience)), uiClientRepresentation(plan.uiClient, plan.tokenAudience)],
    // A client's service account is a user; the import names it by its client and grants its roles.
    users: plan.serviceClients.map((spec) => ({
      username: `service-account-${spec.clientId}`,
      enabled: true,
      serviceAccountClientId: spec.clientId,
      ...(spec.realmManagementRoles.length > 0 ? { clientRoles: { 'realm-management': spec.realmManagementRoles } } : {}),
      ...(spec.realmRoles.length > 0 ? { realmRoles: spec.realmRoles } : {}),
    })),
    groups: plan.groups.map((name) => ({ name })),
    components: {
      'org.keycloak.userprofile.UserProfileProvider': [
        { providerId: 'declarative-user-profile', subComponents: {}, config: { 'kc.user.profile.config': [JSON.stringify(USER_PROFILE)] } },
      ],
    },
  };
}

/** deploy/keycloak/byok-realm.json: realm `byok` as docker-compose.keycloak.yml imports it. */
export function composeRealmImportJson(realm = 'byok'): string {
  const plan = realmPlan({
    realm,
    dev: false,
    serviceClientId: 'byok-service',
    serviceClientSecret: IMPORT_PLACEHOLDERS.clientSecret,
    uiOrigins: [IMPORT_PLACEHOLDERS.publicUrl],
  });
  return `${JSON.stringify(realmImport(plan), null, 2)}\n`;
}
