/**
 * Creates the `byok` realm as docs/development.md describes, idempotently: whatever exists is left as it is
 * (a drift from the plan is reported, not overwritten), whatever is missing is created. What it adds
 * to an existing realm: the user profile's unmanagedAttributePolicy when it is unset (without it
 * Keycloak silently drops every `byok_*` attribute), admin events on (with an expiration when none
 * is set, because the service follows them), the audience mapper on the clients whose tokens the
 * service accepts (without it their tokens are refused, see token-verifier.ts), and the UI client's
 * missing redirect URIs and web origins (only added: what else is there stays).
 *
 * The plan is data (`realmPlan`); `applyRealmPlan` walks it with an admin client logged in to the
 * master realm.
 */
import { ADMIN_ROLE, INTERNAL_ROLE } from './roles.js';
import type KcAdminClient from '@keycloak/keycloak-admin-client';
import type ClientRepresentation from '@keycloak/keycloak-admin-client/lib/defs/clientRepresentation.js';
import type ProtocolMapperRepresentation from '@keycloak/keycloak-admin-client/lib/defs/protocolMapperRepresentation.js';
import { UnmanagedAttributePolicy } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import { REQUIRED_UNMANAGED_ATTRIBUTE_POLICY } from './readiness.js';

export interface DevUser {
  username: string;
  tier: string;
  groups?: string[];
  realmRoles?: string[];
}

export interface RealmPlan {
  realm: string;
  realmRoles: { name: string; description: string }[];
  /** Confidential clients with a service account, and what their service account may do. */
  serviceClients: {
    clientId: string;
    description: string;
    /** Fixed secret (development) or undefined to let Keycloak generate one. */
    secret: string | undefined;
    /** Where a fixed secret came from (e.g. `KEYCLOAK_CLIENT_SECRET`), for the operator's messages. */
    secretSource?: string;
    realmManagementRoles: string[];
    realmRoles: string[];
    /** Its tokens are meant for byok-vault (an internal caller): it gets the audience mapper. */
    audienceMapper: boolean;
  }[];
  /**
   * The audience every token accepted by the service carries (TOKEN_AUDIENCE, which is the service
   * client's id: Keycloak introspects a token only for a client named in its `aud`).
   */
  tokenAudience: string;
  /** Existing clients of internal services (not created here) that get the audience mapper. */
  internalClientIds: string[];
  /** The public UI client (authorization code + PKCE). */
  uiClient: {
    clientId: string;
    redirectUris: string[];
    webOrigins: string[];
    directAccessGrants: boolean;
  };
  groups: string[];
  users: DevUser[];
  /**
   * Admin events on (the service follows them to drop disabled users and removed memberships from
   * its caches), kept this many seconds so that the table does not grow forever.
   */
  adminEvents: { expirationSeconds: number };
}

/**
 * A day: far more than the service needs (it reads the last seconds; after a longer gap it reloads
 * instead), and a bound on the table, which every write of the service adds to (usage flushes
 * included). An expiration the operator set is kept.
 */
export const ADMIN_EVENTS_EXPIRATION_SECONDS = 86_400;

export interface PlanOptions {
  realm: string;
  /** Development realm: fixed secrets, demo client, team group, users with passwords. */
  dev: boolean;
  serviceClientId: string;
  serviceClientSecret: string | undefined;
  /** Base URLs of the UI (the service's public URL), for redirect URIs and web origins. */
  uiOrigins: string[];
  /** Client ids of the operator's internal services (INTERNAL_CLIENT_IDS); they get the audience mapper. */
  internalClientIds?: string[];
}

export const DEV_INTERNAL_CLIENT = { clientId: 'byok-internal-demo', secret: 'dev-internal-secret' } as const;
export const DEV_SERVICE_CLIENT_SECRET = 'dev-service-secret';
export const UI_CLIENT_ID = 'ops-center';
export const TEAM_GROUP = 'team-alpha';

/** docs/development.md's development users; each one's password is its username. */
export const DEV_USERS: DevUser[] = [
  { username: 'alice', tier: 'starter' },
  { username: 'bob', tier: 'free' },
  { username: 'carol', tier: 'professional', groups: [TEAM_GROUP] },
  { username: 'dave', tier: 'enterprise' },
  { username: 'ops', tier: 'professional', realmRoles: [ADMIN_ROLE] },
];

