/**
 * The one door to Keycloak's Admin REST API. It wraps @keycloak/keycloak-admin-client, feeds it the
 * service token from our cache (the client's own refresh-token logic does not work for
 * client-credentials tokens), retries a call once after a 401 with a fresh token, and turns transport
 * failures and 5xx answers into AppError KEYCLOAK_UNAVAILABLE so that "Keycloak is down" is never
 * mistaken for "not found".
 */
import KcAdminClient from '@keycloak/keycloak-admin-client';
import type GroupRepresentation from '@keycloak/keycloak-admin-client/lib/defs/groupRepresentation.js';
import type UserRepresentation from '@keycloak/keycloak-admin-client/lib/defs/userRepresentation.js';
import type { UserProfileConfig } from '@keycloak/keycloak-admin-client/lib/defs/userProfileMetadata.js';
import type AdminEventRepresentation from '@keycloak/keycloak-admin-client/lib/defs/adminEventRepresentation.js';
import type { RealmEventsConfigRepresentation } from '@keycloak/keycloak-admin-client/lib/defs/realmEventsConfigRepresentation.js';
import { AppError } from '../errors.js';
import type { ServiceTokenCache } from './service-token.js';

export type { AdminEventRepresentation, GroupRepresentation, RealmEventsConfigRepresentation, UserRepresentation, UserProfileConfig };

export interface KeycloakAdminOptions {
  url: string;
  realm: string;
  timeoutMs: number;
  tokens: ServiceTokenCache;
  /** Told of every admin call's duration and outcome (metrics). */
  onCall?: (operation: string, outcome: 'ok' | 'not_found' | 'error' | 'unavailable', durationMs: number) => void;
}

/** HTTP status of an admin-client failure, or undefined for a transport failure. */
export function keycloakStatusOf(error: unknown): number | undefined {
  const response = (error as { response?: { status?: unknown } } | null)?.response;
  return typeof response?.status === 'number' ? response.status : undefined;
}

/** Keycloak's 404 as "no such thing"; every other failure stays an error. */
async function undefinedIfNotFound<T>(pending: Promise<T | undefined>): Promise<T | undefined> {
  try {
    return await pending;
  } catch (error) {
    if (keycloakStatusOf(error) === 404) return undefined;
    throw error;
  }
}

export type KeycloakAdmin = ReturnType<typeof createKeycloakAdmin>;

export function createKeycloakAdmin(options: KeycloakAdminOptions) {
  const client = new KcAdminClient({ baseUrl: options.url, realmName: options.realm, timeout: options.timeoutMs });
  client.registerTokenProvider({ getAccessToken: () => options.tokens.get() });

  /** Runs one admin call with the service token; a 401 gets one retry with a fresh token. */
  async function call<T>(operation: string, run: (kc: KcAdminClient) => Promise<T>): Promise<T> {
    const started = Date.now();
    const attempt = async () => {
      const token = await options.tokens.get();
      try {
        return await run(client);
      } catch (error) {
        if (keycloakStatusOf(error) === 401) {
          options.tokens.invalidate(token);
          return await run(client);
        }
        throw error;
      }
    };
    try {
      const result = await attempt();
      options.onCall?.(operation, 'ok', Date.now() - started);
      return result;
    } catch (error) {
      if (error instanceof AppError) {
        options.onCall?.(operation, 'unavailable', Date.now() - started);
        throw error;
      }
      const status = keycloakStatusOf(error);
      if (status === undefined || status >= 500) {
        options.onCall?.(operation, 'unavailable', Date.now() - started);
        throw new AppError('KEYCLOAK_UNAVAILABLE', {
          message: status === undefined ? 'Keycloak did not answer.' : `Keycloak answered HTTP ${status}.`,
          retryAfterSeconds: 5,
          cause: error,
        });
      }
      options.onCall?.(operation, status === 404 ? 'not_found' : 'error', Date.now() - started);
      throw error;
    }
  }

  return {
    call,
    /** The user, read fresh from Keycloak, or undefined when there is no such user. */
    getUser(userId: string): Promise<UserRepresentation | undefined> {
      return undefinedIfNotFound(call('users.findOne', (kc) => kc.users.findOne({ id: userId })));
    },
    /**
     * Updates a user. Fields left out stay as they are, except that Keycloak replaces the whole
     * attribute map and, when `attributes` is given, erases user-profile attributes left out (email,
     * first and last name): callers pass the attribute map and those fields as they read them.
     */
    async putUser(userId: string, user: UserRepresentation): Promise<void> {
      await call('users.update', (kc) => kc.users.update({ id: userId }, user));
    },
    /** The group, read fresh, or undefined when there is no such group. */
    getGroup(groupId: string): Promise<GroupRepresentation | undefined> {
      return undefinedIfNotFound(call('groups.findOne', (kc) => kc.groups.findOne({ id: groupId })));
    },
    /** Updates a group: `name` is required, a `description` left out is erased, `attributes` replaces the whole map. */
    async putGroup(groupId: string, group: GroupRepresentation): Promise<void> {
      await call('groups.update', (kc) => kc.groups.update({ id: groupId }, group));
    },
    /**
     * One page of the realm's admin events at or after `from` (Keycloak's clock, epoch ms; inclusive),
     * newest first (Keycloak's order). Needs realm-management `view-events`.
     */
    async adminEvents(query: { from?: number | undefined; first: number; max: number; resourceTypes: readonly string[] }): Promise<AdminEventRepresentation[]> {
      return call('realms.findAdminEvents', (kc) =>
        kc.realms.findAdminEvents({
          realm: options.realm,
          // Keycloak 26 takes an epoch-millisecond `dateFrom` (or yyyy-MM-dd); the client's type says
          // Date, whose toString() Keycloak would refuse, so the number goes through as text.
          ...(query.from !== undefined ? { dateFrom: String(Math.floor(query.from)) as unknown as Date } : {}),
          first: query.first,
          max: query.max,
          // Repeated query parameters (resourceTypes=USER&resourceTypes=GROUP): the client appends each.
          resourceTypes: [...query.resourceTypes] as unknown as string,
        }),
      );
    },
    /** The realm's event settings (`adminEventsEnabled`, ...). Needs realm-management `view-events`. */
    async eventsConfig(): Promise<RealmEventsConfigRepresentation> {
      return call('realms.getConfigEvents', (kc) => kc.realms.getConfigEvents({ realm: options.realm }));
    },
    async getUserProfileConfig(): Promise<UserProfileConfig> {
      return call('users.getProfile', (kc) => kc.users.getProfile());
    },
  };
}
