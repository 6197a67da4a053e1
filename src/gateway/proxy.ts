/**
 * The signing gateway (docs/gateway.md): `ANY /api/v1/proxy/{provider}/{path…}` forwards a caller's
 * request to the provider, signed with a key the resolver chose, so the caller never holds a key.
 *
 * One request, in order: the target (provider and path, no dot segments), the caller's credential
 * (read where that provider's SDK puts its key: credentials.ts), whose request it is (the user's own
 * token, or an internal client's token with `X-Byok-User`), rate limit, the body held (to resend it on
 * failover), then up to `maxAttempts` upstream attempts: resolve a key not tried yet, sign, send.
 *
 * Invariants guarded:
 * - The caller's credential never goes upstream and no provider key comes back: the request headers
 *   pass through headers.ts (every provider's key places, cookies, hop-by-hop and `X-Byok-*` removed)
 *   before the one signing header is added; responses lose hop-by-hop headers and cookies, and gain
 *   only `X-Byok-Source`, `X-Byok-Key-Id` and `X-Byok-Attempts`.
 * - A request is only sent again while nothing has gone to the caller, and only after an answer that
 *   is a verdict on the key (classify.ts: 429, 401, 403, 402, a refused or reset connection). Such an
 *   answer's body is read (up to BODY_PEEK_LIMIT) and kept, so when no key is left the caller gets it
 *   as the provider sent it. A timeout waiting for headers is not retried (the provider may be
 *   generating an expensive answer): 504.
 * - Memory is bounded: the held request body by `bodyLimitBytes` (413 before any upstream call), a
 *   failover answer by BODY_PEEK_LIMIT, the usage meters by the SSE parser's limits and JSON_METER_LIMIT;
 *   a response streams through with backpressure (pump), and a caller that goes away aborts the
 *   upstream request.
 * - Keys with their own base URL (custom providers) connect through the address-pinned agent
 *   (src/providers/outbound.ts); base URLs from the registry (operator's) through a plain pooled one.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { LRUCache } from 'lru-cache';
import { AppError, isAppError } from '../errors.js';
import type { TokenIntrospection } from '../keycloak/token-introspection.js';
import type { Principal, TokenVerifier } from '../keycloak/token-verifier.js';
import type { Metrics } from '../observability/metrics.js';
import type { ProviderDescriptor, ProviderId, ProviderRegistry } from '../providers/registry.js';
import { OWNER_ID_PATTERN, type Clock, type OwnerRef } from '../vault/ports.js';
import type { Resolution, Resolver } from '../vault/resolver.js';
import { BODY_PEEK_LIMIT, BODY_PEEK_STATUSES, classifyUpstreamAnswer, type Classification } from './classify.js';
import { CALLER_KEY_PARAMS, readCallerCredential, signingHeader } from './credentials.js';
import { callerResponseHeaders, upstreamRequestHeaders, upstreamSearchParams, type ForwardHeaders } from './headers.js';
import { createSseParser } from './sse.js';
import { USAGE_METERS, type TokenUsage } from './usage-meters.js';
import type { RateLimits } from '../http/rate-limit.js';

export const PROXY_PREFIX = '/api/v1/proxy/';

/** A JSON answer larger than this is passed through without reading its usage. */
const JSON_METER_LIMIT = 1024 * 1024;

/**
 * Error answers (4xx, 5xx) are read up to BODY_PEEK_LIMIT before they go anywhere: the classification
 * needs a few of them, failover holds them, and every one is searched for the key that was sent (an
 * upstream that echoes the credential it refused must not hand it to the caller).
 */
const isErrorStatus = (status: number) => status >= 400;
const REDACTED = '[redacted by byok-vault]';

/** Methods whose request has no body to hold. */
const BODILESS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface GatewaySettings {
  maxAttempts: number;
  bodyLimitBytes: number;
  headersTimeoutMs: number;
  idleTimeoutMs: number;
  deadlineMs: number;
  userSystemFallback: boolean;
  introspectionCacheMs: number;
}

/** The key that served a request, for usage counting. */
export interface ServedKey {
  provider: ProviderId;
  keyId: string;
  holder: OwnerRef | 'system';
}

