/**
 * Following Keycloak's admin events: which cache entries an event makes stale (pure), and the
 * follower's window over a simulated event log with a clock of its own (skewed from the service's).
 * The behaviour against the real Keycloak is in tests/integration/access-removal.test.ts.
 */
import { AppError } from '../../src/errors.js';
import { createAdminEventFollower, invalidationsFor, type AdminEvent, type AdminEventSource, type Invalidation } from '../../src/keycloak/admin-events.js';

const SELF = 'service-account-user';
const ADMIN = 'admin-user';
let counter = 0;
function event(resourceType: string, operationType: string, resourcePath: string, extra: Partial<AdminEvent> = {}): AdminEvent {
  counter += 1;
  return { id: `e${counter}`, time: 1_000 + counter, resourceType, operationType, resourcePath, authDetails: { userId: ADMIN }, ...extra };
}
const sorted = (change: Invalidation) => ({ owners: [...change.owners].sort(), memberships: [...change.memberships].sort(), allMemberships: change.allMemberships });

describe('invalidationsFor: what an admin event makes stale', () => {
  test('a user updated (disabled), created or deleted: the user and their memberships', () => {
    for (const operation of ['UPDATE', 'DELETE', 'CREATE']) {
      expect(sorted(invalidationsFor([event('USER', operation, 'users/u1')]))).toEqual({ owners: ['user:u1'], memberships: ['u1'], allMemberships: false });
    }
  });

  test('a membership created or deleted: only that user’s memberships', () => {
    for (const operation of ['CREATE', 'DELETE']) {
      expect(sorted(invalidationsFor([event('GROUP_MEMBERSHIP', operation, 'users/u1/groups/g1')]))).toEqual({ owners: [], memberships: ['u1'], allMemberships: false });
    }
  });

  test('a group deleted: the group and every cached membership (members and subgroups lose it without events of their own)', () => {
    expect(sorted(invalidationsFor([event('GROUP', 'DELETE', 'groups/g1')]))).toEqual({ owners: ['group:g1'], memberships: [], allMemberships: true });
  });

  test('a group updated or created: the group only (a created one drops its "not found"); a subgroup created or moved under it: nothing', () => {
    for (const operation of ['UPDATE', 'CREATE']) {
      expect(sorted(invalidationsFor([event('GROUP', operation, 'groups/g1')]))).toEqual({ owners: ['group:g1'], memberships: [], allMemberships: false });
    }
    expect(sorted(invalidationsFor([event('GROUP', 'CREATE', 'groups/g1/children')]))).toEqual({ owners: [], memberships: [], allMemberships: false });
  });

  test('a partial import (REALM events on users/<id> and groups/<id>): the user and their memberships; the group and every membership', () => {
    expect(sorted(invalidationsFor([event('REALM', 'CREATE', 'users/u1')]))).toEqual({ owners: ['user:u1'], memberships: ['u1'], allMemberships: false });
    expect(sorted(invalidationsFor([event('REALM', 'CREATE', 'groups/g1')]))).toEqual({ owners: ['group:g1'], memberships: [], allMemberships: true });
    expect(sorted(invalidationsFor([event('REALM', 'UPDATE', ''), event('REALM', 'UPDATE', 'events/config'), event('REALM', 'CREATE', 'clients/c1')]))).toEqual({ owners: [], memberships: [], allMemberships: false });
  });

  test("the service's own attribute writes are left out, but never its deletes or membership changes", () => {
    const own = { authDetails: { userId: SELF } };
    const change = invalidationsFor(
      [event('USER', 'UPDATE', 'users/u1', own), event('GROUP', 'UPDATE', 'groups/g1', own), event('USER', 'DELETE', 'users/u2', own), event('GROUP_MEMBERSHIP', 'DELETE', 'users/u3/groups/g1', own)],
      SELF,
    );
    expect(sorted(change)).toEqual({ owners: ['user:u2'], memberships: ['u2', 'u3'], allMemberships: false });
    // Without knowing its own id, the follower takes every event.
    expect(invalidationsFor([event('USER', 'UPDATE', 'users/u1', own)]).owners.has('user:u1')).toBe(true);
  });

  test('actions, failed operations and other resources change nothing', () => {
    const change = invalidationsFor([
      event('USER', 'ACTION', 'users/u1/logout'),
      event('USER', 'UPDATE', 'users/u1', { error: 'unknown_error' }),
      event('REALM_ROLE_MAPPING', 'CREATE', 'users/u1/role-mappings/realm'),
      event('CLIENT', 'UPDATE', 'clients/c1'),
      event('USER', 'UPDATE', ''),
    ]);
    expect(sorted(change)).toEqual({ owners: [], memberships: [], allMemberships: false });
  });
});

