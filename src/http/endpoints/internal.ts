/**
 * docs/api.md#internal-api: internal services (client-credentials tokens with realm role byok-internal).
 * `/internal/resolve` is the only response that ever carries a secret, and the hot path of the
 * product: both endpoints are `hot`, served straight from the Node request before Express (app.ts).
 */
import { isAppError } from '../../errors.js';
import type { AuditEvent } from '../../observability/audit.js';
import { isPlainResolveBody, parseProvider, reportBody, resolveBody } from '../schemas.js';
import type { Resolution, ResolveRequest } from '../../vault/resolver.js';
import { apiEndpoint, type Endpoint, type Reply } from './endpoint.js';
import { resolution } from './views.js';

const A = '/api/v1';

/** Report outcomes that take a key out of rotation (a cooldown or a stored health issue). */
const BENCHING = new Set(['rate_limited', 'unauthorized', 'quota_exceeded'] as const);
type BenchingOutcome = typeof BENCHING extends Set<infer T> ? T : never;
const isBenching = (outcome: string): outcome is BenchingOutcome => BENCHING.has(outcome as BenchingOutcome);

/**
 * The resolve answer. `holder` is the gateway's (whose usage to count), not part of it. It carries a
 * decrypted key: no cache of any kind may keep it, whatever the path prefix rules elsewhere say (set
 * here, where the secret is written).
 */
const NO_STORE = { 'Cache-Control': 'no-store' };
function resolved(resolution: Resolution): Reply {
  // Field by field rather than `{ holder, ...answer }` (a rest copy showed on the hot path); fields
  // left undefined (model, keyId, label) are not written by JSON.stringify, as when absent.
  const { provider, model, baseUrl, apiKey, source, keyId, label } = resolution;
  return { status: 200, body: { provider, model, baseUrl, apiKey, source, keyId, label }, headers: NO_STORE };
}

export const internalEndpoints: Endpoint[] = [
  apiEndpoint({
    method: 'post',
    path: `${A}/internal/resolve`,
    tag: 'internal',
    access: 'internal',
    hot: true,
    summary: 'The key to use for a user and a model or provider (round-robin, fallback chain)',
    description:
      '`userId` is the Keycloak user id (the token `sub` of the user, see GET /api/v1/me). The chain: the user\'s keys, then team keys of their groups ' +
      '(or only `groupId`), then a platform key when `allowSystemFallback` and the user is not strict. The answer is `Cache-Control: no-store`.',
    body: resolveBody,
    quickBody: isPlainResolveBody,
    bodyExample: { userId: '0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d', model: 'gpt-4o' },
    answer: { status: 200, description: 'The key and where it came from', schema: resolution },
    errors: ['UNKNOWN_PROVIDER', 'UNKNOWN_MODEL', 'NO_KEY_AVAILABLE', 'OWNER_NOT_FOUND'],
    handle(call, deps) {
      const { body } = call;
      // A known provider is the same string, typed: the body itself is the request (no copy per resolve).
      if (body.provider !== undefined) parseProvider(body.provider);
      // A cached user's own key comes back at once, and is answered at once (docs/performance.md).
      const resolution = deps.resolver.resolve(body as ResolveRequest);
      return resolution instanceof Promise ? resolution.then(resolved) : resolved(resolution);
    },
  }),
  apiEndpoint({
    method: 'post',
    path: `${A}/internal/report`,
    tag: 'internal',
    access: 'internal',
    hot: true,
    summary: 'Report how a resolved key fared (cool-down, unauthorized, quota)',
    description:
      '`rate_limited` cools the key down for `retryAfterSeconds` (or the default); `unauthorized` and `quota_exceeded` take it out of rotation until its ' +
      'secret is replaced or a test passes; `ok` and `error` change nothing. Reports that bench a key are audit events (`key.report`).',
    body: reportBody,
    bodyExample: { userId: '0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d', provider: 'openai', keyId: 'k_3f9cA7e1b4_d4c0e', outcome: 'rate_limited', retryAfterSeconds: 30 },
    answer: { status: 204, description: 'Recorded' },
    errors: ['UNKNOWN_PROVIDER', 'KEY_NOT_FOUND', 'OWNER_NOT_FOUND', 'OWNER_BUSY', 'REDIS_UNAVAILABLE'],
    async handle(call, deps) {
      const { body, principal } = call;
      const provider = parseProvider(body.provider);
      const { outcome } = body;
      const { audit } = deps;
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
                sourceAddress: call.sourceAddress,
                requestId: call.req.id,
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
      return { status: 204 };
    },
  }),
];
