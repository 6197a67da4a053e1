/**
 * The service's own access token (client-credentials grant of `byok-service`), cached until shortly
 * before it expires. Guarantees:
 * - however many callers ask at once, at most one token request is in flight;
 * - inside the refresh window the current token is still handed out while one background request
 *   renews it, so the hot path never waits on Keycloak for a token it already has;
 * - `invalidate(token)` after a 401 drops exactly that token (a newer one is kept).
 */
import { AppError } from '../errors.js';

export interface ServiceTokenCacheOptions {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  timeoutMs: number;
  /** Renew this many seconds before expiry (capped at a fifth of the token's lifetime). */
  refreshSkewSeconds: number;
  now?: () => number;
  fetch?: typeof fetch;
  /** Told of every token request and its outcome (metrics, logs). Never given the token. */
  onRequest?: (outcome: 'ok' | 'rejected' | 'unavailable', durationMs: number) => void;
  onBackgroundError?: (error: unknown) => void;
}

interface CachedToken {
  token: string;
  refreshAt: number;
  expiresAt: number;
}

export type ServiceTokenCache = ReturnType<typeof createServiceTokenCache>;

export function createServiceTokenCache(options: ServiceTokenCacheOptions) {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  let current: CachedToken | undefined;
  let inflight: Promise<CachedToken> | undefined;
  let requestCount = 0;

  async function requestToken(): Promise<CachedToken> {
    requestCount += 1;
    const started = now();
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: options.clientId,
      client_secret: options.clientSecret,
    });
    let response: Response;
    try {
      response = await doFetch(options.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (cause) {
      options.onRequest?.('unavailable', now() - started);
      throw new AppError('KEYCLOAK_UNAVAILABLE', {
        message: 'Keycloak did not answer the service token request.',
        retryAfterSeconds: 5,
        cause,
      });
    }
    if (response.status === 400 || response.status === 401) {
      options.onRequest?.('rejected', now() - started);
      await response.body?.cancel();
      throw new AppError('KEYCLOAK_UNAVAILABLE', {
        message:
          'Keycloak rejected the service client credentials; check KEYCLOAK_CLIENT_ID and KEYCLOAK_CLIENT_SECRET.',
        retryAfterSeconds: 30,
      });
    }
    if (!response.ok) {
      options.onRequest?.('unavailable', now() - started);
      await response.body?.cancel();
      throw new AppError('KEYCLOAK_UNAVAILABLE', {
        message: `Keycloak answered the service token request with HTTP ${response.status}.`,
        retryAfterSeconds: 5,
      });
    }
    const json = (await response.json()) as { access_token?: unknown; expires_in?: unknown };
    if (typeof json.access_token !== 'string' || typeof json.expires_in !== 'number') {
      options.onRequest?.('unavailable', now() - started);
      throw new AppError('KEYCLOAK_UNAVAILABLE', { message: 'Keycloak sent a token response without a token.', retryAfterSeconds: 5 });
    }
    options.onRequest?.('ok', now() - started);
    const lifetimeMs = json.expires_in * 1000;
    const skewMs = Math.min(options.refreshSkewSeconds * 1000, lifetimeMs / 5);
    const expiresAt = started + lifetimeMs;
    return { token: json.access_token, expiresAt, refreshAt: expiresAt - skewMs };
  }

  function refresh(): Promise<CachedToken> {
    if (!inflight) {
      inflight = requestToken()
        .then((fresh) => {
          current = fresh;
          return fresh;
        })
        .finally(() => {
          inflight = undefined;
        });
    }
    return inflight;
  }

  return {
    /** A valid access token for the service account. Throws AppError KEYCLOAK_UNAVAILABLE. */
    async get(): Promise<string> {
      const at = now();
      if (current && at < current.refreshAt) return current.token;
      if (current && at < current.expiresAt) {
        // Inside the refresh window: renew once in the background, keep serving the current token.
        refresh().catch((error: unknown) => options.onBackgroundError?.(error));
        return current.token;
      }
      return (await refresh()).token;
    },
    /** Drops the token if it is still the current one (Keycloak answered 401 to it). */
    invalidate(token: string): void {
      if (current?.token === token) current = undefined;
    },
    /** How many token requests were sent since start. */
    requestCount: () => requestCount,
  };
}
