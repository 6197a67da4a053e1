/**
 * The service's connection to Redis (docs/scale-out.md), shared by the scale-out state (cursors, locks,
 * cooldowns, invalidation) and the rate limiters. Two ioredis connections: one for commands, one
 * subscribed to the service's channel.
 *
 * Commands never queue while Redis is away (`enableOfflineQueue: false`): the hot path asks
 * `available()` first and uses local state when it says no, so a missing Redis costs a resolve nothing.
 * A failed command marks Redis unavailable for a short back-off even while the socket still looks up
 * (a hung server), so one slow Redis does not slow every request. ioredis reconnects by itself; when
 * Redis is back the `rejoin` handlers run (caches expire, cooldowns reload). Going and coming back are
 * logged once each and shown by the `byok_redis_up` gauge and `/readyz` detail.
 */
import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../observability/logger.js';

export interface RedisLinkOptions {
  url: string;
  /** Prefix of every key and channel, so several deployments can share one Redis. */
  prefix: string;
  commandTimeoutMs: number;
  logger: Logger;
  /** Told whenever availability changes (metrics). */
  onAvailability?: (up: boolean) => void;
}

export type RedisLink = ReturnType<typeof createRedisLink>;

const BACKOFF_AFTER_FAILURE_MS = 2_000;

export function createRedisLink(options: RedisLinkOptions) {
  const { logger, prefix } = options;
  const common: RedisOptions = {
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(100 * times, 2_000),
    maxRetriesPerRequest: 1,
    lazyConnect: false,
  };
  const client = new Redis(options.url, { ...common, enableOfflineQueue: false, commandTimeout: options.commandTimeoutMs });
  // The subscriber queues its SUBSCRIBE until connected and re-subscribes after every reconnect.
  const subscriber = new Redis(options.url, { ...common, enableOfflineQueue: true });
  const channel = `${prefix}events`;

  let up = false;
  let everUp = false;
  let backoffUntil = 0;
  const rejoinHandlers: Array<() => void | Promise<void>> = [];
  const messageHandlers = new Map<string, (payload: string) => void>();

  const setUp = (value: boolean, why: string) => {
    if (value === up) return;
    up = value;
    options.onAvailability?.(value);
    if (value) {
      logger.info({ redis: 'up', rejoin: everUp }, everUp ? 'redis is back: rejoining (caches expired, cooldowns reloaded)' : 'redis connected: scale-out state is shared');
      const rejoin = everUp;
      everUp = true;
      if (rejoin) {
        for (const handler of rejoinHandlers) {
          Promise.resolve()
            .then(handler)
            .catch((error: unknown) => logger.warn({ reason: (error as Error).message }, 'rejoin step failed'));
        }
      }
    } else {
      logger.warn({ redis: 'down', why }, 'redis unreachable: serving resolves with local state; writes are refused until it returns');
    }
  };
  client.on('ready', () => {
    backoffUntil = 0;
    setUp(true, 'ready');
  });
  client.on('close', () => setUp(false, 'connection closed'));
  client.on('end', () => setUp(false, 'connection ended'));
  // ioredis emits an error per failed reconnect; availability changes are logged above, once.
  client.on('error', () => undefined);
  subscriber.on('error', () => undefined);
  subscriber.on('message', (from: string, message: string) => {
    if (from !== channel) return;
    const space = message.indexOf(' ');
    const type = space < 0 ? message : message.slice(0, space);
    messageHandlers.get(type)?.(space < 0 ? '' : message.slice(space + 1));
  });
  subscriber.subscribe(channel).catch((error: unknown) => logger.warn({ reason: (error as Error).message }, 'redis subscribe failed; will retry on reconnect'));

  /** Called when a command failed: local state for a short while, without waiting for timeouts. */
  const failed = (error: unknown): void => {
    if (Date.now() >= backoffUntil) logger.warn({ reason: (error as Error)?.message }, 'redis command failed; using local state for a moment');
    backoffUntil = Date.now() + BACKOFF_AFTER_FAILURE_MS;
  };

  return {
    client,
    prefix,
    /** Whether shared state can be used now. */
    available(): boolean {
      return up && client.status === 'ready' && Date.now() >= backoffUntil;
    },
    failed,
    /** Publishes `type payload` to every instance (this one included); best effort. */
    publish(type: string, payload: string): void {
      if (!up) return;
      client.publish(channel, `${type} ${payload}`).catch(failed);
    },
    onMessage(type: string, handler: (payload: string) => void): void {
      messageHandlers.set(type, handler);
    },
    /** Runs after Redis came back from an outage (not at the first connect). */
    onRejoin(handler: () => void | Promise<void>): void {
      rejoinHandlers.push(handler);
    },
    status(): { ok: boolean; detail: string } {
      return up
        ? { ok: true, detail: 'connected; round-robin, locks, cooldowns, invalidation and usage counts are shared' }
        : { ok: false, detail: 'unreachable: resolves use local state, writes are refused (503) until it returns' };
    },
    async close(): Promise<void> {
      await Promise.allSettled([client.quit(), subscriber.quit()]);
      client.disconnect();
      subscriber.disconnect();
    },
  };
}