export function realmPlan(options: PlanOptions): RealmPlan {
  const serviceClients: RealmPlan['serviceClients'] = [
    {
      clientId: options.serviceClientId,
      description: 'byok-vault itself: reads and writes byok_* attributes of users and groups',
      secret: options.serviceClientSecret ?? (options.dev ? DEV_SERVICE_CLIENT_SECRET : undefined),
      secretSource: options.serviceClientSecret !== undefined ? 'KEYCLOAK_CLIENT_SECRET' : options.dev ? 'the development secret' : undefined,
      // view-events: the service follows the realm's admin events (disables, membership changes).
      realmManagementRoles: ['view-users', 'manage-users', 'view-events'],
      realmRoles: [],
      audienceMapper: false,
    },
  ];
  if (options.dev) {
    serviceClients.push({
      clientId: DEV_INTERNAL_CLIENT.clientId,
      description: 'Development stand-in for an internal service that resolves keys',
      secret: DEV_INTERNAL_CLIENT.secret,
      secretSource: 'the development secret',
      realmManagementRoles: [],
      realmRoles: [INTERNAL_ROLE],
      audienceMapper: true,
    });
  }
  return {
    realm: options.realm,
    realmRoles: [
      { name: INTERNAL_ROLE, description: 'May call /internal/* (resolve keys for users)' },
      { name: ADMIN_ROLE, description: 'May call /admin/* (team keys, tiers, adoption stats)' },
    ],
    serviceClients,
    tokenAudience: options.serviceClientId,
    internalClientIds: [...new Set(options.internalClientIds ?? [])].filter((id) => !serviceClients.some((spec) => spec.clientId === id)),
    uiClient: {
      clientId: UI_CLIENT_ID,
      redirectUris: options.uiOrigins.map((origin) => `${origin}/*`),
      webOrigins: options.uiOrigins,
      directAccessGrants: options.dev,
    },
    groups: options.dev ? [TEAM_GROUP] : [],
    users: options.dev ? DEV_USERS : [],
    adminEvents: { expirationSeconds: ADMIN_EVENTS_EXPIRATION_SECONDS },
  };
}

/**
 * The confidential client of a service account, as created by `applyRealmPlan` and written into the
 * realm import (src/keycloak/realm-import.ts): one definition, so the two cannot drift apart.
 */
export function serviceClientRepresentation(spec: RealmPlan['serviceClients'][number], tokenAudience: string): ClientRepresentation {
  return {
    clientId: spec.clientId,
    description: spec.description,
    enabled: true,
    protocol: 'openid-connect',
    publicClient: false,
    clientAuthenticatorType: 'client-secret',
    ...(spec.secret ? { secret: spec.secret } : {}),
    serviceAccountsEnabled: true,
    standardFlowEnabled: false,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: false,
    ...(spec.audienceMapper ? { protocolMappers: [audienceMapperRepresentation(tokenAudience)] } : {}),
  };
}

/** The UI's public client: authorization code with PKCE S256 only. */
export function uiClientRepresentation(ui: RealmPlan['uiClient'], tokenAudience: string): ClientRepresentation {
  return {
    clientId: ui.clientId,
    name: 'byok-vault ops center',
    enabled: true,
    protocol: 'openid-connect',
    publicClient: true,
    standardFlowEnabled: true,
    implicitFlowEnabled: false,
    directAccessGrantsEnabled: ui.directAccessGrants,
    serviceAccountsEnabled: false,
    redirectUris: ui.redirectUris,
    webOrigins: ui.webOrigins,
    attributes: {
      'pkce.code.challenge.method': 'S256',
      'post.logout.redirect.uris': ui.redirectUris.join('##'),
    },
    protocolMappers: [audienceMapperRepresentation(tokenAudience)],
  };
}

/** Puts `audience` into the `aud` of the client's access tokens (and introspection answers), not into ID tokens. */
export function audienceMapperRepresentation(audience: string): ProtocolMapperRepresentation {
  return {
    name: `audience ${audience}`,
    protocol: 'openid-connect',
    protocolMapper: 'oidc-audience-mapper',
    config: {
      'included.custom.audience': audience,
      'access.token.claim': 'true',
      'introspection.token.claim': 'true',
      'id.token.claim': 'false',
      'lightweight.claim': 'false',
    },
  };
}

/** Whether one of the mappers puts `audience` into access tokens (however it is named). */
export function hasAudienceMapper(mappers: readonly ProtocolMapperRepresentation[], audience: string): boolean {
  return mappers.some(
    (mapper) =>
      mapper.protocolMapper === 'oidc-audience-mapper' &&
      mapper.config?.['access.token.claim'] === 'true' &&
      (mapper.config['included.custom.audience'] === audience || mapper.config['included.client.audience'] === audience),
  );
}