export interface GatewayLog {
  debug(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface GatewayDeps {
  registry: Pick<ProviderRegistry, 'get' | 'isProviderId'>;
  resolver: Pick<Resolver, 'resolve' | 'report'>;
  verifier: Pick<TokenVerifier, 'verify'>;
  introspection: Pick<TokenIntrospection, 'assertActive'>;
  rateLimits?: Pick<RateLimits, 'user' | 'internal'> | undefined;
  /** For the registry's (operator's) base URLs. */
  trusted: Dispatcher;
  /** For keys that bring their own base URL: connections pinned to addresses the URL policy allows. */
  pinned: Dispatcher;
  settings: GatewaySettings;
  internalRole: string;
  /** Dates an HTTP-date Retry-After. */
  clock: Clock;
  /** Told of the tokens a provider reported in an answer (usage per key and day). */
  onTokens?: ((served: ServedKey, tokens: TokenUsage) => void) | undefined;
  metrics?: Metrics | undefined;
  log: GatewayLog;
}

interface Target {
  provider: ProviderDescriptor;
  /** The path after the provider id, with its leading slash (or empty). */
  path: string;
  /** The query string as the caller sent it (the credential may be there: Google's `key`), or empty. */
  search: string;
  /** The query string to forward (without the caller's key parameter), or empty. */
  query: string;
}

/** Whose request this is, and what its keys may be. */
interface Caller {
  userId: string;
  groupId: string | undefined;
  allowSystemFallback: boolean;
}

/** An answer that sent the request on to the next key, kept to pass on if none is left. */
interface HeldAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  resolution: Resolution;
}

type Attempt =
  | { kind: 'answer'; status: number; headers: IncomingHttpHeaders; body: Readable }
  | { kind: 'unreachable'; cause: unknown }
  | { kind: 'timeout' };

const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'EBYOK_FORBIDDEN_ADDRESS',
]);

const codeOf = (error: unknown): string | undefined => {
  const own = (error as { code?: unknown } | null)?.code;
  if (typeof own === 'string') return own;
  const inner = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  return typeof inner === 'string' ? inner : undefined;
};

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? (value.length === 1 ? value[0] : value.join(',')) : value;
}

export type Gateway = ReturnType<typeof createGateway>;

