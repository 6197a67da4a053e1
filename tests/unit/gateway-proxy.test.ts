/**
 * src/gateway/proxy.ts with in-memory fakes of the project's own ports (token verifier, introspection,
 * resolver) and a real local HTTP upstream: the failover loop, what is held and passed on, the
 * request hygiene, the limits and the usage meters. The same behaviours against the real Keycloak
 * and the official SDKs: tests/integration/gateway-*.test.ts.
 */
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { createMetrics } from '../../src/observability/metrics.js';
import { AppError, isAppError } from '../../src/errors.js';
import { createGateway, PROXY_PREFIX, type GatewaySettings, type ServedKey } from '../../src/gateway/proxy.js';
import type { TokenUsage } from '../../src/gateway/usage-meters.js';
import type { Principal } from '../../src/keycloak/token-verifier.js';
import { createProviderRegistry } from '../../src/providers/registry.js';
import type { ResolveRequest, Resolution } from '../../src/vault/resolver.js';
import type { ReportOutcome } from '../../src/vault/rules.js';
import { createFakeClock } from '../support/clock.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void;

interface Upstream {
  url: string;
  seen: { method: string; path: string; headers: IncomingMessage['headers']; body: Buffer }[];
  handle: Handler;
  closedEarly: number;
  server: Server;
}

async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = { url: '', seen: [], handle: (_req, res) => res.end('{}'), closedEarly: 0, server: undefined as unknown as Server };
  upstream.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      upstream.seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) upstream.closedEarly += 1;
      });
      upstream.handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => upstream.server.listen(0, '127.0.0.1', resolve));
  upstream.url = `http://127.0.0.1:${(upstream.server.address() as AddressInfo).port}`;
  return upstream;
}

const KEYS = {
  A: 'sk-test-key-A-0000000000000000',
  B: 'sk-test-key-B-1111111111111111',
  C: 'sk-test-key-C-2222222222222222',
  D: 'sk-test-key-D-3333333333333333',
} as const;
type KeyName = keyof typeof KEYS;
const USER_ID = '0b1c8f52-3d4e-4a6b-9c7d-2e5f8a1b3c4d';

/** A resolver over two keys of one user: round-robin skipping excluded and cooling keys; reports kept. */
function fakeResolver(baseUrl: () => string) {
  const cooling = new Set<string>();
  const invalid = new Set<string>();
  const reports: { keyId: string; outcome: ReportOutcome; retryAfterSeconds?: number | undefined }[] = [];
  const requests: ResolveRequest[] = [];
  let turn = 0;
  let keys: KeyName[] = ['A', 'B'];
  return {
    reports,
    requests,
    setKeys: (names: KeyName[]) => (keys = names),
    async resolve(request: ResolveRequest): Promise<Resolution> {
      requests.push({ ...request, exclude: new Set(request.exclude) });
      const usable = keys.filter((name) => !cooling.has(name) && !invalid.has(name) && !request.exclude?.has(name));
      if (usable.length === 0) throw new AppError('NO_KEY_AVAILABLE');
      const name = usable[turn++ % usable.length] as KeyName;
      return { provider: 'openai', baseUrl: baseUrl(), apiKey: KEYS[name], source: 'user', keyId: name, label: name, holder: { kind: 'user', id: request.userId } };
    },
    async report(input: { keyId: string; outcome: ReportOutcome; retryAfterSeconds?: number | undefined }) {
      reports.push({ keyId: input.keyId, outcome: input.outcome, retryAfterSeconds: input.retryAfterSeconds });
      if (input.outcome === 'rate_limited') cooling.add(input.keyId);
      if (input.outcome === 'unauthorized') invalid.add(input.keyId);
      return 'system' as const;
    },
  };
}

const principal = (subject: string, roles: string[] = []): Principal => ({ subject, username: subject, clientId: 'c', realmRoles: new Set(roles), expiresAt: 9e9 });
const TOKENS: Record<string, Principal> = {
  'user.token.sig': principal(USER_ID),
  'internal.token.sig': principal('service-account', ['byok-internal']),
};

