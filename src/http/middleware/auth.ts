/**
 * Authentication and role checks. A request without a bearer token, or with one that is not valid,
 * is 401 with `WWW-Authenticate: Bearer`; a valid token without the needed realm role is 403 (docs/api.md).
 * `createAuthenticator` works on a plain Node request (the internal hot path uses it outside Express);
 * the `authenticate` middleware puts the verified principal on `res.locals.principal`.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestHandler, Response } from 'express';
import { AppError } from '../../errors.js';
import type { TokenIntrospection } from '../../keycloak/token-introspection.js';
import type { Principal, TokenVerifier } from '../../keycloak/token-verifier.js';

/** The token of an `Authorization: Bearer <token>` header, or undefined (no regex: headers are long and this runs per request). */
function bearerToken(header: string): string | undefined {
  if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token === '' || /\s/.test(token) ? undefined : token;
}

/** Who sent a request (throws 401/503); `now` answers without a promise for a token verified before, else undefined. */
export type Authenticator = ((req: IncomingMessage) => Promise<Principal>) & { now(req: IncomingMessage): Principal | undefined };

export function createAuthenticator(verifier: Pick<TokenVerifier, 'verify'> & Partial<Pick<TokenVerifier, 'verifyNow'>>, realm: string): Authenticator {
  const challenge = `Bearer realm="${realm}"`;
  const verifyNow = verifier.verifyNow;
  const now = (req: IncomingMessage): Principal | undefined => {
    const header = req.headers.authorization;
    if (header === undefined || verifyNow === undefined) return undefined;
    const token = bearerToken(header);
    return token === undefined ? undefined : verifyNow(token);
  };
  const authenticator = async (req: IncomingMessage): Promise<Principal> => {
    const header = req.headers.authorization;
    if (header === undefined || header === '') {
      throw new AppError('UNAUTHENTICATED', { headers: { 'WWW-Authenticate': challenge } });
    }
    const token = bearerToken(header);
    if (token === undefined) {
      throw new AppError('UNAUTHENTICATED', {
        message: 'The Authorization header must be "Bearer <token>".',
        headers: { 'WWW-Authenticate': `${challenge}, error="invalid_request"` },
      });
    }
    return verifier.verify(token);
  };
  return Object.assign(authenticator, { now });
}

export function authenticate(authenticator: Authenticator): RequestHandler {
  return async (req, res, next) => {
    res.locals.principal = await authenticator(req);
    next();
  };
}

/**
 * Revocation for writes (after `authenticate`, mounted on each write endpoint that user tokens may call):
 * the request goes on only when Keycloak says the token is still active, so a user who was disabled
 * or logged out by an admin, or whose not-before moved past the token, cannot write with a token
 * verified earlier. Reads keep the offline check, so a revoked token still reads until it expires (the
 * access token lifespan). Internal callers are not introspected: /internal/resolve is the hot path,
 * and /internal/report only benches a key for a cool-down; their tokens hold until they expire.
 * Mounted per route, after the role gates, so an unknown path or a missing role costs no Keycloak call.
 */
export function requireActiveToken(introspection: Pick<TokenIntrospection, 'assertActive'>): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization ?? '');
    if (token === undefined) throw new AppError('UNAUTHENTICATED');
    await introspection.assertActive(token, principalOf(res));
    next();
  };
}

/** Throws 403 FORBIDDEN unless the principal carries the realm role. */
export function checkRealmRole(principal: Principal, role: string): void {
  if (!principal.realmRoles.has(role)) {
    throw new AppError('FORBIDDEN', { message: `This operation needs the realm role ${role}.` });
  }
}

export function requireRealmRole(role: string): RequestHandler {
  return (_req, res, next) => {
    checkRealmRole(principalOf(res), role);
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  return principal;
}