export function createGateway(deps: GatewayDeps) {
  const { settings, metrics } = deps;
  // Introspection answers of user tokens, by the token's signature (unique per token), briefly.
  const active = settings.introspectionCacheMs > 0 ? new LRUCache<string, true>({ max: 10_000, ttl: settings.introspectionCacheMs }) : undefined;
  // Base URLs are few (one per provider, plus custom keys'): parse each once.
  const bases = new LRUCache<string, { origin: string; path: string }>({ max: 1000 });

  function parseTarget(url: string): Target {
    const question = url.indexOf('?');
    const pathname = question < 0 ? url : url.slice(0, question);
    const search = question < 0 ? '' : url.slice(question + 1);
    const rest = pathname.slice(PROXY_PREFIX.length);
    const slash = rest.indexOf('/');
    const id = slash < 0 ? rest : rest.slice(0, slash);
    if (!deps.registry.isProviderId(id)) throw new AppError('UNKNOWN_PROVIDER', { details: [{ path: 'provider', message: 'not a provider id (see GET /api/v1/byok/providers)' }] });
    const path = slash < 0 ? '' : rest.slice(slash);
    checkPath(path);
    return { provider: deps.registry.get(id), path, search, query: forwardedQuery(search) };
  }

  async function callerOf(req: IncomingMessage, target: Target): Promise<Caller> {
    const credential = readCallerCredential(req.headers, new URLSearchParams(target.search), target.provider);
    if (credential === undefined) {
      throw new AppError('UNAUTHENTICATED', {
        message: `Send a Keycloak access token where the ${target.provider.id} SDK puts its API key.`,
        headers: { 'WWW-Authenticate': 'Bearer' },
      });
    }
    const principal = await deps.verifier.verify(credential);
    const onBehalf = keycloakIdHeader(req, 'x-byok-user');
    const groupId = keycloakIdHeader(req, 'x-byok-group');
    const internal = principal.realmRoles.has(deps.internalRole);
    if (onBehalf !== undefined) {
      if (!internal) throw new AppError('FORBIDDEN', { message: `X-Byok-User needs an internal client's token (realm role ${deps.internalRole}).` });
      await deps.rateLimits?.internal(principal);
      return { userId: onBehalf, groupId, allowSystemFallback: true };
    }
    if (internal) {
      throw new AppError('VALIDATION_FAILED', {
        message: "An internal client's token names the user it calls for in X-Byok-User.",
        details: [{ path: 'X-Byok-User', message: 'required with an internal token' }],
      });
    }
    await deps.rateLimits?.user(principal);
    await assertActive(credential, principal);
    return { userId: principal.subject, groupId, allowSystemFallback: settings.userSystemFallback };
  }

  /** A user token spends the user's keys: a logged-out session must not (introspection, briefly cached). */
  async function assertActive(token: string, principal: Principal): Promise<void> {
    const id = token.slice(-43);
    if (active?.has(id)) return;
    await deps.introspection.assertActive(token, principal);
    active?.set(id, true);
  }

  function baseOf(resolution: Resolution): { origin: string; path: string } {
    const raw = resolution.baseUrl;
    if (raw === null) throw new AppError('INTERNAL', { message: 'The key has no base URL.' });
    let base = bases.get(raw);
    if (base === undefined) {
      const url = new URL(raw);
      base = { origin: url.origin, path: url.pathname.replace(/\/+$/, '') };
      bases.set(raw, base);
    }
    return base;
  }

  /** One attempt: `forwarded` are the caller's headers as they may go upstream (the same for every attempt). */
  async function send(
    req: IncomingMessage,
    target: Target,
    forwarded: ForwardHeaders,
    resolution: Resolution,
    body: Buffer | undefined,
    signal: AbortSignal,
  ): Promise<Attempt> {
    const base = baseOf(resolution);
    const headers: ForwardHeaders = { ...forwarded };
    const signing = signingHeader(target.provider, resolution.apiKey);
    headers[signing.name] = signing.value;
    // Uncompressed, so the usage meters can read the answer as it passes.
    headers['accept-encoding'] = 'identity';
    const dispatcher = resolution.baseUrl === target.provider.baseUrl ? deps.trusted : deps.pinned;
    const started = performance.now();
    try {
      const response = await dispatcher.request({
        origin: base.origin,
        path: `${base.path}${target.path}${target.query === '' ? '' : `?${target.query}`}`,
        method: (req.method ?? 'GET') as Dispatcher.HttpMethod,
        headers,
        body: body ?? null,
        signal,
        headersTimeout: settings.headersTimeoutMs,
        bodyTimeout: settings.idleTimeoutMs,
      });
      metrics?.proxyUpstream.observe({ provider: target.provider.id, class: `${Math.floor(response.statusCode / 100)}xx` }, (performance.now() - started) / 1000);
      return { kind: 'answer', status: response.statusCode, headers: response.headers, body: response.body };
    } catch (error) {
      metrics?.proxyUpstream.observe({ provider: target.provider.id, class: 'failed' }, (performance.now() - started) / 1000);
      if (signal.aborted) throw error;
      const code = codeOf(error);
      if (code === 'UND_ERR_HEADERS_TIMEOUT') return { kind: 'timeout' };
      if (code !== undefined && CONNECTION_FAILURES.has(code)) return { kind: 'unreachable', cause: error };
      throw error;
    }
  }

  function report(caller: Caller, resolution: Resolution, verdict: Pick<Classification, 'outcome' | 'retryAfterSeconds'>): Promise<unknown> {
    if (resolution.keyId === undefined) return Promise.resolve();
    return deps.resolver
      .report({ userId: caller.userId, provider: resolution.provider, keyId: resolution.keyId, outcome: verdict.outcome, retryAfterSeconds: verdict.retryAfterSeconds })
      .catch((error: unknown) => deps.log.warn({ keyId: resolution.keyId, outcome: verdict.outcome, reason: isAppError(error) ? error.code : (error as Error).message }, 'gateway could not report a key outcome'));
  }

  function byokHeaders(resolution: Resolution, attempts: number): Record<string, string> {
    return { 'x-byok-source': resolution.source, 'x-byok-key-id': resolution.keyId ?? '', 'x-byok-attempts': String(attempts) };
  }

  function meterFor(target: Target, resolution: Resolution, headers: IncomingHttpHeaders): Meter | undefined {
    const meter = USAGE_METERS[target.provider.usageFormat];
    const onTokens = deps.onTokens;
    if (onTokens === undefined || target.provider.usageFormat === 'none' || resolution.keyId === undefined) return undefined;
    if (headers['content-encoding'] !== undefined && headers['content-encoding'] !== 'identity') return undefined;
    const served: ServedKey = { provider: resolution.provider, keyId: resolution.keyId, holder: resolution.holder ?? 'system' };
    const done = (tokens: TokenUsage | undefined) => {
      if (tokens === undefined) return;
      metrics?.proxyTokens.inc({ provider: served.provider, direction: 'input' }, tokens.inputTokens);
      metrics?.proxyTokens.inc({ provider: served.provider, direction: 'output' }, tokens.outputTokens);
      onTokens(served, tokens);
    };
    const type = single(headers['content-type'])?.toLowerCase() ?? '';
    if (type.startsWith('text/event-stream')) {
      let tokens: TokenUsage | undefined;
      const parser = createSseParser({ onEvent: (event) => (tokens = meter.fromEvent(tokens, event)) });
      return { observe: (chunk) => parser.push(chunk), finish: () => (parser.end(), done(tokens)) };
    }
    if (type.includes('json')) {
      const chunks: Buffer[] = [];
      let size = 0;
      return {
        observe(chunk) {
          size += chunk.length;
          if (size <= JSON_METER_LIMIT) chunks.push(chunk);
        },
        finish() {
          if (size > JSON_METER_LIMIT) return;
          try {
            done(meter.fromJson(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
          } catch {
            // Not JSON after all: no figure; the caller got the body as sent.
          }
        },
      };
    }
    return undefined;
  }

  /** Streams an upstream answer to the caller: what was already read, then the rest as it comes. */
  async function passOn(
    res: ServerResponse,
    status: number,
    headers: Record<string, string | string[]>,
    read: Buffer[],
    rest: Readable | undefined,
    meter: Meter | undefined,
    callerGone: AbortSignal,
  ): Promise<void> {
    res.writeHead(status, headers);
    for (const chunk of read) {
      meter?.observe(chunk);
      res.write(chunk);
    }
    if (rest === undefined) {
      res.end();
      meter?.finish();
      return;
    }
    try {
      await pump(rest, res, meter?.observe);
    } catch (error) {
      // The answer has started: all that is left is to cut it (pump destroyed both ends), so the
      // caller sees a broken stream rather than a complete-looking one.
      if (callerGone.aborted) deps.log.debug({ status }, 'gateway: the caller went away mid-answer; upstream request aborted');
      else deps.log.warn({ status, reason: codeOf(error) ?? (error as Error).name }, 'gateway: the upstream answer broke off mid-stream');
      return;
    }
    meter?.finish();
  }

  // Label sets are few (providers × statuses × attempts): resolve each child once, not per request.
  const requestCounters = new Map<string, { inc(): void }>();
  function countRequest(provider: string, status: string, attempts: number): void {
    if (metrics === undefined) return;
    const key = `${provider} ${status} ${attempts}`;
    let child = requestCounters.get(key);
    if (child === undefined) requestCounters.set(key, (child = metrics.proxyRequests.labels(provider, status, String(attempts))));
    child.inc();
  }

  /** The attempts of one request, until an answer went to the caller (see the header comment). */
  async function forward(req: IncomingMessage, res: ServerResponse, target: Target, caller: Caller, body: Buffer | undefined, signal: AbortSignal, progress: Progress): Promise<void> {
    const tried = new Set<string>();
    const forwarded = upstreamRequestHeaders(req.headers);
    let held: HeldAnswer | undefined;
    while (progress.attempts < settings.maxAttempts) {
      if (progress.attempts > 0 && performance.now() - progress.arrived > settings.deadlineMs) break;
      let resolution: Resolution;
      try {
        resolution = await deps.resolver.resolve({
          userId: caller.userId,
          provider: target.provider.id,
          groupId: caller.groupId,
          allowSystemFallback: caller.allowSystemFallback,
          exclude: tried,
        });
      } catch (error) {
        // Every usable key tried: the last answer goes to the caller as the provider sent it.
        if (progress.attempts > 0 && isAppError(error) && error.code === 'NO_KEY_AVAILABLE') break;
        throw error;
      }
      const attempts = (progress.attempts += 1);
      if (resolution.keyId !== undefined) tried.add(resolution.keyId);
      const attempt = await send(req, target, forwarded, resolution, body, signal);
      if (attempt.kind === 'timeout') throw new AppError('UPSTREAM_TIMEOUT', { headers: byokHeaders(resolution, attempts) });
      const mayRetry = attempts < settings.maxAttempts;

      if (attempt.kind === 'unreachable') {
        deps.log.warn({ provider: target.provider.id, keyId: resolution.keyId, reason: codeOf(attempt.cause) }, 'gateway: upstream unreachable');
        metrics?.proxyFailovers.inc({ provider: target.provider.id, reason: 'connection_failed' });
        await report(caller, resolution, { outcome: 'error' });
        continue;
      }

      // An error answer's first bytes, joined once (and redacted before they go anywhere).
      let read: Buffer | undefined;
      let complete = false;
      if (isErrorStatus(attempt.status)) {
        const prefix = await readUpTo(attempt.body, BODY_PEEK_LIMIT);
        read = Buffer.concat(prefix.chunks, prefix.size);
        complete = prefix.complete;
      }
      const bodyPrefix = read !== undefined && BODY_PEEK_STATUSES.has(attempt.status) ? read.toString('utf8') : undefined;
      const verdict = classifyUpstreamAnswer({ kind: 'response', status: attempt.status, headers: attempt.headers, bodyPrefix }, deps.clock.now());
      const shown = read === undefined ? undefined : withoutSecret(read, resolution.apiKey);
      if (verdict.failover && mayRetry && complete) {
        metrics?.proxyFailovers.inc({ provider: target.provider.id, reason: verdict.outcome });
        // Awaited: the next resolve (here or in a concurrent request) must see the cooldown.
        await report(caller, resolution, verdict);
        held = { status: attempt.status, headers: attempt.headers, body: shown ?? Buffer.alloc(0), resolution };
        continue;
      }
      // A success ends any cooldown of the key; nobody waits for that.
      if (verdict.outcome === 'ok') void report(caller, resolution, verdict);
      else await report(caller, resolution, verdict);
      const headers = { ...callerResponseHeaders(attempt.headers), ...byokHeaders(resolution, attempts) };
      // A redaction changes the length: say the new one, or none (chunked) when the rest is still to come.
      if (shown !== undefined && shown !== read) {
        if (complete) headers['content-length'] = String(shown.length);
        else delete headers['content-length'];
      }
      await passOn(res, attempt.status, headers, shown === undefined ? [] : [shown], complete ? undefined : attempt.body, meterFor(target, resolution, attempt.headers), signal);
      return;
    }

    if (held !== undefined) {
      const headers = { ...callerResponseHeaders(held.headers), ...byokHeaders(held.resolution, progress.attempts), 'content-length': String(held.body.length) };
      await passOn(res, held.status, headers, [held.body], undefined, undefined, signal);
      return;
    }
    if (progress.attempts > 0) throw new AppError('UPSTREAM_UNAVAILABLE');
    // Not one attempt (deadline 0 cannot happen): the resolver said why.
    throw new AppError('NO_KEY_AVAILABLE');
  }

  return {
    /** Serves a request whose URL starts with PROXY_PREFIX. Errors before the answer started are thrown (the caller answers them). */
    async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const progress: Progress = { arrived: performance.now(), attempts: 0 };
      let provider = 'unknown';
      // A caller that goes away aborts whatever upstream request is under way (499 in the metrics
      // when it left before any answer, as nginx counts it).
      const abort = new AbortController();
      res.once('close', () => {
        const gone = !res.writableFinished;
        if (gone) abort.abort();
        countRequest(provider, gone && !res.headersSent ? '499' : String(res.statusCode), progress.attempts);
      });
      try {
        const target = parseTarget(req.url ?? '');
        provider = target.provider.id;
        const caller = await callerOf(req, target);
        const body = BODILESS.has(req.method ?? 'GET') ? undefined : await holdBody(req, settings.bodyLimitBytes);
        await forward(req, res, target, caller, body, abort.signal, progress);
      } catch (error) {
        // Nobody is left to answer: not an error of ours.
        if (abort.signal.aborted) {
          deps.log.debug({ provider, attempts: progress.attempts }, 'gateway: the caller went away before the answer');
          return;
        }
        throw error;
      }
    },
  };
}

interface Progress {
  readonly arrived: number;
  attempts: number;
}

interface Meter {
  observe(chunk: Buffer): void;
  finish(): void;
}

function keycloakIdHeader(req: IncomingMessage, name: 'x-byok-user' | 'x-byok-group'): string | undefined {
  const value = single(req.headers[name]);
  if (value === undefined || OWNER_ID_PATTERN.test(value)) return value;
  throw new AppError('VALIDATION_FAILED', { details: [{ path: name === 'x-byok-user' ? 'X-Byok-User' : 'X-Byok-Group', message: 'must be a Keycloak id' }] });
}

/**
 * Copies `source` to the caller with backpressure (what `pipe` does, without `pipeline`'s per-call
 * machinery, which the profile showed on the hot path). Either end failing destroys the other: an
 * upstream that breaks off or goes silent cuts the caller's answer; a caller that goes away ends the
 * upstream request.
 */
function pump(source: Readable, res: ServerResponse, observe?: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      source.off('data', onData);
      source.off('end', onEnd);
      source.off('error', onError);
      res.off('drain', onDrain);
      res.off('close', onClose);
    };
    const onData = (chunk: Buffer) => {
      observe?.(chunk);
      if (!res.write(chunk)) source.pause();
    };
    const onDrain = () => source.resume();
    const onEnd = () => {
      cleanup();
      res.end();
      resolve();
    };
    const onError = (error: Error) => {
      cleanup();
      res.destroy();
      reject(error);
    };
    const onClose = () => {
      cleanup();
      source.destroy();
      reject(new Error('the caller closed the connection'));
    };
    source.on('data', onData);
    source.once('end', onEnd);
    source.once('error', onError);
    res.on('drain', onDrain);
    res.once('close', onClose);
  });
}

