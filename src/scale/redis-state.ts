/**
 * Shared implementations of the resolution and write ports over Redis (docs/scale-out.md), each wrapping the
 * in-process one it falls back to while Redis is unavailable:
 *
 * - cursors: one atomic INCR per owner and provider (a Lua script that also gives the counter a
 *   lifetime), so instances take turns as one; without Redis, local counters;
 * - cooldowns: written to Redis (with the cooldown as expiry) and announced over pub/sub; every
 *   instance keeps a local mirror, so checking costs the hot path no round trip; the mirror is
 *   reloaded from Redis when an instance (re)joins;
 * - owner locks: the local FIFO lock first (one waiter per instance), then `SET key token NX PX ttl`
 *   with a watchdog that extends it while the writer works, released only by its holder (compare and
 *   delete in Lua). Without Redis a write cannot be made safe across instances, so it is refused with
 *   503 REDIS_UNAVAILABLE and Retry-After (losing a key is worse than asking the user to retry);
 * - invalidation: after a write, `invalidate <owner key>` is published; every instance drops its
 *   cache entry for that owner.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppError } from '../errors.js';
import { ownerKey, type Cooldowns, type Cursors, type OwnerLocks, type OwnerRef } from '../vault/ports.js';
import type { LocalCooldowns } from '../vault/in-process-state.js';
import type { RedisLink } from './redis-link.js';

const NEXT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
return n - 1`;
const RELEASE_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;
const EXTEND_SCRIPT = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;

/** A round-robin counter lives this long after its first use (then the turn starts over). */
const CURSOR_LIFETIME_MS = 24 * 3600 * 1000;

export function createRedisCursors(link: RedisLink, local: Cursors, onFallback?: () => void): Cursors {
  const { client, prefix } = link;
  // EVALSHA after the first call: the hot path sends the script's hash, not its text.
  client.defineCommand('byokNextTurn', { numberOfKeys: 1, lua: NEXT_SCRIPT });
  const nextTurn = (client as unknown as { byokNextTurn(key: string, lifetimeMs: number): Promise<number> }).byokNextTurn.bind(client);
  return {
    async next(key) {
      if (link.available()) {
        try {
          return Number(await nextTurn(`${prefix}cursor:${key}`, CURSOR_LIFETIME_MS));
        } catch (error) {
          link.failed(error);
        }
      }
      onFallback?.();
      return local.next(key);
    },
  };
}

export function createRedisCooldowns(link: RedisLink, local: LocalCooldowns, now: () => number): Cooldowns {
  const { client, prefix } = link;
  const keyOf = (keyId: string) => `${prefix}cooldown:${keyId}`;

  link.onMessage('cooldown', (payload) => {
    const [keyId, until] = payload.split(' ');
    if (keyId && Number(until) > now()) local.coolDown(keyId, Number(until));
  });
  link.onMessage('cooldown-clear', (keyId) => local.clear(keyId));

  /** Loads every cooldown Redis holds into the local mirror (at (re)join). */
  async function reload(): Promise<void> {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}cooldown:*`, 'COUNT', 500);
      cursor = next;
      if (keys.length === 0) continue;
      const values = await client.mget(...keys);
      keys.forEach((key, index) => {
        const until = Number(values[index]);
        if (until > now()) local.coolDown(key.slice(`${prefix}cooldown:`.length), until);
      });
    } while (cursor !== '0');
  }
  link.onRejoin(reload);
  client.once('ready', () => void reload().catch(() => undefined));

  return {
    async coolDown(keyId, untilMs) {
      local.coolDown(keyId, untilMs);
      const ttl = Math.max(1, Math.ceil(untilMs - now()));
      if (!link.available()) return;
      try {
        await client.set(keyOf(keyId), String(untilMs), 'PX', ttl);
        link.publish('cooldown', `${keyId} ${untilMs}`);
      } catch (error) {
        link.failed(error);
      }
    },
    async clear(keyId) {
      // Every instance mirrors every cooldown (pub/sub, and a reload on rejoin): a key this instance
      // does not see cooling has nothing to clear, so a success report (each gateway request makes
      // one) costs no Redis round trip and no message to every instance.
      if (local.cooling([keyId]).size === 0) return;
      local.clear(keyId);
      if (!link.available()) return;
      try {
        await client.del(keyOf(keyId));
        link.publish('cooldown-clear', keyId);
      } catch (error) {
        link.failed(error);
      }
    },
    cooling: (keyIds) => local.cooling(keyIds),
  };
}

export interface RedisLockOptions {
  ttlMs: number;
  waitMs: number;
}

export function createRedisLocks(link: RedisLink, local: OwnerLocks, options: RedisLockOptions): OwnerLocks {
  const { client, prefix } = link;
  const unavailable = (cause?: unknown) =>
    new AppError('REDIS_UNAVAILABLE', { retryAfterSeconds: 5, ...(cause === undefined ? {} : { cause }) });

  async function acquire(key: string, token: string): Promise<void> {
    const deadline = Date.now() + options.waitMs;
    for (let attempt = 0; ; attempt += 1) {
      if (!link.available()) throw unavailable();
      let acquired: string | null;
      try {
        acquired = await client.set(key, token, 'PX', options.ttlMs, 'NX');
      } catch (error) {
        link.failed(error);
        throw unavailable(error);
      }
      if (acquired === 'OK') return;
      if (Date.now() >= deadline) throw new AppError('OWNER_BUSY', { retryAfterSeconds: 1 });
      await sleep(Math.min(10 + attempt * 5, 50) + Math.floor(Math.random() * 10));
    }
  }

  return {
    withLock(owner: OwnerRef, critical) {
      // One writer per owner in this instance first: waiters queue locally, not on Redis.
      return local.withLock(owner, async () => {
        const key = `${prefix}lock:${ownerKey(owner)}`;
        const token = randomUUID();
        await acquire(key, token);
        // Keep the lock while the writer works (a slow Keycloak); never extend someone else's.
        const watchdog = setInterval(() => {
          client.eval(EXTEND_SCRIPT, 1, key, token, options.ttlMs).catch(() => undefined);
        }, Math.max(100, Math.floor(options.ttlMs / 3)));
        watchdog.unref();
        try {
          return await critical();
        } finally {
          clearInterval(watchdog);
          // Only the holder's token deletes it; if Redis is away, the lock expires by itself.
          await client.eval(RELEASE_SCRIPT, 1, key, token).catch(() => undefined);
        }
      });
    },
  };
}

/** Cross-instance cache invalidation: `announce` after a write; `onInvalidate` runs on every instance. */
export function createInvalidationBus(link: RedisLink, onInvalidate: (ownerKey: string) => void) {
  link.onMessage('invalidate', (key) => {
    if (key !== '') onInvalidate(key);
  });
  return {
    announce(owner: OwnerRef): void {
      link.publish('invalidate', ownerKey(owner));
    },
  };
}