const SETTINGS: GatewaySettings = {
  maxAttempts: 3,
  bodyLimitBytes: 64 * 1024,
  headersTimeoutMs: 2000,
  idleTimeoutMs: 2000,
  deadlineMs: 10_000,
  userSystemFallback: false,
  introspectionCacheMs: 10_000,
};

let upstream: Upstream;
let gatewayServer: Server;
let gatewayUrl: string;
let resolver: ReturnType<typeof fakeResolver>;
let tokens: { served: ServedKey; tokens: TokenUsage }[];
let introspected: number;
let upstreamBase: () => string;
let pinnedOrigins: string[];
/** What serve threw (the app's error responder would answer and log it). */
let serveErrors: unknown[];
let metrics: ReturnType<typeof createMetrics>;
const agent = new Agent();
/** The pinned agent stand-in: records which origins went through it, then connects as the trusted one. */
const pinned = {
  request(options: Dispatcher.RequestOptions) {
    pinnedOrigins.push(String(options.origin));
    return agent.request(options);
  },
} as unknown as Dispatcher;

async function startGateway(overrides: Partial<GatewaySettings> = {}): Promise<void> {
  const registry = createProviderRegistry({ baseUrlOverrides: { openai: `${upstream.url}/v1` } });
  const gateway = createGateway({
    registry,
    resolver,
    verifier: {
      async verify(raw) {
        const found = TOKENS[raw];
        if (!found) throw new AppError('UNAUTHENTICATED');
        return found;
      },
    },
    introspection: {
      async assertActive() {
        introspected += 1;
      },
    },
    trusted: agent,
    pinned,
    metrics,
    settings: { ...SETTINGS, ...overrides },
    internalRole: 'byok-internal',
    clock: createFakeClock(),
    onTokens: (served, used) => tokens.push({ served, tokens: used }),
    log: { debug: () => undefined, warn: () => undefined },
  });
  gatewayServer = createServer((req, res) => {
    gateway.serve(req, res).catch((error: unknown) => {
      serveErrors.push(error);
      if (res.headersSent) return void res.destroy();
      const status = isAppError(error) ? error.status : 500;
      res.writeHead(status, { 'content-type': 'application/json', ...(isAppError(error) ? error.headers : {}) });
      res.end(JSON.stringify({ error: { code: isAppError(error) ? error.code : 'INTERNAL' } }));
    });
  });
  await new Promise<void>((resolve) => gatewayServer.listen(0, '127.0.0.1', resolve));
  gatewayUrl = `http://127.0.0.1:${(gatewayServer.address() as AddressInfo).port}`;
}

async function stopGateway(): Promise<void> {
  gatewayServer.closeAllConnections();
  await new Promise((resolve) => gatewayServer.close(resolve));
}

/** The gateway again, with other settings. */
async function restartGateway(overrides: Partial<GatewaySettings>): Promise<void> {
  await stopGateway();
  await startGateway(overrides);
}

beforeEach(async () => {
  upstream = await startUpstream();
  upstreamBase = () => `${upstream.url}/v1`;
  resolver = fakeResolver(() => upstreamBase());
  tokens = [];
  introspected = 0;
  pinnedOrigins = [];
  serveErrors = [];
  metrics = createMetrics({ defaultMetrics: false });
  await startGateway();
});

afterEach(async () => {
  upstream.server.closeAllConnections();
  await Promise.all([stopGateway(), new Promise((resolve) => upstream.server.close(resolve))]);
});

afterAll(() => agent.close());

function call(path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return fetch(`${gatewayUrl}${PROXY_PREFIX}${path}`, {
    method: init.method ?? 'POST',
    headers: { authorization: 'Bearer user.token.sig', 'content-type': 'application/json', ...init.headers },
    ...(init.body !== undefined ? { body: init.body } : init.method === 'GET' ? {} : { body: '{"model":"gpt-4o"}' }),
  });
}