/** The body with every occurrence of the key replaced (the same buffer when there is none). */
function withoutSecret(body: Buffer, apiKey: string): Buffer {
  if (apiKey.length < 8 || !body.includes(apiKey)) return body;
  return Buffer.from(body.toString('utf8').replaceAll(apiKey, REDACTED), 'utf8');
}

/** The caller's query string, as sent unless it carries a key parameter (then re-encoded without it). */
function forwardedQuery(search: string): string {
  if (search === '') return '';
  const params = new URLSearchParams(search);
  for (const name of CALLER_KEY_PARAMS) if (params.has(name)) return upstreamSearchParams(params).toString();
  return search;
}

/**
 * The path goes after the provider's base path as it is; a segment that a server could read as
 * "go up" (`..`, `.`, their percent-encodings) or an encoded slash or backslash could leave that base
 * path, so it is refused.
 */
const SUSPECT_PATH = /%|\\|(?:^|\/)\.\.?(?:\/|$)/;

function checkPath(path: string): void {
  // Most paths hold no escape and no dot segment: nothing to decode.
  if (!SUSPECT_PATH.test(path)) return;
  for (const segment of path.split('/')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      throw invalidPath();
    }
    if (decoded === '.' || decoded === '..' || decoded.includes('/') || decoded.includes('\\')) throw invalidPath();
  }
}

