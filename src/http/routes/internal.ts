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
import type { BodyCallback } from '../middleware/json-body.js';
import type { Principal } from '../../keycloak/token-verifier.js';
import { INTERNAL_ROLE, ROLE_OF, invoke, type ApiEndpoint, type EndpointDeps } from '../endpoints/endpoint.js';

export { INTERNAL_ROLE };

/** Reads a request's JSON body (the service's one body parser, see app.ts); `now` answers through a callback. */
export type JsonReader = ((req: IncomingMessage, res: ServerResponse) => Promise<unknown>) & { now?: (req: IncomingMessage, res: ServerResponse, done: BodyCallback) => void };

/** How a served request ended: `answered` once the answer is written, or `fail` (the caller answers the error). */
export interface Outcome {
  answered: () => void;
  fail: (error: unknown) => void;
}

/**
 * A POST endpoint that answers on a plain Node response. `serve` never throws nor returns a promise:
 * it ends in exactly one of `outcome`'s callbacks.
 */
export interface InternalEndpoint {
  path: string;
  serve(req: IncomingMessage, res: ServerResponse, outcome: Outcome): void;
}

type HotDeps = Pick<EndpointDeps, 'resolver'> & Partial<Pick<EndpointDeps, 'metrics' | 'rateLimits' | 'audit'>>;

/**
 * The table's hot endpoints, mounted under `prefix` instead of /api/v1. A caller whose token was
 * verified before, with no rate limit to count, is served without a promise from the first byte to
 * the answer when the handler answers at once (docs/performance.md#the-hot-path): the token from the
 * verified-token cache, the body through a callback, the handler's reply written in the body's `end`
 * event. Anything else takes the same steps awaited one after the other.
 */
export function internalEndpoints(prefix: string, deps: HotDeps, authenticate: Authenticator, readJson: JsonReader): InternalEndpoint[] {
  const hot = ENDPOINTS.filter((endpoint): endpoint is ApiEndpoint => endpoint.kind === 'api' && endpoint.hot === true);
  // The hot handlers read only the resolver, metrics, rate limits and the audit log.
  const endpointDeps = deps as EndpointDeps;
  const readNow = readJson.now ?? ((req, res, done) => void readJson(req, res).then((body) => done(undefined, body), done));
  return hot.map((endpoint) => {
    const role = ROLE_OF[endpoint.access];
    const limit = endpoint.access === 'internal' ? deps.rateLimits?.internal : deps.rateLimits?.user;
    const run = (req: IncomingMessage, res: ServerResponse, principal: Principal, body: unknown, { answered, fail }: Outcome) => {
      let done: void | Promise<void>;
      try {
        done = invoke(endpoint, endpointDeps, { req, res, principal, rawParams: {}, rawQuery: {}, body, sourceAddress: req.socket.remoteAddress });
      } catch (error) {
        fail(error);
        return;
      }
      // `invoke` has written the answer when it returns without a promise, or when its promise settles.
      if (done === undefined) answered();
      else done.then(answered, fail);
    };
    // Authenticated and authorised before the body is read: an anonymous caller costs us no parsing.
    // The same steps for a token not verified before (or expired: `authenticate` says 401).
    const later = async (req: IncomingMessage, res: ServerResponse): Promise<{ principal: Principal; body: unknown }> => {
      const principal = await authenticate(req);
      if (role !== undefined) checkRealmRole(principal, role);
      if (limit) await limit(principal);
      return { principal, body: endpoint.body === undefined ? undefined : await readJson(req, res) };
    };
    return {
      path: endpoint.path.replace(/^\/api\/v1/, prefix),
      serve(req, res, outcome) {
        const { fail } = outcome;
        const principal = authenticate.now(req);
        if (principal === undefined) {
          later(req, res).then(({ principal: known, body }) => run(req, res, known, body, outcome), fail);
          return;
        }
        let counted: Promise<void> | undefined;
        try {
          if (role !== undefined) checkRealmRole(principal, role);
          counted = limit?.(principal);
        } catch (error) {
          fail(error);
          return;
        }
        const read = () => {
          if (endpoint.body === undefined) return run(req, res, principal, undefined, outcome);
          readNow(req, res, (error, body) => (error === undefined ? run(req, res, principal, body, outcome) : fail(error)));
        };
        // A rate limit answers through a promise (in memory or Redis); without one nothing waits.
        if (counted === undefined) read();
        else counted.then(read, fail);
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
