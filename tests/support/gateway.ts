/**
 * The signing gateway as its callers see it: a test service served on an ephemeral loopback port
 * (real HTTP, so the official SDKs and streaming work as in production), the `openai` and
 * `@anthropic-ai/sdk` clients pointed at its proxy routes, and a raw node:http request for what the
 * SDKs (and fetch) would not send: hop-by-hop headers, cookies, chunked or oversized bodies.
 */
import { createServer, request as httpRequest, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import type { ServiceDeps } from '../../src/main.js';
import { createTestService, type TestService } from './app.js';
import { startFakeLlm, type FakeLlm } from './fake-llm.js';

/** Who calls: a user's own token, or an internal client's token acting for `user` (X-Byok-User). */
export interface Caller {
  token: string;
  user?: string;
  headers?: Record<string, string>;
}

export interface Gateway {
  service: TestService;
  /** http://127.0.0.1:<port> */
  url: string;
  /** The official OpenAI client, no retries of its own (failover must be the gateway's). */
  openai(caller: Caller): OpenAI;
  /** The official Anthropic client, no retries of its own. */
  anthropic(caller: Caller): Anthropic;
  close(): Promise<void>;
}

const callerHeaders = (caller: Caller) => ({ ...(caller.user ? { 'X-Byok-User': caller.user } : {}), ...caller.headers });

/** A test service with its providers pointed at `fake`, listening on 127.0.0.1. */
export async function startGateway(fake: FakeLlm, overrides: Record<string, string | undefined> = {}, deps: ServiceDeps = {}): Promise<Gateway> {
  const service = createTestService({ OPENAI_BASE_URL: fake.openaiBaseUrl, ANTHROPIC_BASE_URL: fake.anthropicBaseUrl, ...overrides }, deps);
  const server = createServer(service.app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    service,
    url,
    openai: (caller) =>
      new OpenAI({ baseURL: `${url}/api/v1/proxy/openai`, apiKey: caller.token, defaultHeaders: callerHeaders(caller), maxRetries: 0, timeout: 20_000 }),
    anthropic: (caller) =>
      new Anthropic({ baseURL: `${url}/api/v1/proxy/anthropic`, apiKey: caller.token, defaultHeaders: callerHeaders(caller), maxRetries: 0, timeout: 20_000 }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * One request with exactly these headers (node:http sends `Connection`, `Cookie` and the like as
 * given). `chunked: true` sends the body without a Content-Length.
 */
export function rawRequest(
  url: string,
  options: { method?: string; headers?: OutgoingHttpHeaders; body?: string | Buffer; chunked?: boolean } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = options.body === undefined ? undefined : Buffer.from(options.body);
    const headers: OutgoingHttpHeaders = { ...options.headers };
    if (body && !options.chunked) headers['content-length'] = body.length;
    let answered = false;
    const req = httpRequest(url, { method: options.method ?? 'POST', headers, agent: false }, (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    // A server may answer (413) and close before the whole body is written: the answer is what counts.
    req.on('error', (error) => {
      if (!answered) reject(error);
    });
    if (body && options.chunked) {
      // Several writes, so the body really goes out in chunks.
      for (let at = 0; at < body.length; at += 4096) req.write(body.subarray(at, at + 4096));
      req.end();
    } else req.end(body);
  });
}

/**
 * A fake upstream and a gateway in front of it, started before each test of the calling file and
 * stopped after it; `use` hands them to the file (`gatewayPerTest((started) => ({ fake, gateway } = started))`).
 */
export function gatewayPerTest(use: (started: { fake: FakeLlm; gateway: Gateway }) => void, configure?: (fake: FakeLlm) => void): void {
  let started: { fake: FakeLlm; gateway: Gateway } | undefined;
  beforeEach(async () => {
    const fake = await startFakeLlm();
    configure?.(fake);
    started = { fake, gateway: await startGateway(fake) };
    use(started);
  });
  afterEach(async () => {
    await started?.gateway.close();
    await started?.fake.close();
    started = undefined;
  });
}