/** The fix named wherever a missing mapper is reported (doctor, readiness, bootstrap warnings). */
export const AUDIENCE_FIX = 'run `byok bootstrap-realm` (INTERNAL_CLIENT_IDS names the internal clients) or add an Audience mapper to the client';

export interface BootstrapReport {
  created: string[];
  existing: string[];
  warnings: string[];
  /** Secrets Keycloak generated for clients created in this run (shown once to the operator). */
  generatedSecrets: Record<string, string>;
  /**
   * Where each confidential client's secret stands, never the secret itself: created with the one
   * given, or existing (with the one given, with another one, or not compared) and where to read it.
   */
  secretNotes: string[];
}

/** Where an administrator reads a client's current secret. */
export const credentialsPlace = (clientId: string) => `admin console: Clients → ${clientId} → Credentials`;

export async function applyRealmPlan(kc: KcAdminClient, plan: RealmPlan): Promise<BootstrapReport> {
  const report: BootstrapReport = { created: [], existing: [], warnings: [], generatedSecrets: {}, secretNotes: [] };
  const realm = plan.realm;
  const note = (created: boolean, what: string) => (created ? report.created : report.existing).push(what);

  // Realm.
  const existingRealm = await kc.realms.findOne({ realm });
  if (!existingRealm) {
    await kc.realms.create({ realm, enabled: true, displayName: 'byok-vault' });
  }
  note(!existingRealm, `realm ${realm}`);
  kc.setConfig({ realmName: realm });

  // User profile: byok_* attributes are unmanaged; only admins (and so the service) may see and edit them.
  const profile = await kc.users.getProfile({ realm });
  if (profile.unmanagedAttributePolicy === undefined) {
    await kc.users.updateProfile({ ...profile, realm, unmanagedAttributePolicy: UnmanagedAttributePolicy.AdminEdit });
    note(true, `user profile unmanagedAttributePolicy=${REQUIRED_UNMANAGED_ATTRIBUTE_POLICY}`);
  } else if (profile.unmanagedAttributePolicy !== REQUIRED_UNMANAGED_ATTRIBUTE_POLICY) {
    report.warnings.push(
      `user profile unmanagedAttributePolicy is ${profile.unmanagedAttributePolicy}, not ${REQUIRED_UNMANAGED_ATTRIBUTE_POLICY}; ` +
        'left unchanged (byok-vault will report not ready until it is changed)',
    );
  } else {
    note(false, `user profile unmanagedAttributePolicy=${REQUIRED_UNMANAGED_ATTRIBUTE_POLICY}`);
  }

  // Admin events: the service follows them (a realm made before it did gets them turned on).
  await enableAdminEvents(kc, realm, plan.adminEvents.expirationSeconds, note);

  // Realm roles.
  for (const role of plan.realmRoles) {
    const found = await kc.roles.findOneByName({ name: role.name });
    if (!found) await kc.roles.create({ name: role.name, description: role.description });
    note(!found, `realm role ${role.name}`);
  }

  // Confidential clients with service accounts.
  const realmManagement = await findClient(kc, 'realm-management');
  for (const spec of plan.serviceClients) {
    let client = await findClient(kc, spec.clientId);
    const createdNow = !client;
    if (!client) {
      await kc.clients.create(serviceClientRepresentation(spec, plan.tokenAudience));
      client = await findClient(kc, spec.clientId);
      if (!client?.id) throw new Error(`client ${spec.clientId} was created but cannot be found`);
      if (!spec.secret) {
        const secret = await kc.clients.getClientSecret({ id: client.id });
        if (secret.value) report.generatedSecrets[spec.clientId] = secret.value;
      } else {
        report.secretNotes.push(`${spec.clientId}: created with ${spec.secretSource ?? 'the secret given'}`);
      }
      note(true, `client ${spec.clientId}`);
    } else {
      note(false, `client ${spec.clientId}`);
      if (!client.serviceAccountsEnabled) {
        report.warnings.push(`client ${spec.clientId} exists without a service account; left unchanged`);
        continue;
      }
      report.secretNotes.push(await existingSecretNote(kc, client.id as string, spec, report));
    }
    const clientId = client.id as string;
    if (spec.audienceMapper) await ensureAudienceMapper(kc, clientId, spec.clientId, plan.tokenAudience, note, createdNow);
    const serviceUser = await kc.clients.getServiceAccountUser({ id: clientId });
    const serviceUserId = serviceUser.id as string;
    if (spec.realmManagementRoles.length > 0) {
      if (!realmManagement?.id) throw new Error('the realm has no realm-management client');
      const have = new Set(
        (await kc.users.listClientRoleMappings({ id: serviceUserId, clientUniqueId: realmManagement.id })).map((r) => r.name),
      );
      const missing = spec.realmManagementRoles.filter((name) => !have.has(name));
      if (missing.length > 0) {
        const roles = await Promise.all(
          missing.map((roleName) => kc.clients.findRole({ id: realmManagement.id as string, roleName })),
        );
        await kc.users.addClientRoleMappings({
          id: serviceUserId,
          clientUniqueId: realmManagement.id,
          roles: roles.map((role) => ({ id: role?.id as string, name: role?.name as string })),
        });
      }
      for (const name of spec.realmManagementRoles) {
        note(missing.includes(name), `client ${spec.clientId} service account role realm-management/${name}`);
      }
    }
    await grantRealmRoles(kc, serviceUserId, spec.realmRoles, `client ${spec.clientId} service account`, note);
  }

  // The UI's public client.
  const ui = plan.uiClient;
  const existingUi = await findClient(kc, ui.clientId);
  if (!existingUi) {
    await kc.clients.create(uiClientRepresentation(ui, plan.tokenAudience));
  }
  note(!existingUi, `client ${ui.clientId}`);
  if (existingUi?.id) {
    await upgradeUiClient(kc, existingUi, ui, report, note);
    await ensureAudienceMapper(kc, existingUi.id, ui.clientId, plan.tokenAudience, note);
  } else {
    note(true, `client ${ui.clientId} audience mapper (aud ${plan.tokenAudience})`);
  }

  // The operator's internal services: their clients exist already; they only get the audience.
  for (const internalId of plan.internalClientIds) {
    const client = await findClient(kc, internalId);
    if (!client?.id) {
      report.warnings.push(`client ${internalId} (INTERNAL_CLIENT_IDS) does not exist; no audience mapper added`);
      continue;
    }
    await ensureAudienceMapper(kc, client.id, internalId, plan.tokenAudience, note);
  }

  // Groups.
  for (const name of plan.groups) {
    const found = await findGroup(kc, name);
    if (!found) await kc.groups.create({ name });
    note(!found, `group ${name}`);
  }

  // Users (development only): password = username.
  for (const user of plan.users) {
    const [found] = await kc.users.find({ username: user.username, exact: true });
    let userId = found?.id;
    if (!found) {
      const created = await kc.users.create({
        username: user.username,
        enabled: true,
        email: `${user.username}@example.com`,
        emailVerified: true,
        firstName: user.username.charAt(0).toUpperCase() + user.username.slice(1),
        lastName: 'Example',
        attributes: { subscription_tier: [user.tier] },
        credentials: [{ type: 'password', value: user.username, temporary: false }],
      });
      userId = created.id;
    }
    note(!found, `user ${user.username} (${user.tier})`);
    if (!userId) throw new Error(`user ${user.username} has no id`);
    for (const groupName of user.groups ?? []) {
      const group = await findGroup(kc, groupName);
      if (!group?.id) throw new Error(`group ${groupName} not found`);
      const memberOf = await kc.users.listGroups({ id: userId });
      const isMember = memberOf.some((g) => g.id === group.id);
      if (!isMember) await kc.users.addToGroup({ id: userId, groupId: group.id });
      note(!isMember, `user ${user.username} in group ${groupName}`);
    }
    await grantRealmRoles(kc, userId, user.realmRoles ?? [], `user ${user.username}`, note);
  }
  return report;
}

