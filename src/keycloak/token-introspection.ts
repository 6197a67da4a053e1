/**
 * Revocation for writes: asks Keycloak whether a user's token is still active (RFC 7662 token
 * introspection, authenticated as the service client). A JWT verified offline stays valid until it
 * expires, whatever happened since; Keycloak's introspection answers `active: false` once the user
 * is disabled or deleted, the token's session was ended (admin logout, sign-out), or a not-before of
 * the user, the client or the realm is later than the token's `iat`. Never cached: a cached "active"
 * is exactly the stale answer this module exists to avoid.
 *
 * Keycloak (26.x) introspects a token only for a client named in its `aud`; the audience every
 * accepted token carries is the service client's id for that reason (config.ts, TOKEN_AUDIENCE).
 */
import { AppError } from '../errors.js';
import type { Principal } from './token-verifier.js';

export interface TokenIntrospectionOptions {
  /** `${issuer}/protocol/openid-connect/token/introspect` */
  introspectionUrl: string;
  clientId: string;
  clientSecret: string;
  realm: string;
  timeoutMs: number;
  fetch?: typeof fetch;
  /** Told of every introspection and its outcome (metrics). Never given the token. */
  onRequest?: (outcome: 'active' | 'inactive' | 'unavailable', durationMs: number) => void;
}

export type TokenIntrospection = ReturnType<typeof createTokenIntrospection>;

export function createTokenIntrospection(options: TokenIntrospectionOptions) {
  const doFetch = options.fetch ?? fetch;
  const authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;

  const unavailable = (message: string, cause?: unknown) =>
    new AppError('KEYCLOAK_UNAVAILABLE', { message, retryAfterSeconds: 5, ...(cause === undefined ? {} : { cause }) });

  return {
    /**
     * Resolves when Keycloak says the token is active and still belongs to `principal`; throws 401
     * UNAUTHENTICATED (revoked) or 503 KEYCLOAK_UNAVAILABLE (no answer: a write is refused, never let
     * through unchecked).
     */
    async assertActive(token: string, principal: Pick<Principal, 'subject'>): Promise<void> {
      const started = Date.now();
      let response: Response;
      try {
        response = await doFetch(options.introspectionUrl, {
          method: 'POST',
          headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
          body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
      } catch (cause) {
        options.onRequest?.('unavailable', Date.now() - started);
        throw unavailable('Keycloak did not answer the token introspection request.', cause);
      }
      if (!response.ok) {
        options.onRequest?.('unavailable', Date.now() - started);
        await response.body?.cancel();
        // 401: our own client credentials were refused; an operator problem, not the caller's.
        throw unavailable(`Keycloak answered the token introspection request with HTTP ${response.status}.`);
      }
      const answer = (await response.json().catch(() => undefined)) as { active?: unknown; sub?: unknown } | undefined;
      if (answer === undefined || typeof answer.active !== 'boolean') {
        options.onRequest?.('unavailable', Date.now() - started);
        throw unavailable('Keycloak sent an introspection answer without "active".');
      }
      if (!answer.active || answer.sub !== principal.subject) {
        options.onRequest?.('inactive', Date.now() - started);
        throw new AppError('UNAUTHENTICATED', {
          message: 'The bearer token is not valid: revoked (the session was ended or the account disabled); sign in again.',
          headers: { 'WWW-Authenticate': `Bearer realm="${options.realm}", error="invalid_token", error_description="token revoked"` },
        });
      }
      options.onRequest?.('active', Date.now() - started);
    },
  };
}