const keyOf = (seen: Upstream['seen'][number]) => /^Bearer (.*)$/.exec(String(seen.headers.authorization))?.[1];

describe('signing and hygiene', () => {
  test('the upstream gets the chosen key in place of the caller token, the path, query and body; nothing else of ours', async () => {
    upstream.handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': 'a=b', 'x-upstream': '1' }).end('{"ok":true}');
    const answer = await call('openai/chat/completions?x=1&y=two', {
      headers: { cookie: 'session=s', 'x-byok-group': 'g', 'x-forwarded-for': '10.0.0.1', 'openai-beta': 'assistants=v2', 'x-api-key': 'user.token.sig' },
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ ok: true });
    const seen = upstream.seen[0]!;
    expect(seen.path).toBe('/v1/chat/completions?x=1&y=two');
    expect(seen.body.toString()).toBe('{"model":"gpt-4o"}');
    expect(keyOf(seen)).toBe(KEYS.A);
    expect(seen.headers['openai-beta']).toBe('assistants=v2');
    for (const name of ['cookie', 'x-byok-group', 'x-forwarded-for', 'x-api-key']) expect(seen.headers[name]).toBeUndefined();
    expect(JSON.stringify(seen.headers)).not.toContain('user.token.sig');
    expect(answer.headers.get('set-cookie')).toBeNull();
    expect(answer.headers.get('x-upstream')).toBe('1');
    expect(answer.headers.get('x-byok-key-id')).toBe('A');
    expect(answer.headers.get('x-byok-source')).toBe('user');
    expect(answer.headers.get('x-byok-attempts')).toBe('1');
  });

  test('the key travels the way the provider expects (Anthropic: x-api-key), the caller token read from there too', async () => {
    const registry = createProviderRegistry({ baseUrlOverrides: { anthropic: upstream.url } });
    expect(registry.get('anthropic').baseUrl).toBe(upstream.url);
    // The fake resolver always names openai; the route's provider decides the signing header.
    upstreamBase = () => upstream.url;
    const answer = await fetch(`${gatewayUrl}${PROXY_PREFIX}anthropic/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': 'user.token.sig', 'anthropic-version': '2023-06-01' },
      body: '{}',
    });
    expect(answer.status).toBe(200);
    const seen = upstream.seen[0]!;
    expect(seen.headers['x-api-key']).toBe(KEYS.A);
    expect(seen.headers.authorization).toBeUndefined();
    expect(seen.headers['anthropic-version']).toBe('2023-06-01');
  });

  // Sent as written (fetch would normalise the dot segments away before they reach us).
  test.each(['openai/../admin', 'openai/a/%2e%2e/b', 'openai/a/./b', 'openai/a%2Fb', 'openai/a%5cb', 'openai/%zz'])('%s is refused before any upstream call', async (path) => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gatewayUrl}/`, { method: 'POST', path: `${PROXY_PREFIX}${path}`, headers: { authorization: 'Bearer user.token.sig' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    expect(status).toBe(400);
    expect(upstream.seen).toHaveLength(0);
    expect(resolver.requests).toHaveLength(0);
  });

  test('an unknown provider is 400 UNKNOWN_PROVIDER', async () => {
    const answer = await call('OpenAI/chat/completions');
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('UNKNOWN_PROVIDER');
  });
});

describe('egress', () => {
  test("the registry's base URL goes through the trusted pool; a key's own base URL through the pinned agent", async () => {
    await call('openai/chat/completions');
    expect(pinnedOrigins).toEqual([]);
    // The same upstream under another name: a custom key's base URL, not the operator's.
    upstreamBase = () => `${upstream.url.replace('127.0.0.1', 'localhost')}/v1`;
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(200);
    expect(pinnedOrigins).toEqual([upstream.url.replace('127.0.0.1', 'localhost')]);
  });
});

describe('metrics', () => {
  test('requests by provider, status and attempts; failovers by reason; tokens', async () => {
    upstream.handle = (req, res) =>
      keyOf({ headers: req.headers } as never) === KEYS.A
        ? res.writeHead(429).end()
        : res.writeHead(200, { 'content-type': 'application/json' }).end('{"usage":{"prompt_tokens":4,"completion_tokens":2}}');
    await (await call('openai/chat/completions')).text();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const text = await metrics.registry.metrics();
    expect(text).toContain('byok_proxy_requests_total{provider="openai",status="200",attempts="2"} 1');
    expect(text).toContain('byok_proxy_failovers_total{provider="openai",reason="rate_limited"} 1');
    expect(text).toContain('byok_proxy_tokens_total{provider="openai",direction="input"} 4');
    expect(text).toContain('byok_proxy_tokens_total{provider="openai",direction="output"} 2');
    expect(text).toMatch(/byok_proxy_upstream_duration_seconds_count\{provider="openai",class="4xx"\} 1/);
  });
});

describe('who the request is for', () => {
  test('no credential: 401 with a challenge, no upstream call', async () => {
    const answer = await fetch(`${gatewayUrl}${PROXY_PREFIX}openai/chat/completions`, { method: 'POST', body: '{}' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(upstream.seen).toHaveLength(0);
  });

  test('a user token is introspected (cached briefly) and resolves for its subject, without platform keys', async () => {
    await call('openai/chat/completions');
    await call('openai/chat/completions');
    expect(introspected).toBe(1);
    expect(resolver.requests[0]).toMatchObject({ userId: USER_ID, provider: 'openai', allowSystemFallback: false });
  });

  test('X-Byok-User with a user token is 403', async () => {
    const answer = await call('openai/chat/completions', { headers: { 'x-byok-user': USER_ID } });
    expect(answer.status).toBe(403);
    expect(resolver.requests).toHaveLength(0);
  });

  test('an internal token acts for X-Byok-User (and its group), platform keys allowed; without X-Byok-User it is 400', async () => {
    const internal = { authorization: 'Bearer internal.token.sig' };
    expect((await call('openai/chat/completions', { headers: { ...internal, 'x-byok-user': USER_ID, 'x-byok-group': 'g1' } })).status).toBe(200);
    expect(resolver.requests[0]).toMatchObject({ userId: USER_ID, groupId: 'g1', allowSystemFallback: true });
    expect(introspected).toBe(0);
    expect((await call('openai/chat/completions', { headers: internal })).status).toBe(400);
    // Not an id: it would become part of a Keycloak Admin API path.
    expect((await call('openai/chat/completions', { headers: { ...internal, 'x-byok-user': '../../x' } })).status).toBe(400);
    expect((await call('openai/chat/completions', { headers: { ...internal, 'x-byok-user': USER_ID, 'x-byok-group': 'a/b' } })).status).toBe(400);
    expect(resolver.requests).toHaveLength(1);
  });
});

describe('failover', () => {
  test('429 with Retry-After on A: reported, B serves the same body; the caller sees only B', async () => {
    upstream.handle = (req, res) =>
      keyOf({ headers: req.headers } as never) === KEYS.A
        ? res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{"error":{"type":"rate_limit"}}')
        : res.writeHead(200, { 'content-type': 'application/json' }).end('{"served":"B"}');
    const answer = await call('openai/chat/completions', { body: '{"n":1}' });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ served: 'B' });
    expect(answer.headers.get('x-byok-key-id')).toBe('B');
    expect(answer.headers.get('x-byok-attempts')).toBe('2');
    expect(upstream.seen.map((seen) => [keyOf(seen), seen.body.toString()])).toEqual([
      [KEYS.A, '{"n":1}'],
      [KEYS.B, '{"n":1}'],
    ]);
    expect(resolver.reports[0]).toEqual({ keyId: 'A', outcome: 'rate_limited', retryAfterSeconds: 2 });
    expect(resolver.requests[1]!.exclude).toEqual(new Set(['A']));
  });

  test.each([
    [401, 'unauthorized'],
    [403, 'unauthorized'],
    [402, 'quota_exceeded'],
  ] as const)('%i on A is reported as %s and B serves', async (status, outcome) => {
    upstream.handle = (req, res) => res.writeHead(keyOf({ headers: req.headers } as never) === KEYS.A ? status : 200).end('{}');
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-byok-key-id')).toBe('B');
    expect(resolver.reports[0]).toMatchObject({ keyId: 'A', outcome });
  });

  test('when every key is rate limited, the last upstream answer is passed on as sent', async () => {
    upstream.handle = (req, res) => res.writeHead(429, { 'content-type': 'application/json', 'x-which': String(keyOf({ headers: req.headers } as never)?.slice(-4)) }).end('{"error":"slow down"}');
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(429);
    expect(await answer.text()).toBe('{"error":"slow down"}');
    expect(answer.headers.get('x-byok-key-id')).toBe('B');
    expect(upstream.seen).toHaveLength(2);
  });

  test('a 400 (the caller own mistake) and a 500 are passed on, never retried on another key', async () => {
    for (const status of [400, 500]) {
      upstream.seen.length = 0;
      upstream.handle = (_req, res) => res.writeHead(status).end(`{"status":${status}}`);
      const answer = await call('openai/chat/completions');
      expect(answer.status).toBe(status);
      expect(await answer.text()).toBe(`{"status":${status}}`);
      expect(upstream.seen).toHaveLength(1);
    }
  });

  test('an unreachable upstream fails over; all unreachable is 502 UPSTREAM_UNAVAILABLE', async () => {
    const dead = createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(dead.address() as AddressInfo).port}`;
    await new Promise((resolve) => dead.close(resolve));
    upstreamBase = () => `${deadUrl}/v1`;
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(502);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_UNAVAILABLE');
    expect(resolver.reports.map((report) => report.outcome)).toEqual(['error', 'error']);
  });

  test('no more than maxAttempts upstream calls, however many keys are left', async () => {
    resolver.setKeys(['A', 'B', 'C', 'D']);
    upstream.handle = (_req, res) => res.writeHead(429).end();
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(429);
    expect(answer.headers.get('x-byok-attempts')).toBe(String(SETTINGS.maxAttempts));
    expect(upstream.seen).toHaveLength(SETTINGS.maxAttempts);
  });

  test('no key at all: 404 NO_KEY_AVAILABLE without an upstream call', async () => {
    resolver.setKeys([]);
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(404);
    expect(upstream.seen).toHaveLength(0);
  });
});

describe('limits and streams', () => {
  test('a body over the limit is 413 and no upstream is called', async () => {
    const answer = await call('openai/chat/completions', { body: 'x'.repeat(SETTINGS.bodyLimitBytes + 1) });
    expect(answer.status).toBe(413);
    expect(upstream.seen).toHaveLength(0);
  });

  test('a chunked body over the limit (no Content-Length) is 413 too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${gatewayUrl}${PROXY_PREFIX}openai/chat/completions`, { method: 'POST', headers: { authorization: 'Bearer user.token.sig' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i += 1) req.write('y'.repeat(8 * 1024));
      req.end();
    });
    expect(status).toBe(413);
    expect(upstream.seen).toHaveLength(0);
  });

  test('an SSE answer streams through as it comes and its usage is counted for the key', async () => {
    let release: () => void = () => undefined;
    upstream.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"hi"}}],"usage":null}\n\n');
      release = () => {
        res.write('data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3}}\n\n');
        res.end('data: [DONE]\n\n');
      };
    };
    const answer = await call('openai/chat/completions');
    const reader = answer.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('"hi"');
    expect(tokens).toHaveLength(0);
    release();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toContain('[DONE]');
    expect(tokens).toEqual([{ served: { provider: 'openai', keyId: 'A', holder: { kind: 'user', id: USER_ID } }, tokens: { inputTokens: 7, outputTokens: 3 } }]);
  });

  test('a JSON answer usage is counted', async () => {
    upstream.handle = (_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{"usage":{"prompt_tokens":11,"completion_tokens":5}}');
    await (await call('openai/chat/completions')).text();
    await new Promise((resolve) => setImmediate(resolve));
    expect(tokens.map((entry) => entry.tokens)).toEqual([{ inputTokens: 11, outputTokens: 5 }]);
  });

  test('a caller that goes away mid-stream closes the upstream connection', async () => {
    upstream.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: {}\n\n'), 20);
      res.on('close', () => clearInterval(timer));
    };
    const controller = new AbortController();
    const streamed = await fetch(`${gatewayUrl}${PROXY_PREFIX}openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer user.token.sig' },
      body: '{}',
      signal: controller.signal,
    });
    await streamed.body!.getReader().read();
    controller.abort();
    const deadline = Date.now() + 2000;
    while (upstream.closedEarly === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(upstream.closedEarly).toBe(1);
  });
});

describe('timeouts', () => {
  test('no response headers in time: 504 UPSTREAM_TIMEOUT after one attempt (a generating provider is not asked twice)', async () => {
    await restartGateway({ headersTimeoutMs: 150 });
    // undici's timers tick about once a second: the upstream answers well after that.
    upstream.handle = (_req, res) => setTimeout(() => res.writeHead(200).end('{}'), 2500);
    const answer = await call('openai/chat/completions');
    expect(answer.status).toBe(504);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('UPSTREAM_TIMEOUT');
    expect(upstream.seen).toHaveLength(1);
    expect(resolver.reports).toEqual([]);
  });

  test('a body silent for longer than the idle timeout is cut: the caller sees a broken stream, not an end', async () => {
    await restartGateway({ idleTimeoutMs: 150 });
    upstream.handle = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"n":1}\n\n');
      // and then nothing
    };
    const answer = await call('openai/chat/completions');
    const reader = answer.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toContain('"n":1');
    const started = Date.now();
    await expect(reader.read()).rejects.toThrow();
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('a caller that goes away before the answer', () => {
  test('aborts the upstream request, is not an error of ours, and counts as 499', async () => {
    upstream.handle = (_req, res) => setTimeout(() => res.writeHead(200).end('{}'), 1500);
    const controller = new AbortController();
    const pending = fetch(`${gatewayUrl}${PROXY_PREFIX}openai/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer user.token.sig' },
      body: '{}',
      signal: controller.signal,
    }).catch((error: unknown) => error);
    while (upstream.seen.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    await pending;
    const deadline = Date.now() + 1000;
    while (upstream.closedEarly === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(upstream.closedEarly).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(serveErrors).toEqual([]);
    expect(await metrics.registry.metrics()).toContain('byok_proxy_requests_total{provider="openai",status="499",attempts="1"} 1');
  });
});

describe('an upstream that echoes the key', () => {
  const echo = (status: number) => (req: IncomingMessage, res: ServerResponse) => {
    const key = keyOf({ headers: req.headers } as never) ?? '';
    const body = JSON.stringify({ error: { message: `Incorrect API key provided: ${key}` } });
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  };

  test('an error answer passed on has the key redacted, with the right length', async () => {
    upstream.handle = echo(400);
    const answer = await call('openai/chat/completions');
    const text = await answer.text();
    expect(answer.status).toBe(400);
    expect(text).not.toContain(KEYS.A);
    expect(text).toContain('[redacted by byok-vault]');
    expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(text));
  });

  test('the last held answer after failovers has its key redacted too', async () => {
    upstream.handle = echo(401);
    const answer = await call('openai/chat/completions');
    const text = await answer.text();
    expect(answer.status).toBe(401);
    expect(upstream.seen).toHaveLength(2);
    for (const key of Object.values(KEYS)) expect(text).not.toContain(key);
    expect(text).toContain('[redacted by byok-vault]');
  });
});