/**
 * An existing client keeps its secret (bootstrap never changes a credential services may be using).
 * Says whether the secret given matches it, and where to read it when it does not or none was given.
 */
async function existingSecretNote(kc: KcAdminClient, id: string, spec: RealmPlan['serviceClients'][number], report: BootstrapReport): Promise<string> {
  const where = credentialsPlace(spec.clientId);
  if (!spec.secret) return `${spec.clientId}: exists; its secret is unchanged and not shown (${where})`;
  const current = await kc.clients.getClientSecret({ id });
  if (current.value === spec.secret) return `${spec.clientId}: exists with the secret of ${spec.secretSource ?? 'the secret given'}`;
  report.warnings.push(
    `client ${spec.clientId} exists with another secret than ${spec.secretSource ?? 'the one given'}; left unchanged: ` +
      `use the secret Keycloak has (${where}) or regenerate it there`,
  );
  return `${spec.clientId}: exists with ANOTHER secret than ${spec.secretSource ?? 'the one given'} (${where})`;
}

/** What `ensureInternalClient` did. */
export interface InternalClientReport {
  created: boolean;
  /** The secret Keycloak generated: only when the client was created in this run (shown once). */
  secret: string | undefined;
  lines: string[];
}

/**
 * A confidential client for an internal service (`byok create-internal-client`): client-credentials
 * only, its service account holding the realm role byok-internal, and the audience mapper so that its
 * tokens carry `aud` = the service's client id. Idempotent: an existing client keeps its secret and
 * settings, and only gets what is missing (role, mapper). Refuses a client that is not confidential or
 * has no service account (changing another application's client is the operator's decision).
 */
