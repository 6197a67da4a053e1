// The benchmark's fake OpenAI (tests/bench/bench.ts, gateway scenarios): POST /v1/chat/completions
// answers a fixed chat completion with usage (about 300 bytes of JSON), or, when the body asks for
// `"stream": true`, an SSE stream: a role chunk, UPSTREAM_WORDS content chunks (default 2), a finish
// chunk, a usage chunk and `data: [DONE]`. The first chunk goes out with the headers at once, the
// others UPSTREAM_CHUNK_MS apart (default 1), so a gateway that buffered the stream would show in the
// time to first byte.
// Every answer is built once at start-up: the upstream must cost far less than what is measured in
// front of it (the benchmark reports its CPU).
// UPSTREAM_API_KEY, when set, is the only credential accepted (`Authorization: Bearer <it>`, else
// 401): a run whose requests were not signed with the user's key shows as non-2xx.
// Listens on 127.0.0.1:$PORT; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('bench-upstream: PORT must be set to a port number\n');
  process.exit(78);
}
const words = Number(process.env.UPSTREAM_WORDS ?? 2);
const chunkMs = Number(process.env.UPSTREAM_CHUNK_MS ?? 1);
const expected = process.env.UPSTREAM_API_KEY ? `Bearer ${process.env.UPSTREAM_API_KEY}` : undefined;

const created = 1_767_225_600;
const usage = { prompt_tokens: 12, completion_tokens: 9, total_tokens: 21 };
const completion = Buffer.from(
  JSON.stringify({
    id: 'chatcmpl-bench0001',
    object: 'chat.completion',
    created,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: 'Hello from the bench upstream.', refusal: null }, logprobs: null, finish_reason: 'stop' }],
    usage,
  }),
);
const JSON_HEADERS = { 'content-type': 'application/json', 'content-length': String(completion.length), 'x-request-id': 'req_bench' };
const SSE_HEADERS = { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-request-id': 'req_bench' };
const frame = (chunk) => Buffer.from(`data: ${JSON.stringify({ id: 'chatcmpl-bench0001', object: 'chat.completion.chunk', created, model: 'gpt-4o-mini-2024-07-18', ...chunk })}\n\n`);
const choice = (delta, finish_reason = null) => ({ choices: [{ index: 0, delta, logprobs: null, finish_reason }] });
/** The role, the words, the finish reason, the usage (as with stream_options.include_usage), [DONE]. */
const frames = [
  frame(choice({ role: 'assistant', content: '' })),
  ...Array.from({ length: words }, (_, i) => frame(choice({ content: `word${i} ` }))),
  frame(choice({}, 'stop')),
  frame({ choices: [], usage }),
  Buffer.from('data: [DONE]\n\n'),
];
const UNAUTHORIZED = Buffer.from(JSON.stringify({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } }));
const NOT_FOUND = Buffer.from(JSON.stringify({ error: { message: 'Not found', type: 'invalid_request_error' } }));
const STREAM_FLAG = /"stream"\s*:\s*true/;

function stream(res) {
  res.writeHead(200, SSE_HEADERS);
  res.write(frames[0]);
  let next = 1;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    const chunk = frames[next++];
    if (next >= frames.length) {
      clearInterval(timer);
      res.end(chunk);
    } else res.write(chunk);
  }, chunkMs);
}

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
  const parts = [];
  req.on('data', (chunk) => parts.push(chunk));
  req.on('end', () => {
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
      res.writeHead(404, { 'content-type': 'application/json' }).end(NOT_FOUND);
    } else if (expected !== undefined && req.headers.authorization !== expected) {
      res.writeHead(401, { 'content-type': 'application/json' }).end(UNAUTHORIZED);
    } else if (STREAM_FLAG.test(parts.length === 1 ? parts[0].toString('latin1') : Buffer.concat(parts).toString('latin1'))) {
      stream(res);
    } else {
      res.writeHead(200, JSON_HEADERS).end(completion);
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`bench-upstream listening on http://127.0.0.1:${port} (${frames.length} SSE chunks ${chunkMs} ms apart)\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
