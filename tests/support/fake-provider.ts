/**
 * A local fake AI provider for tests: an HTTP server on 127.0.0.1 (ephemeral port) that records
 * every request and answers as told. It understands nothing about any real API; it only finds the
 * key wherever providers put it (Authorization Bearer, x-api-key, x-goog-api-key, ?key=) so that
 * `respondByKey` can answer 200, 401 and 429 per key.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeProviderOptions {
  /** Status per API key; a key not listed gets the default response (see setResponse). */
  respondByKey?: Record<string, number>;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
}

export interface FakeProvider {
  /** Base URL, without a trailing slash: http://127.0.0.1:<port> */
  url: string;
  /** The default response (initially 200 with an OpenAI-style empty model list). */
  setResponse(status: number, body?: unknown, headers?: Record<string, string>): void;
  /** Wait this long before answering (for timeout tests); 0 answers at once. */
  setDelay(ms: number): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function keyOf(headers: IncomingHttpHeaders, path: string): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  const named = [headers['x-api-key'], headers['x-goog-api-key']].find((value) => typeof value === 'string');
  const query = new URL(path, 'http://fake.invalid').searchParams.get('key') ?? undefined;
  return bearer ?? (named as string | undefined) ?? query;
}

const ERROR_BODIES: Record<number, unknown> = {
  401: { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } },
  403: { error: { message: 'Forbidden.', type: 'permission_error' } },
  429: { error: { message: 'Rate limit reached.', type: 'rate_limit_error' } },
};

export async function startFakeProvider(options: FakeProviderOptions = {}): Promise<FakeProvider> {
  const requests: RecordedRequest[] = [];
  let response = { status: 200, body: { object: 'list', data: [] } as unknown, headers: {} as Record<string, string> };
  let delayMs = 0;

  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    requests.push({ method: req.method ?? 'GET', path, headers: { ...req.headers } });
    req.resume();
    const key = keyOf(req.headers, path);
    const byKey = key === undefined ? undefined : options.respondByKey?.[key];
    const answer =
      byKey === undefined || byKey === 200
        ? response
        : { status: byKey, body: ERROR_BODIES[byKey] ?? { error: { message: `status ${byKey}` } }, headers: {} };
    const send = () => {
      if (res.destroyed) return;
      const text = answer.body === undefined ? '' : JSON.stringify(answer.body);
      res.writeHead(answer.status, {
        ...(text === '' ? {} : { 'content-type': 'application/json' }),
        ...answer.headers,
      });
      res.end(text);
    };
    if (delayMs > 0) setTimeout(send, delayMs).unref();
    else send();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    setResponse(status, body, headers = {}) {
      response = { status, body, headers };
    },
    setDelay(ms) {
      delayMs = ms;
    },
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        // Requests still waiting on a delay would keep close() pending until they time out.
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