const invalidPath = () => new AppError('VALIDATION_FAILED', { message: 'The path after the provider may not contain dot segments or encoded slashes.', details: [{ path: 'path', message: 'invalid segment' }] });

/**
 * The whole request body, up to `limit` bytes (413 beyond, before any upstream call). Reading stops
 * at the limit without destroying the request, so the 413 still reaches the caller.
 */
async function holdBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) throw tooLarge(limit);
  const { chunks, size, complete } = await readUpTo(req, limit);
  if (!complete) throw tooLarge(limit);
  return size === 0 ? undefined : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
}

// The rest of an oversized body is not read: the connection closes after the answer.
const tooLarge = (limit: number) =>
  new AppError('PAYLOAD_TOO_LARGE', { message: `The request body is larger than PROXY_BODY_LIMIT (${limit} bytes).`, headers: { Connection: 'close' } });

/**
 * Reads a stream until it ends or more than `limit` bytes came (the chunks then hold a little more
 * than `limit`); `complete` when it ended. An unfinished stream is left paused, not destroyed: the
 * rest can still be piped on (an upstream body), or the answer still sent (a request body).
 */
function readUpTo(stream: Readable, limit: number): Promise<{ chunks: Buffer[]; size: number; complete: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
    };
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) {
        stream.pause();
        cleanup();
        resolve({ chunks, size, complete: false });
      }
    };
    const onEnd = () => {
      cleanup();
      resolve({ chunks, size, complete: true });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    stream.on('data', onData);
    stream.once('end', onEnd);
    stream.once('error', onError);
  });
}
