/**
 * Following Keycloak's admin events, so that the resolution caches drop what an admin changed (a user
 * disabled or deleted, a membership removed, a group deleted) within a stated bound, without reading
 * every cached owner again: one poll per instance every `pollMs`, invalidating only the owners the
 * events name. Changes take effect within `2 × pollMs` while Keycloak answers (a change lands at
 * most one interval before the poll that sees it, plus that poll's own duration).
 *
 * The guarantee rests on seeing every event, so the follower only vouches for the caches while it
 * can; when it cannot, the caches are told to reload instead:
 * - Keycloak's clock, not ours: the window is `[newest event time seen - overlapMs, ...)` in event
 *   times, so skew between Keycloak and the service does not matter; the overlap absorbs events
 *   stored a little after their timestamp (or by Keycloak nodes whose clocks differ), and events
 *   are deduplicated by id.
 * - First poll: only the newest page, to learn Keycloak's clock; every entry cached before it is
 *   expired (nothing cached earlier is vouched for).
 * - A poll that finds more than `maxPages` pages, or comes later than `2 × pollMs` after the last
 *   good one (a stalled loop, an outage): every entry expires (reloaded on next use).
 * - Admin events off in the realm, the `view-events` role missing, Keycloak not answering: each poll
 *   expires the entries older than `pollMs`, so cached state is never older than the bound either,
 *   at the cost of one reload per owner in use per interval. Expired entries stay usable as
 *   stale-if-error while Keycloak is down (docs/resolution.md#caching-and-usage). `status()` says so, with the fix.
 */
import { isAppError } from '../errors.js';
import { ownerKey } from '../vault/ports.js';
import { keycloakStatusOf, type AdminEventRepresentation, type KeycloakAdmin } from './admin-client.js';
import type { ServiceTokenCache } from './service-token.js';

/** How to fix what the follower and `byok doctor` report. */
const FIX_EVENTS_OFF = 'run `byok bootstrap-realm`, or in the admin console: Realm settings > Events > Admin events settings > Save events: On';
const FIX_FORBIDDEN = 'grant the service account the realm-management role view-events (`byok bootstrap-realm` does)';

/**
 * The resource types whose admin events can change what resolution serves. REALM: a partial import
 * (`POST /admin/realms/{realm}/partialImport`) records each user or group it creates as a REALM event
 * on `users/<id>` or `groups/<id>` (Keycloak 26.7), the way ids known beforehand come into a realm.
 */
export const FOLLOWED_RESOURCE_TYPES = ['USER', 'GROUP', 'GROUP_MEMBERSHIP', 'REALM'] as const;

/** An admin event as Keycloak 26 lists it (the fields the follower reads). */
export interface AdminEvent extends AdminEventRepresentation {
  id?: string;
}

/** What a batch of events makes stale in the caches. */
export interface Invalidation {
  /** Owner cache keys (`user:<id>`, `group:<id>`). */
  owners: Set<string>;
  /** Users whose cached group memberships are stale. */
  memberships: Set<string>;
  /**
   * Every cached membership is stale: a group was deleted, and its members (and the members of its
   * subgroups, deleted with it) lose it without a membership event of their own.
   */
  allMemberships: boolean;
}

/**
 * The invalidations a batch of admin events calls for (pure). `selfUserId` is the service
 * account's user: its own attribute writes (USER/GROUP UPDATE) are left out, because the service
 * already invalidates them itself (locally, and over Redis with REDIS_URL) or they do not change
 * what is served (usage flushes), and they would otherwise reload every active owner after each
 * flush. Deletes and membership changes are never left out, whoever made them.
 */
export function invalidationsFor(events: readonly AdminEvent[], selfUserId?: string): Invalidation {
  const result: Invalidation = { owners: new Set(), memberships: new Set(), allMemberships: false };
  for (const event of events) {
    if (event.error) continue; // a failed operation changed nothing
    const path = (event.resourcePath ?? '').split('/');
    const operation = event.operationType;
    const own = selfUserId !== undefined && event.authDetails?.userId === selfUserId && operation === 'UPDATE';
    switch (event.resourceType) {
      case 'USER': {
        // users/<id>; ACTION events (logout, reset-password, execute-actions-email) change neither.
        // CREATE drops a "not found" remembered for the id: a user created after a miss resolves.
        const userId = path[0] === 'users' ? path[1] : undefined;
        if (!userId || own || (operation !== 'CREATE' && operation !== 'UPDATE' && operation !== 'DELETE')) break;
        result.owners.add(ownerKey({ kind: 'user', id: userId }));
        // A partial import that overwrites a user changes its groups with only this event.
        result.memberships.add(userId);
        break;
      }
      case 'GROUP_MEMBERSHIP': {
        // users/<userId>/groups/<groupId>, CREATE (joined) or DELETE (left).
        const userId = path[0] === 'users' && path[2] === 'groups' ? path[1] : undefined;
        if (userId) result.memberships.add(userId);
        break;
      }
      case 'GROUP': {
        // groups/<id> (CREATE of a top-level group, UPDATE, DELETE); groups/<id>/children (CREATE: a
        // subgroup made or moved there, which changes no member's groups). A created owner drops the
        // "not found" the owner cache may remember for its id (loading-cache.ts), as USER CREATE does.
        const groupId = path[0] === 'groups' && path.length === 2 ? path[1] : undefined;
        if (!groupId) break;
        if (operation === 'DELETE') {
          result.owners.add(ownerKey({ kind: 'group', id: groupId }));
          result.allMemberships = true;
        } else if ((operation === 'UPDATE' && !own) || operation === 'CREATE') {
          result.owners.add(ownerKey({ kind: 'group', id: groupId }));
        }
        break;
      }
      case 'REALM': {
        // A partial import: users/<id> or groups/<id>, created (or overwritten, with its memberships).
        const [kind, id] = path;
        if (path.length !== 2 || !id || (kind !== 'users' && kind !== 'groups')) break;
        if (kind === 'users') {
          result.owners.add(ownerKey({ kind: 'user', id }));
          result.memberships.add(id);
        } else {
          result.owners.add(ownerKey({ kind: 'group', id }));
          result.allMemberships = true;
        }
        break;
      }
      default:
        break;
    }
  }
  return result;
}