export async function ensureInternalClient(
  kc: KcAdminClient,
  options: { realm: string; clientId: string; tokenAudience: string },
): Promise<InternalClientReport> {
  kc.setConfig({ realmName: options.realm });
  const lines: string[] = [];
  const note = (created: boolean, what: string) => lines.push(`${created ? 'created' : 'exists '}   ${what}`);
  if (!(await kc.realms.findOne({ realm: options.realm }))) throw new Error(`realm ${options.realm} does not exist; run \`byok bootstrap-realm\` first`);
  if (!(await kc.roles.findOneByName({ name: INTERNAL_ROLE }))) throw new Error(`realm ${options.realm} has no role ${INTERNAL_ROLE}; run \`byok bootstrap-realm\` first`);
  let client = await findClient(kc, options.clientId);
  const created = !client;
  let secret: string | undefined;
  if (!client) {
    const spec: RealmPlan['serviceClients'][number] = {
      clientId: options.clientId,
      description: `Internal service that resolves keys from byok-vault (role ${INTERNAL_ROLE})`,
      secret: undefined,
      realmManagementRoles: [],
      realmRoles: [INTERNAL_ROLE],
      audienceMapper: true,
    };
    await kc.clients.create(serviceClientRepresentation(spec, options.tokenAudience));
    client = await findClient(kc, options.clientId);
    if (!client?.id) throw new Error(`client ${options.clientId} was created but cannot be found`);
    secret = (await kc.clients.getClientSecret({ id: client.id })).value;
  } else if (client.publicClient || !client.serviceAccountsEnabled) {
    throw new Error(`client ${options.clientId} exists but is ${client.publicClient ? 'a public client' : 'without a service account'}; left unchanged (choose another client id, or turn on "Client authentication" and "Service accounts roles" in the admin console)`);
  }
  note(created, `client ${options.clientId} (confidential, client credentials only)`);
  const id = client.id as string;
  await ensureAudienceMapper(kc, id, options.clientId, options.tokenAudience, note, created);
  const serviceUser = await kc.clients.getServiceAccountUser({ id });
  await grantRealmRoles(kc, serviceUser.id as string, [INTERNAL_ROLE], `client ${options.clientId} service account`, (fresh, what) => note(fresh || created, what));
  return { created, secret, lines };
}

/** The realm role /internal/* requires. */

/**
 * Turns admin events on (without details: the service needs only what changed, not the new
 * values) and sets their expiration when none is set. Only these settings are written: the events
 * settings are read and written back whole, the realm's attributes are merged.
 */
async function enableAdminEvents(kc: KcAdminClient, realm: string, expirationSeconds: number, note: (created: boolean, what: string) => void): Promise<void> {
  const events = await kc.realms.getConfigEvents({ realm });
  if (events.adminEventsEnabled !== true) await kc.realms.updateConfigEvents({ realm }, { ...events, adminEventsEnabled: true });
  note(events.adminEventsEnabled !== true, 'realm admin events on');
  const representation = await kc.realms.findOne({ realm });
  const attributes = (representation?.attributes ?? {}) as Record<string, string>;
  const expiration = attributes.adminEventsExpiration;
  if (expiration === undefined || expiration === '') {
    await kc.realms.update({ realm }, { attributes: { ...attributes, adminEventsExpiration: String(expirationSeconds) } });
  }
  note(expiration === undefined || expiration === '', `realm admin events expiration ${expiration || expirationSeconds} s`);
}

