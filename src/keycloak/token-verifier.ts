/**
 * Validation of incoming bearer tokens (users, internal services, admins), the one module that
 * decides who a caller is. keycloak-connect's GrantManager checks signature (RS256 against the
 * realm's JWKS, whatever `alg` the header claims), expiry, `typ` and the exact issuer; around it we
 * add what plain keycloak-connect lacks:
 * - a shape check before parsing, so garbage is a clean 401;
 * - the realm's signing keys fetched by one request at a time, with a timeout, and at most once per
 *   `jwksMinIntervalSeconds` for unknown key ids (a flood of forged `kid`s cannot hammer Keycloak);
 * - "Keycloak unreachable while we need its keys" is 503 KEYCLOAK_UNAVAILABLE, not a 401 or 403;
 * - the audience: a token must name this service (`TOKEN_AUDIENCE`) in `aud`, so a token that another
 *   client of the realm obtained for a user cannot be replayed here. The check runs after the
 *   signature check (keycloak-connect would check `aud` before it), so only Keycloak-signed tokens
 *   reach `onMissingAudience`, which readiness uses to notice a client without the audience mapper.
 */
import KeycloakConfig from 'keycloak-connect/middleware/auth-utils/config.js';
import GrantManager from 'keycloak-connect/middleware/auth-utils/grant-manager.js';
import Token from 'keycloak-connect/middleware/auth-utils/token.js';
import { LRUCache } from 'lru-cache';
import { AppError } from '../errors.js';

export interface Principal {
  /** Token `sub`: the Keycloak user id (for a service account, its service-account user). */
  readonly subject: string;
  readonly username: string | undefined;
  /** Token `azp`: the client the token was issued to. */
  readonly clientId: string | undefined;
  readonly realmRoles: ReadonlySet<string>;
  /** Expiry, epoch seconds. */
  readonly expiresAt: number;
}