/** A realm's admin-event log with Keycloak's clock, answering like GET /admin-events (newest first). */
function simulatedKeycloak(clockOffsetMs: number) {
  const log: AdminEvent[] = [];
  const state = { enabled: true, failure: undefined as unknown, queries: [] as Array<{ from: number | undefined; first: number; max: number }> };
  const kcNow = () => serviceClock.now + clockOffsetMs;
  const source: AdminEventSource = {
    async page(query) {
      state.queries.push(query);
      if (state.failure) throw state.failure;
      const matching = log.filter((e) => query.from === undefined || (e.time ?? 0) >= query.from).sort((a, b) => (b.time ?? 0) - (a.time ?? 0));
      return matching.slice(query.first, query.first + query.max);
    },
    async enabled() {
      if (state.failure) throw state.failure;
      return state.enabled;
    },
    selfUserId: async () => SELF,
  };
  return {
    source,
    state,
    /** An admin's change now, stamped `lagMs` earlier (stored late, or by a Keycloak node behind). */
    change(resourceType: string, operationType: string, resourcePath: string, lagMs = 0) {
      if (state.enabled) log.push({ id: `k${log.length}`, time: kcNow() - lagMs + log.length, resourceType, operationType, resourcePath, authDetails: { userId: ADMIN } });
    },
  };
}

const serviceClock = { now: 1_700_000_000_000 };

function follow(keycloak: ReturnType<typeof simulatedKeycloak>, options: { pageSize?: number; maxPages?: number } = {}) {
  const invalidated: string[] = [];
  const expired: Array<number | 'all'> = [];
  const logs: string[] = [];
  const follower = createAdminEventFollower({
    source: keycloak.source,
    realm: 'byok',
    pollMs: 5_000,
    now: () => serviceClock.now,
    log: { info: (_f, message) => logs.push(message), warn: (_f, message) => logs.push(message) },
    invalidate: (change) => invalidated.push(...change.owners, ...[...change.memberships].map((id) => `memberships:${id}`), ...(change.allMemberships ? ['memberships:*'] : [])),
    expire: (loadedBefore) => expired.push(loadedBefore ?? 'all'),
    ...options,
  });
  const tick = async (ms = 5_000) => {
    serviceClock.now += ms;
    await follower.pollOnce();
  };
  return { follower, invalidated, expired, logs, tick };
}