/** Adds the audience mapper unless one already puts the audience into the client's access tokens. */
async function ensureAudienceMapper(
  kc: KcAdminClient,
  id: string,
  clientId: string,
  audience: string,
  note: (created: boolean, what: string) => void,
  /** The client was created in this run (with the mapper): reported as created. */
  createdNow = false,
): Promise<void> {
  const present = hasAudienceMapper(await kc.clients.listProtocolMappers({ id }), audience);
  if (!present) await kc.clients.addProtocolMapper({ id }, audienceMapperRepresentation(audience));
  note(!present || createdNow, `client ${clientId} audience mapper (aud ${audience})`);
}

/**
 * An existing UI client gets the plan's missing redirect URIs, web origins and post-logout redirect
 * URIs (a new PUBLIC_URL or UI_EXTRA_ORIGINS); whatever else differs from the plan is reported.
 */
async function upgradeUiClient(
  kc: KcAdminClient,
  client: ClientRepresentation,
  ui: RealmPlan['uiClient'],
  report: BootstrapReport,
  note: (created: boolean, what: string) => void,
): Promise<void> {
  const postLogout = (client.attributes?.['post.logout.redirect.uris'] ?? '').split('##').filter(Boolean);
  const missing = {
    redirectUris: ui.redirectUris.filter((uri) => !(client.redirectUris ?? []).includes(uri)),
    webOrigins: ui.webOrigins.filter((origin) => !(client.webOrigins ?? []).includes(origin)),
    postLogout: ui.redirectUris.filter((uri) => !postLogout.includes(uri)),
  };
  if (missing.redirectUris.length + missing.webOrigins.length + missing.postLogout.length > 0) {
    // Without protocolMappers: Keycloak would rewrite the client's mappers from the list we read.
    const { protocolMappers: _mappers, ...settings } = client;
    await kc.clients.update(
      { id: client.id as string },
      {
        ...settings,
        redirectUris: [...(client.redirectUris ?? []), ...missing.redirectUris],
        webOrigins: [...(client.webOrigins ?? []), ...missing.webOrigins],
        attributes: { ...settings.attributes, 'post.logout.redirect.uris': [...postLogout, ...missing.postLogout].join('##') },
      },
    );
  }
  for (const uri of missing.redirectUris) note(true, `client ${ui.clientId} redirect URI ${uri}`);
  for (const origin of missing.webOrigins) note(true, `client ${ui.clientId} web origin ${origin}`);
  for (const uri of missing.postLogout.filter((u) => !missing.redirectUris.includes(u))) note(true, `client ${ui.clientId} post-logout redirect URI ${uri}`);
  const drift = [
    client.publicClient !== true && 'it is not a public client',
    client.standardFlowEnabled !== true && 'the standard flow is off',
    client.implicitFlowEnabled === true && 'the implicit flow is on',
    (client.directAccessGrantsEnabled ?? false) !== ui.directAccessGrants && `direct access grants are ${client.directAccessGrantsEnabled ? 'on' : 'off'}`,
    client.attributes?.['pkce.code.challenge.method'] !== 'S256' && 'PKCE S256 is not required',
  ].filter((line): line is string => typeof line === 'string');
  for (const line of drift) report.warnings.push(`client ${ui.clientId}: ${line}, unlike the plan; left unchanged`);
}

async function findClient(kc: KcAdminClient, clientId: string): Promise<ClientRepresentation | undefined> {
  const found = await kc.clients.find({ clientId });
  return found.find((client) => client.clientId === clientId);
}

async function findGroup(kc: KcAdminClient, name: string) {
  const found = await kc.groups.find({ search: name, exact: true });
  return found.find((group) => group.name === name);
}

async function grantRealmRoles(
  kc: KcAdminClient,
  userId: string,
  roleNames: string[],
  who: string,
  note: (created: boolean, what: string) => void,
): Promise<void> {
  if (roleNames.length === 0) return;
  const have = new Set((await kc.users.listRealmRoleMappings({ id: userId })).map((role) => role.name));
  for (const name of roleNames) {
    if (!have.has(name)) {
      const role = await kc.roles.findOneByName({ name });
      if (!role?.id) throw new Error(`realm role ${name} not found`);
      await kc.users.addRealmRoleMappings({ id: userId, roles: [{ id: role.id, name }] });
    }
    note(!have.has(name), `${who} realm role ${name}`);
  }
}
