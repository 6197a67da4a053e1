/**
 * Rate limits (issue 7): per user (token subject) on the user and admin API, per internal client
 * (token azp) on /internal, and per user for key tests (each sends one request per key to the
 * provider, up to 10, so the general limit alone would let one user make the service send ten times
 * its own rate to any provider). Counters come from rate-limiter-flexible: in Redis when scale-out is on
 * (so the limit holds for the whole deployment, not per instance), with an in-memory limiter as
 * insurance while Redis is away; in memory otherwise. Past the limit: 429 RATE_LIMITED with
 * Retry-After. A limit of 0 turns that limiter off.
 */
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../errors.js';
import type { Principal } from '../keycloak/token-verifier.js';

export interface RateLimitOptions {
  userPerMinute: number;
  internalPerSecond: number;
  /** Key tests per minute per user; absent or 0: no limit of their own. */
  keyTestsPerMinute?: number | undefined;
  redis?: { client: Redis; prefix: string } | undefined;
  /** Told of every refused request (metrics). */
  onLimited?: (scope: Scope) => void;
}

type Scope = 'user' | 'internal' | 'key_test';

export type RateLimits = ReturnType<typeof createRateLimits>;

export function createRateLimits(options: RateLimitOptions) {
  const limiter = (scope: Scope, points: number, durationSeconds: number): RateLimiterAbstract | undefined => {
    if (points === 0) return undefined;
    const memory = new RateLimiterMemory({ points, duration: durationSeconds, keyPrefix: `rl-${scope}` });
    if (!options.redis) return memory;
    return new RateLimiterRedis({
      storeClient: options.redis.client,
      keyPrefix: `${options.redis.prefix}rl:${scope}`,
      points,
      duration: durationSeconds,
      rejectIfRedisNotReady: true,
      insuranceLimiter: memory,
    });
  };
  const user = limiter('user', options.userPerMinute, 60);
  const internal = limiter('internal', options.internalPerSecond, 1);
  const keyTest = limiter('key_test', options.keyTestsPerMinute ?? 0, 60);

  /** Counts one request; undefined (no promise) when the scope has no limit, so the hot path stays synchronous. */
  function take(scope: Scope, which: RateLimiterAbstract | undefined, key: string): Promise<void> | undefined {
    if (!which) return undefined;
    return which.consume(key).then(
      () => undefined,
      (refusal: unknown) => {
        if (!(refusal instanceof RateLimiterRes)) throw refusal;
        options.onLimited?.(scope);
        throw new AppError('RATE_LIMITED', { retryAfterSeconds: Math.max(1, Math.ceil(refusal.msBeforeNext / 1000)) });
      },
    );
  }

  return {
    /** Counts one request of a user; throws 429 RATE_LIMITED past the limit. */
    user: (principal: Principal) => take('user', user, principal.subject),
    /** Counts one request of an internal client (by client id, or subject when there is none). */
    internal: (principal: Principal) => take('internal', internal, principal.clientId ?? principal.subject),
    /** Counts one key test of a user (user or team keys alike); throws 429 RATE_LIMITED past the limit. */
    keyTest: (principal: Principal) => take('key_test', keyTest, principal.subject),
  };
}
