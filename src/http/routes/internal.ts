/**
 * docs/api.md#internal-api: internal services (client-credentials tokens with realm role byok-internal).
 * `/internal/resolve` is the only response that ever carries a secret, and the hot path of the
 * product. Its two endpoints work on plain Node requests: `createApp` serves them before Express
 * when the request names them exactly (Express's per-request set-up and routing cost more than the
 * resolve itself), and registers the same endpoints as Express routes for every other spelling, so the
 * behaviour is one. `internalGate` stands in front of the rest of the /internal tree, so a user token
 * gets 403 on any path under it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import { exactRouter } from '../routing.js';
import { isAppError } from '../../errors.js';
import type { Principal } from '../../keycloak/token-verifier.js';
import type { AuditEvent, AuditLog } from '../../observability/audit.js';
import type { Metrics } from '../../observability/metrics.js';
import type { Resolver } from '../../vault/resolver.js';
import { checkRealmRole, requireRealmRole, type Authenticator } from '../middleware/auth.js';
import type { RateLimits } from '../rate-limit.js';
import { sendJson } from '../middleware/errors.js';
import { parseBody, parseProvider, reportBody, resolveBody } from '../schemas.js';

export const INTERNAL_ROLE = 'byok-internal';

export interface InternalDeps {
  resolver: Pick<Resolver, 'resolve' | 'report'>;
  metrics?: Metrics | undefined;
  rateLimits?: Pick<RateLimits, 'internal'> | undefined;
  /** Reports that take a key out of rotation are audit events; none are written when absent. */
  audit?: AuditLog | undefined;
}

/** Report outcomes that take a key out of rotation (a cooldown or a stored health issue). */
const BENCHING = new Set(['rate_limited', 'unauthorized', 'quota_exceeded'] as const);
type BenchingOutcome = typeof BENCHING extends Set<infer T> ? T : never;
const isBenching = (outcome: string): outcome is BenchingOutcome => BENCHING.has(outcome as BenchingOutcome);

/** Reads a request's JSON body (the service's one body parser, see app.ts). */
export type JsonReader = (req: IncomingMessage, res: ServerResponse) => Promise<unknown>;

/** A POST endpoint that answers on a plain Node response; errors are thrown (the caller answers them). */
export interface InternalEndpoint {
  path: string;
  serve(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

export function internalEndpoints(prefix: string, deps: InternalDeps, authenticate: Authenticator, readJson: JsonReader): InternalEndpoint[] {
  // Authenticated and authorised before the body is read: an anonymous caller costs us no parsing.
  const limit = deps.rateLimits?.internal;
  const authorised = async (req: IncomingMessage): Promise<Principal> => {
    const principal = await authenticate(req);
    checkRealmRole(principal, INTERNAL_ROLE);
    if (limit) await limit(principal);
    return principal;
  };
  const { audit } = deps;
  return [
    {
      path: `${prefix}/internal/resolve`,
      async serve(req, res) {
        await authorised(req);
        const body = parseBody(resolveBody, await readJson(req, res));
        const provider = body.provider === undefined ? undefined : parseProvider(body.provider);
        const resolution = await deps.resolver.resolve({ ...body, provider });
        // This answer carries a decrypted key: no cache of any kind may keep it, whatever the path
        // prefix rules elsewhere say (set here, where the secret is written).
        res.setHeader('Cache-Control', 'no-store');
        sendJson(res, 200, resolution);
      },
    },
    {
      path: `${prefix}/internal/report`,
      async serve(req, res) {
        const principal = await authorised(req);
        const body = parseBody(reportBody, await readJson(req, res));
        const provider = parseProvider(body.provider);
        const { outcome } = body;
        const record =
          audit === undefined || !isBenching(outcome)
            ? undefined
            : (result: Pick<AuditEvent, 'outcome'> & Partial<Pick<AuditEvent, 'errorCode' | 'owner'>>) =>
                audit.record({
                  action: 'key.report',
                  ...result,
                  reportedOutcome: outcome,
                  actor: { subject: principal.subject, username: principal.username, clientId: principal.clientId },
                  provider,
                  keyId: body.keyId,
                  sourceAddress: req.socket.remoteAddress,
                  requestId: req.id,
                });
        let holder;
        try {
          holder = await deps.resolver.report({ ...body, provider });
        } catch (error) {
          const code = isAppError(error) ? error.code : 'INTERNAL';
          record?.({ outcome: isAppError(error) && error.status < 500 ? 'denied' : 'failed', errorCode: code });
          throw error;
        }
        // A platform key has no owner; its id (system-<provider>-<n>) says whose it is.
        record?.({ outcome: 'success', owner: holder === 'system' ? undefined : holder });
        deps.metrics?.reports.inc({ outcome: body.outcome });
        res.statusCode = 204;
        res.end();
      },
    },
  ];
}

/** Any other path under /internal: the role gate answers before "not found". */
export function internalGate(): Router {
  const router = exactRouter();
  router.use('/internal', requireRealmRole(INTERNAL_ROLE));
  return router;
}
