/**
 * A fake AI provider that speaks enough of two real APIs for the official SDKs to parse its answers:
 * OpenAI Chat Completions (`POST /v1/chat/completions`) and Anthropic Messages (`POST /v1/messages`),
 * plain JSON with usage, and streamed (SSE) with the usage events each API sends. It listens on
 * 127.0.0.1 (ephemeral port), so the gateway reaches it over real HTTP.
 *
 * What tests use it for:
 * - per-key scripted answers (`answer(key, …)`): a 429 with `Retry-After` once, a 401 until told
 *   otherwise, a success with extra headers (`Set-Cookie`), or a dropped connection; or answers for
 *   the next requests whichever key they carry (`answerNext`);
 * - streams of `events` content events `intervalMs` apart (`setStream`), the first at once;
 * - a log of every request (method, path, headers, body, the key it carried) with what was answered,
 *   and whether the client closed the connection before the answer was complete (`closedEarly`):
 *   the proof that aborting a caller's stream reaches the upstream.
 *
 * The key is read wherever the two APIs put it (`Authorization: Bearer`, `x-api-key`). Answers are
 * deterministic: the text is `reply <n>` for the n-th request (1-based), so a test can compare what
 * the SDK returned with what the fake sent.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Api = 'openai' | 'anthropic';

/** A scripted answer for one key. Without `status` (or with 200) and without `body`, the normal API answer is sent, plus `headers`. */
export interface ScriptedAnswer {
  status?: number;
  headers?: Record<string, string | string[]>;
  body?: unknown;
  /** Close the connection without answering (a connection failure, for failover). */
  drop?: boolean;
  /** Wait this long before the status line (a slow provider); a client that leaves meanwhile gets nothing. */
  delayMs?: number;
}

export interface RecordedLlmRequest {
  /** 1-based order of arrival. */
  n: number;
  method: string;
  /** Path and query as received. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The raw body as text. */
  body: string;
  /** The API key the request carried (Bearer or x-api-key), if any. */
  key: string | undefined;
  /** The status answered (0 for a dropped connection). */
  status: number;
  /** Whether the answer was a stream. */
  streamed: boolean;
  /** The assistant text of a success (`reply <n>`, or the streamed pieces joined). */
  replyText: string | undefined;
  /** Content events written so far (streams). */
  eventsSent: number;
  /** The whole answer was written. */
  finished: boolean;
  /** The client closed the connection before the answer was complete. */
  closedEarly: boolean;
  receivedAt: number;
  closedAt: number | undefined;
}

export interface FakeLlm {
  /** http://127.0.0.1:<port>, no trailing slash. */
  url: string;
  /** What OPENAI_BASE_URL should be (the OpenAI SDK's base includes /v1). */
  openaiBaseUrl: string;
  /** What ANTHROPIC_BASE_URL should be (the Anthropic SDK adds /v1 itself). */
  anthropicBaseUrl: string;
  requests: RecordedLlmRequest[];
  /** Requests that carried `key`. */
  requestsWith(key: string): RecordedLlmRequest[];
  /** Answer requests signed with `key` like this, `times` times (default: until `clear`). */
  answer(key: string, scripted: ScriptedAnswer, times?: number): void;
  /**
   * Answer the next requests like these, in order, whatever key they carry (after any per-key
   * script): for failover tests that must not depend on which key the gateway tries first.
   */
  answerNext(...scripted: ScriptedAnswer[]): void;
  /** Forget the script of `key` (or of every key, and the queue): it answers normally again. */
  clear(key?: string): void;
  /** Streams: `events` content events, `intervalMs` apart (default 5 events, 0 ms). */
  setStream(options: { events: number; intervalMs: number }): void;
  close(): Promise<void>;
}

const ERROR_BODIES: Record<Api, (status: number) => unknown> = {
  openai: (status) => ({ error: { message: `fake error ${status}`, type: status === 429 ? 'rate_limit_error' : 'invalid_request_error', code: status === 401 ? 'invalid_api_key' : null } }),
  anthropic: (status) => ({ type: 'error', error: { type: status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : 'api_error', message: `fake error ${status}` } }),
};

const ROUTES: Record<string, Api> = { '/v1/chat/completions': 'openai', '/v1/messages': 'anthropic' };

const USAGE = { input: 11, output: 7 } as const;

function keyOf(headers: IncomingHttpHeaders): string | undefined {
  const bearer = /^Bearer (.+)$/.exec(headers.authorization ?? '')?.[1];
  const apiKey = headers['x-api-key'];
  return bearer ?? (typeof apiKey === 'string' ? apiKey : undefined);
}