export interface TokenVerifierOptions {
  url: string;
  realm: string;
  timeoutMs: number;
  /** Tokens must list it in `aud` (TOKEN_AUDIENCE). */
  audience: string;
  /** Told of every correctly signed token of the realm refused for lacking the audience (never given the token). */
  onMissingAudience?: (clientId: string | undefined, issuedAt: number) => void;
  /** Told of every accepted token's client and issue time (readiness sees the mapper at work). */
  onAccepted?: (clientId: string | undefined, issuedAt: number) => void;
  jwksMinIntervalSeconds?: number;
  /** How many verified tokens to remember until their expiry (0 disables). */
  verifiedCacheSize?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_LENGTH = 8 * 1024;

export type TokenVerifier = ReturnType<typeof createTokenVerifier>;

export function createTokenVerifier(options: TokenVerifierOptions) {
  const now = options.now ?? Date.now;
  const doFetch = options.fetch ?? fetch;
  const minIntervalMs = (options.jwksMinIntervalSeconds ?? 10) * 1000;
  const config = new KeycloakConfig({
    realm: options.realm,
    'auth-server-url': options.url,
    resource: options.audience,
    'bearer-only': true,
    // Checked below, after the signature (see the module comment).
    'verify-token-audience': false,
    'min-time-between-jwks-requests': options.jwksMinIntervalSeconds ?? 10,
  });
  const grants = new GrantManager(config);
  // Internal services send the same token thousands of times: a verified token is remembered until it
  // expires (the whole token is compared, so nothing about another token can match), which takes the RSA
  // verification off the hot path. Failures are never cached.
  // Keyed by the signature's last 43 characters (hashing a 1-2 KB token per request showed in the
  // profile), holding the whole token too: only the very same token string finds its entry.
  const verified = new LRUCache<string, { raw: string; principal: Principal }>({ max: Math.max(1, options.verifiedCacheSize ?? 10_000) });
  const cacheKey = (raw: string) => raw.slice(-43);
  // The last token found, checked first: a caller sends one token for many requests in a row, and one
  // string comparison is cheaper than the LRU's lookup. It may outlive its LRU entry (evicted by
  // 10,000 other tokens): still a verified token, whose expiry every caller checks; dropped when expired.
  let last: { raw: string; principal: Principal } | undefined;
  const remembered = (raw: string): Principal | undefined => {
    if (last !== undefined && last.raw === raw) return last.principal;
    const entry = verified.get(cacheKey(raw));
    if (entry === undefined || entry.raw !== raw) return undefined;
    last = entry;
    return entry.principal;
  };
  let jwksInflight: Promise<void> | undefined;
  let lastJwksFetch = -Infinity;

  const hasKey = (kid: string) => grants.rotation.jwks.some((key) => key.kid === kid);

  async function fetchJwks(): Promise<void> {
    let response: Response;
    try {
      response = await doFetch(`${grants.realmUrl}/protocol/openid-connect/certs`, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (cause) {
      throw new AppError('KEYCLOAK_UNAVAILABLE', {
        message: 'Keycloak did not answer the signing-key request.',
        retryAfterSeconds: 5,
        cause,
      });
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new AppError('KEYCLOAK_UNAVAILABLE', {
        message: `Keycloak answered the signing-key request with HTTP ${response.status}.`,
        retryAfterSeconds: 5,
      });
    }
    const body = (await response.json()) as { keys?: Array<{ kid?: string; use?: string }> };
    // Only signing keys: the realm also publishes encryption keys under the same endpoint.
    grants.rotation.jwks = (body.keys ?? []).filter((key) => key.use === undefined || key.use === 'sig');
    grants.rotation.lastTimeRequesTime = now() / 1000;
    lastJwksFetch = now();
  }

  async function ensureKey(kid: string): Promise<boolean> {
    if (hasKey(kid)) return true;
    if (!jwksInflight) {
      if (now() - lastJwksFetch < minIntervalMs) return false;
      jwksInflight = fetchJwks().finally(() => {
        jwksInflight = undefined;
      });
    }
    await jwksInflight;
    return hasKey(kid);
  }

  const unauthenticated = (reason: string) =>
    new AppError('UNAUTHENTICATED', {
      message: `The bearer token is not valid: ${reason}.`,
      headers: { 'WWW-Authenticate': `Bearer realm="${options.realm}", error="invalid_token"` },
    });

  return {
    /** Who the token belongs to. Throws AppError UNAUTHENTICATED or KEYCLOAK_UNAVAILABLE. */
    /** The principal of a token verified before and not expired, without a promise; else undefined (then call `verify`). */
    verifyNow(raw: string): Principal | undefined {
      const known = remembered(raw);
      return known !== undefined && known.expiresAt * 1000 > now() ? known : undefined;
    },
    async verify(raw: string): Promise<Principal> {
      const known = remembered(raw);
      if (known) {
        if (known.expiresAt * 1000 > now()) return known;
        verified.delete(cacheKey(raw));
        if (last?.raw === raw) last = undefined;
        throw unauthenticated('expired');
      }
      if (raw.length > MAX_TOKEN_LENGTH || !JWT_SHAPE.test(raw)) throw unauthenticated('malformed');
      const token = new Token(raw, config.clientId);
      const kid = token.header?.kid;
      if (typeof kid !== 'string' || token.signed === undefined) throw unauthenticated('malformed');
      if (!(await ensureKey(kid))) throw unauthenticated('unknown signing key');
      try {
        await grants.validateToken(token, 'Bearer');
      } catch (error) {
        const reason = error instanceof Error ? error.message.replace(/^invalid token \((.*)\)$/, '$1') : 'invalid';
        throw unauthenticated(reason);
      }
      const content = token.content;
      const issuedAt = typeof content.iat === 'number' ? content.iat : 0;
      const clientId = typeof content.azp === 'string' ? content.azp : undefined;
      const audiences = Array.isArray(content.aud) ? content.aud : [content.aud];
      if (!audiences.includes(options.audience)) {
        options.onMissingAudience?.(clientId, issuedAt);
        throw unauthenticated(`wrong audience (the token is not meant for ${options.audience})`);
      }
      options.onAccepted?.(clientId, issuedAt);
      const roles = (content.realm_access as { roles?: unknown } | undefined)?.roles;
      if (typeof content.sub !== 'string' || content.sub === '') throw unauthenticated('no subject');
      const principal: Principal = Object.freeze({
        subject: content.sub,
        username: typeof content.preferred_username === 'string' ? content.preferred_username : undefined,
        clientId,
        realmRoles: new Set(Array.isArray(roles) ? roles.filter((role): role is string => typeof role === 'string') : []),
        expiresAt: typeof content.exp === 'number' ? content.exp : 0,
      });
      if ((options.verifiedCacheSize ?? 10_000) > 0) verified.set(cacheKey(raw), { raw, principal });
      return principal;
    },
    /** Loads the realm's signing keys now (at start-up), so the first requests do not wait. */
    async warm(): Promise<void> {
      await fetchJwks();
    },
  };
}