describe('the follower: every change seen once, in Keycloak’s clock, or the caches expire', () => {
  test('with Keycloak’s clock an hour behind the service’s, each change invalidates once, and idle polls invalidate nothing', async () => {
    const keycloak = simulatedKeycloak(-3_600_000);
    keycloak.change('USER', 'UPDATE', 'users/before-start');
    const { follower, invalidated, expired, tick } = follow(keycloak);
    await tick();
    expect(expired).toEqual(['all']); // nothing cached before the first poll is vouched for
    expect(follower.status()).toMatchObject({ ok: true, state: 'following' });
    invalidated.length = 0;

    keycloak.change('USER', 'UPDATE', 'users/u1');
    await tick();
    keycloak.change('GROUP_MEMBERSHIP', 'DELETE', 'users/u2/groups/g1');
    await tick();
    await tick(); // the same window again (overlap): deduplicated
    await tick();
    expect(invalidated).toEqual(['user:u1', 'memberships:u1', 'memberships:u2']);
    expect(expired).toEqual(['all']);
    // The window starts at the newest event seen minus the overlap, in Keycloak's time.
    const last = keycloak.state.queries.at(-1);
    expect(last?.from).toBeLessThan(serviceClock.now - 3_600_000);
  });

  test('an event stamped before the newest one seen (stored late) is still found within the overlap', async () => {
    const keycloak = simulatedKeycloak(0);
    const { invalidated, tick } = follow(keycloak);
    await tick();
    keycloak.change('USER', 'UPDATE', 'users/u1');
    await tick();
    // Stamped 2 s before u1's (a Keycloak node whose clock is behind, or a slow commit).
    keycloak.change('USER', 'DELETE', 'users/late', 7_000);
    await tick();
    expect(invalidated).toContain('user:late');
  });

  test('more events than one poll reads: everything expires, and the newest are still applied', async () => {
    const keycloak = simulatedKeycloak(0);
    const { invalidated, expired, tick } = follow(keycloak, { pageSize: 2, maxPages: 2 });
    await tick();
    expired.length = 0;
    for (let i = 0; i < 7; i += 1) keycloak.change('USER', 'UPDATE', `users/u${i}`);
    await tick();
    expect(expired).toEqual(['all']);
    expect(invalidated).toEqual(expect.arrayContaining(['user:u6', 'user:u5', 'user:u4', 'user:u3']));
  });

  test('events off in the realm: each poll expires entries older than one interval, and status says how to fix it', async () => {
    const keycloak = simulatedKeycloak(0);
    const { follower, expired, tick } = follow(keycloak);
    await tick();
    keycloak.state.enabled = false;
    expired.length = 0;
    await tick();
    await tick();
    expect(expired).toEqual([serviceClock.now - 10_000, serviceClock.now - 5_000]);
    expect(follower.status()).toMatchObject({ ok: false, state: 'events_off' });
    expect(follower.status().detail).toMatch(/byok bootstrap-realm/);

    // Back on: a gap the events cannot cover (nothing was recorded), so everything expires once.
    keycloak.state.enabled = true;
    expired.length = 0;
    await tick();
    expect(expired).toEqual(['all']);
    expect(follower.status().ok).toBe(true);
  });

  test('the view-events role missing (403): entries older than one interval expire each poll; status names the role', async () => {
    const keycloak = simulatedKeycloak(0);
    keycloak.state.failure = Object.assign(new Error('forbidden'), { response: { status: 403 } });
    const { follower, expired, tick } = follow(keycloak);
    await tick();
    expect(expired).toEqual([serviceClock.now - 5_000]);
    expect(follower.status()).toMatchObject({ ok: false, state: 'forbidden' });
    expect(follower.status().detail).toMatch(/view-events/);
  });

  test('Keycloak unreachable: entries older than one interval expire each poll (served stale while it is down); on return the missed window is read and everything expires once', async () => {
    const keycloak = simulatedKeycloak(0);
    const { follower, invalidated, expired, tick } = follow(keycloak);
    await tick();
    keycloak.change('USER', 'UPDATE', 'users/just-before');
    keycloak.state.failure = new AppError('KEYCLOAK_UNAVAILABLE');
    expired.length = 0;
    await tick();
    await tick();
    expect(expired).toEqual([serviceClock.now - 10_000, serviceClock.now - 5_000]);
    expect(follower.status()).toMatchObject({ ok: false, state: 'failing' });

    keycloak.state.failure = undefined;
    keycloak.change('GROUP', 'DELETE', 'groups/g-during');
    expired.length = 0;
    await tick();
    expect(invalidated).toEqual(expect.arrayContaining(['user:just-before', 'group:g-during', 'memberships:*']));
    expect(expired).toEqual(['all']);
    expect(follower.status().ok).toBe(true);
  });

  test('a realm without any event yet: later polls read every event there is, however many', async () => {
    const keycloak = simulatedKeycloak(0);
    const { invalidated, tick } = follow(keycloak, { pageSize: 2, maxPages: 10 });
    await tick();
    for (let i = 0; i < 5; i += 1) keycloak.change('USER', 'DELETE', `users/n${i}`);
    await tick();
    expect(invalidated.filter((key) => key.startsWith('user:')).sort()).toEqual(['user:n0', 'user:n1', 'user:n2', 'user:n3', 'user:n4']);
  });
});