/** The plain JSON answer of each API for a reply text. */
const PLAIN: Record<Api, (model: string, text: string, n: number) => unknown> = {
  openai: (model, text, n) => ({
    id: `chatcmpl-fake${n}`,
    object: 'chat.completion',
    created: 1_764_475_000,
    model,
    choices: [{ index: 0, message: { role: 'assistant', content: text, refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output },
  }),
  anthropic: (model, text, n) => ({
    id: `msg_fake${n}`,
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: USAGE.input, output_tokens: USAGE.output },
  }),
};

const sse = (data: unknown, event?: string) => `${event ? `event: ${event}\n` : ''}data: ${JSON.stringify(data)}\n\n`;

/** Each API's stream, as the frames before, one frame per content piece, and the frames after. */
const STREAM: Record<Api, (model: string, n: number, includeUsage: boolean) => { head: string[]; piece: (text: string) => string; tail: string[] }> = {
  openai: (model, n, includeUsage) => {
    const chunk = (delta: object, finish: string | null) =>
      sse({ id: `chatcmpl-fake${n}`, object: 'chat.completion.chunk', created: 1_764_475_000, model, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...(includeUsage ? { usage: null } : {}) });
    return {
      head: [chunk({ role: 'assistant', content: '' }, null)],
      piece: (text) => chunk({ content: text }, null),
      tail: [
        chunk({}, 'stop'),
        ...(includeUsage
          ? [sse({ id: `chatcmpl-fake${n}`, object: 'chat.completion.chunk', created: 1_764_475_000, model, choices: [], usage: { prompt_tokens: USAGE.input, completion_tokens: USAGE.output, total_tokens: USAGE.input + USAGE.output } })]
          : []),
        'data: [DONE]\n\n',
      ],
    };
  },
  anthropic: (model, n) => ({
    head: [
      sse({ type: 'message_start', message: { id: `msg_fake${n}`, type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: USAGE.input, output_tokens: 1 } } }, 'message_start'),
      sse({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }, 'content_block_start'),
    ],
    piece: (text) => sse({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text } }, 'content_block_delta'),
    tail: [
      sse({ type: 'content_block_stop', index: 0 }, 'content_block_stop'),
      sse({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: USAGE.output } }, 'message_delta'),
      sse({ type: 'message_stop' }, 'message_stop'),
    ],
  }),
};

export async function startFakeLlm(): Promise<FakeLlm> {
  const requests: RecordedLlmRequest[] = [];
  const scripts = new Map<string, { answer: ScriptedAnswer; left: number }>();
  const upcoming: ScriptedAnswer[] = [];
  let stream = { events: 5, intervalMs: 0 };

  const takeScript = (key: string | undefined): ScriptedAnswer | undefined => {
    const script = key === undefined ? undefined : scripts.get(key);
    if (!script || key === undefined) return upcoming.shift();
    script.left -= 1;
    if (script.left <= 0) scripts.delete(key);
    return script.answer;
  };

  const writeStream = (res: ServerResponse, record: RecordedLlmRequest, api: Api, body: Record<string, unknown>, headers: Record<string, string | string[]>) => {
    const { events, intervalMs } = stream;
    const includeUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const frames = STREAM[api](String(body.model ?? 'fake-model'), record.n, includeUsage);
    const pieces = [`reply ${record.n}:`, ...Array.from({ length: events - 1 }, (_, i) => ` ${i}`)];
    record.replyText = pieces.join('');
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', ...headers });
    res.write(frames.head.join(''));
    let sent = 0;
    const next = () => {
      if (res.destroyed) return;
      res.write(frames.piece(pieces[sent] ?? ''));
      sent += 1;
      record.eventsSent = sent;
      if (sent < events) setTimeout(next, intervalMs);
      else res.end(frames.tail.join(''));
    };
    next();
  };

  /** The answer to one recorded request: scripted, or the API's own (plain or streamed). */
  const respond = (res: ServerResponse, record: RecordedLlmRequest, api: Api | undefined, scripted: ScriptedAnswer | undefined) => {
    if (scripted?.drop) {
      res.socket?.destroy();
      return;
    }
    let body: Record<string, unknown> | undefined;
    try {
      body = JSON.parse(record.body) as Record<string, unknown>;
    } catch {
      body = undefined;
    }
    const status = scripted?.status ?? (!api ? 404 : body ? 200 : 400);
    const headers = scripted?.headers ?? {};
    record.status = status;
    if (status !== 200 || scripted?.body !== undefined || !api || !body) {
      const errorBody = scripted?.body ?? (api ? ERROR_BODIES[api](status) : { error: { message: `no route ${record.path}` } });
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(errorBody));
      return;
    }
    if (body.stream === true) {
      record.streamed = true;
      writeStream(res, record, api, body, headers);
      return;
    }
    record.replyText = `reply ${record.n}`;
    res.writeHead(200, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(PLAIN[api](String(body.model ?? 'fake-model'), record.replyText, record.n)));
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = req.url ?? '/';
      const text = Buffer.concat(chunks).toString('utf8');
      const key = keyOf(req.headers);
      const record: RecordedLlmRequest = {
        n: requests.length + 1,
        method: req.method ?? 'GET',
        path,
        headers: { ...req.headers },
        body: text,
        key,
        status: 0,
        streamed: false,
        replyText: undefined,
        eventsSent: 0,
        finished: false,
        closedEarly: false,
        receivedAt: Date.now(),
        closedAt: undefined,
      };
      requests.push(record);
      res.on('finish', () => (record.finished = true));
      res.on('close', () => {
        record.closedAt = Date.now();
        if (!res.writableFinished) record.closedEarly = true;
      });

      const scripted = takeScript(key);
      const answer = () => respond(res, record, ROUTES[new URL(path, 'http://fake.invalid').pathname], scripted);
      if (scripted?.delayMs) setTimeout(() => !res.destroyed && answer(), scripted.delayMs).unref();
      else answer();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    requestsWith: (key) => requests.filter((r) => r.key === key),
    answer(key, scripted, times = Number.POSITIVE_INFINITY) {
      scripts.set(key, { answer: scripted, left: times });
    },
    answerNext(...scripted) {
      upcoming.push(...scripted);
    },
    clear(key) {
      if (key !== undefined) scripts.delete(key);
      else {
        scripts.clear();
        upcoming.length = 0;
      }
    },
    setStream(options) {
      if (options.events < 1) throw new RangeError('a stream has at least one content event');
      stream = { ...options };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