/** Where the follower reads events; the Keycloak adapter is `keycloakAdminEventSource`. */
export interface AdminEventSource {
  /** One page, newest first, of the followed events at or after `from` (Keycloak's clock, ms). */
  page(query: { from: number | undefined; first: number; max: number }): Promise<AdminEvent[]>;
  /** Whether the realm records admin events at all. */
  enabled(): Promise<boolean>;
  /** The service account's user id, when known (its own writes are left out, see invalidationsFor). */
  selfUserId(): Promise<string | undefined>;
}

/** The realm's admin events through the service's admin adapter (needs realm-management `view-events`). */
export function keycloakAdminEventSource(admin: Pick<KeycloakAdmin, 'adminEvents' | 'eventsConfig'>, tokens: Pick<ServiceTokenCache, 'get'>): AdminEventSource {
  return {
    page: (query) => admin.adminEvents({ ...query, resourceTypes: FOLLOWED_RESOURCE_TYPES }),
    enabled: async () => (await admin.eventsConfig()).adminEventsEnabled === true,
    async selfUserId() {
      // A client-credentials token's subject is the client's service-account user.
      const payload = (await tokens.get()).split('.')[1] ?? '';
      try {
        const sub = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown }).sub;
        return typeof sub === 'string' ? sub : undefined;
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * For `byok doctor`: can the service account read admin events, and does the realm record them?
 * One call (the events settings need the same `view-events` role as the events).
 */
export async function checkAdminEvents(admin: Pick<KeycloakAdmin, 'eventsConfig'>, realm: string): Promise<{ ok: boolean; detail: string }> {
  try {
    const config = await admin.eventsConfig();
    if (config.adminEventsEnabled !== true) {
      return { ok: false, detail: `admin events are off in realm ${realm} (disables and membership changes then reach the caches only by reloading); ${FIX_EVENTS_OFF}` };
    }
    return { ok: true, detail: 'admin events are on and the service account can read them' };
  } catch (error) {
    if (keycloakStatusOf(error) === 403) return { ok: false, detail: `the service account may not read admin events; ${FIX_FORBIDDEN}` };
    return { ok: false, detail: `admin events settings could not be read (${isAppError(error) ? error.message : `HTTP ${keycloakStatusOf(error) ?? '?'}`})` };
  }
}

/** Why the follower does (not) vouch for the caches. */
export type FollowerState = 'starting' | 'following' | 'events_off' | 'forbidden' | 'failing';

export interface AdminEventFollowerDeps {
  source: AdminEventSource;
  realm: string;
  pollMs: number;
  now: () => number;
  log: { info: (fields: object, message: string) => void; warn: (fields: object, message: string) => void };
  /** Drops what the events name from the caches. */
  invalidate: (invalidation: Invalidation) => void;
  /** Makes every cached entry, or every one loaded before `loadedBefore` (service clock), due for a reload. */
  expire: (loadedBefore?: number) => void;
  /** Events re-read before the newest one seen (Keycloak's clock). Default 10 s. */
  overlapMs?: number;
  pageSize?: number;
  /** More pages than this in one poll: the caches are expired instead. */
  maxPages?: number;
}

export type AdminEventFollower = ReturnType<typeof createAdminEventFollower>;

export function createAdminEventFollower(deps: AdminEventFollowerDeps) {
  const overlapMs = deps.overlapMs ?? 10_000;
  const pageSize = deps.pageSize ?? 100;
  const maxPages = deps.maxPages ?? 50;
  const boundMs = 2 * deps.pollMs;
  /** Newest event time seen (Keycloak's clock); undefined until the first good poll. */
  let cursor: number | undefined;
  /** Whether a poll has read the newest events once (before that, older ones are not wanted). */
  let baselined = false;
  /** Ids of the events seen in the current window (for deduplication), with their times. */
  const seen = new Map<string, number>();
  /** Service clock: when the last poll that vouched for the caches started. */
  let lastGoodPollAt: number | undefined;
  let state: FollowerState = 'starting';
  let detail = 'waiting for the first poll';
  let selfUserId: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inProgress: Promise<void> | undefined;
  let stopped = true;

  const idOf = (event: AdminEvent) => event.id ?? `${event.time}|${event.operationType}|${event.resourceType}|${event.resourcePath}`;

  async function fetchWindow(): Promise<{ events: AdminEvent[]; overflow: boolean }> {
    // First poll: the newest page only, for Keycloak's clock (everything cached before is expired
    // anyway). Until an event is seen at all, later polls read every event there is (all new).
    const from = cursor === undefined ? undefined : cursor - overlapMs;
    const newestOnly = !baselined;
    const events: AdminEvent[] = [];
    for (let page = 0; ; page += 1) {
      if (page === maxPages) return { events, overflow: true };
      // Newest first: events arriving meanwhile push older ones to later pages (seen twice, never missed).
      const batch = await deps.source.page({ from, first: page * pageSize, max: pageSize });
      events.push(...batch);
      if (batch.length < pageSize || newestOnly) return { events, overflow: false };
    }
  }

  function enter(next: FollowerState, nextDetail: string, fields: object = {}): void {
    if (next !== state) {
      if (next === 'following') deps.log.info({ realm: deps.realm }, 'following Keycloak admin events');
      else deps.log.warn({ realm: deps.realm, state: next, ...fields }, `admin events not followed: ${nextDetail}`);
    }
    state = next;
    detail = nextDetail;
  }

  /** One poll: reads the window, invalidates what it names, or expires what it cannot vouch for. */
  async function pollOnce(): Promise<void> {
    const startedAt = deps.now();
    try {
      selfUserId ??= await deps.source.selfUserId();
      const [enabled, { events, overflow }] = await Promise.all([deps.source.enabled(), fetchWindow()]);
      baselined = true;
      const fresh = events.filter((event) => !seen.has(idOf(event)));
      for (const event of fresh) seen.set(idOf(event), event.time ?? 0);
      deps.invalidate(invalidationsFor(fresh, selfUserId));
      const newest = events.reduce((max, event) => Math.max(max, event.time ?? 0), cursor ?? 0);
      if (events.length > 0) cursor = newest;
      if (cursor !== undefined) for (const [id, time] of seen) if (time < cursor - overlapMs) seen.delete(id);
      if (!enabled) {
        deps.expire(startedAt - deps.pollMs);
        enter('events_off', `admin events are off in realm ${deps.realm}, so cached owners are reloaded when older than ${deps.pollMs / 1000} s; ${FIX_EVENTS_OFF}`);
        return;
      }
      if (overflow || lastGoodPollAt === undefined || startedAt - lastGoodPollAt > boundMs) deps.expire();
      if (overflow) deps.log.warn({ realm: deps.realm, events: events.length }, 'more admin events than one poll reads; every cached owner expired');
      lastGoodPollAt = startedAt;
      enter('following', `following admin events every ${deps.pollMs / 1000} s; disables and membership changes take effect within ${boundMs / 1000} s`);
    } catch (error) {
      deps.expire(startedAt - deps.pollMs);
      if (keycloakStatusOf(error) === 403) {
        enter('forbidden', `the service account may not read admin events (403), so cached owners are reloaded when older than ${deps.pollMs / 1000} s; ${FIX_FORBIDDEN}`);
      } else {
        const reason = isAppError(error) ? error.message : `HTTP ${keycloakStatusOf(error) ?? '?'}`;
        enter('failing', `admin events could not be read (${reason}); cached owners are reloaded when older than ${deps.pollMs / 1000} s`, { reason });
      }
    }
  }

  function schedule(delayMs: number): void {
    if (stopped) return;
    timer = setTimeout(() => {
      inProgress = pollOnce().finally(() => {
        inProgress = undefined;
        schedule(deps.pollMs);
      });
    }, delayMs);
    timer.unref();
  }

  return {
    pollOnce,
    /** Polls now and then every `pollMs` after the previous poll ends. */
    start(): void {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    /** Stops polling; resolves once a poll in progress has ended. */
    async stop(): Promise<void> {
      stopped = true;
      if (timer) clearTimeout(timer);
      await inProgress;
    },
    /** Whether it polls (started and not stopped). */
    running: (): boolean => !stopped,
    /** For readiness: ok only while the follower vouches for the caches; the detail says why not, and the fix. */
    status(): { ok: boolean; state: FollowerState; detail: string } {
      const late = state === 'following' && lastGoodPollAt !== undefined && deps.now() - lastGoodPollAt > boundMs + deps.pollMs;
      if (late) return { ok: false, state, detail: `no admin-event poll has succeeded for ${Math.round((deps.now() - lastGoodPollAt!) / 1000)} s` };
      return { ok: state === 'following', state, detail };
    },
  };
}
