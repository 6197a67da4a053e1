/**
 * The hot path: the table's `hot` endpoints (`/internal/resolve` and `/internal/report`) served on
 * plain Node requests. `createApp` serves them before Express when the request names them exactly
 * (Express's per-request set-up and routing cost more than the resolve itself), and registers the
 * same servers as Express routes for every other spelling, so the behaviour is one. `internalGate`
 * stands in front of the rest of the /internal tree, so a user token gets 403 on any path under it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Router } from 'express';
import { exactRouter } from '../routing.js';
import { checkRealmRole, requireRealmRole, type Authenticator } from '../middleware/auth.js';
import { ENDPOINTS } from '../endpoints/index.js';
import { INTERNAL_ROLE, ROLE_OF, invoke, type ApiEndpoint, type EndpointDeps } from '../endpoints/endpoint.js';

export { INTERNAL_ROLE };

/** Reads a request's JSON body (the service's one body parser, see app.ts). */
export type JsonReader = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/** A POST endpoint that answers on a plain Node response; errors are thrown (the caller answers them). */
export interface InternalEndpoint {
  path: string;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

type HotDeps = Pick<EndpointDeps, 'resolver'> & Partial<Pick<EndpointDeps, 'metrics' | 'rateLimits' | 'audit'>>;

/** The table's hot endpoints, mounted under `prefix` instead of /api/v1. */
export function internalEndpoints(prefix: string, deps: HotDeps, authenticate: Authenticator, readJson: JsonReader): InternalEndpoint[] {
  const hot = ENDPOINTS.filter((endpoint): endpoint is ApiEndpoint => endpoint.kind === 'api' && endpoint.hot === true);
  // The hot handlers read only the resolver, metrics, rate limits and the audit log.
  const endpointDeps = deps as EndpointDeps;
  return hot.map((endpoint) => {
    const role = ROLE_OF[endpoint.access];
    const limit = endpoint.access === 'internal' ? deps.rateLimits?.internal : deps.rateLimits?.user;
    return {
      path: endpoint.path.replace(/^\/api\/v1/, prefix),
      async serve(req, res) {
        // Authenticated and authorised before the body is read: an anonymous caller costs us no parsing.
        const principal = await authenticate(req);
        if (role !== undefined) checkRealmRole(principal, role);
        if (limit) await limit(principal);
        const body = endpoint.body === undefined ? undefined : await readJson(req, res);
        await invoke(endpoint, endpointDeps, { req, res, principal, rawParams: {}, rawQuery: {}, body, sourceAddress: req.socket.remoteAddress });
      },
    };
  });
}

/** Any other path under /internal: the role gate answers before "not found". */
export function internalGate(): Router {
  const router = exactRouter();
  router.use('/internal', requireRealmRole(INTERNAL_ROLE));
  return router;
}
