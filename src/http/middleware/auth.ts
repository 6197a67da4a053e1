/**
 * Authentication and role checks for routes. A request without a bearer token, or with one that is
 * not valid, is 401 with `WWW-Authenticate: Bearer`; a valid token without the needed realm role is
 * 403 (SPEC §5). The verified principal is put on `res.locals.principal`.
 */
import type { RequestHandler, Response } from 'express';
import { AppError } from '../../errors.js';
import type { Principal, TokenVerifier } from '../../keycloak/token-verifier.js';

/** The token of an `Authorization: Bearer <token>` header, or undefined (no regex: headers are long and this runs per request). */
function bearerToken(header: string): string | undefined {
  if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return undefined;
  const token = header.slice(7).trim();
  return token === '' || /\s/.test(token) ? undefined : token;
}

export function authenticate(verifier: Pick<TokenVerifier, 'verify'>, realm: string): RequestHandler {
  const challenge = `Bearer realm="${realm}"`;
  return async (req, res, next) => {
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
    res.locals.principal = await verifier.verify(token);
    next();
  };
}

export function requireRealmRole(role: string): RequestHandler {
  return (_req, res, next) => {
    if (!principalOf(res).realmRoles.has(role)) {
      throw new AppError('FORBIDDEN', { message: `This operation needs the realm role ${role}.` });
    }
    next();
  };
}

export function principalOf(res: Response): Principal {
  const principal = res.locals.principal as Principal | undefined;
  if (!principal) throw new AppError('UNAUTHENTICATED');
  return principal;
}
