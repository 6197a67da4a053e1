// The benchmark's minimal pass-through (tests/bench/bench.ts, gateway scenarios): the least a Node
// gateway must do, so that the gateway's figures can be read against what Node itself allows.
// `node:http` in, one `undici` Pool out to UPSTREAM_URL (an origin); every request is forwarded to the
// same path there with its body held (as the gateway holds it, to be able to send it again), the
// hop-by-hop headers and `host` dropped and `authorization` replaced by `Bearer $PASSTHROUGH_API_KEY`;
// the answer (status, headers minus hop-by-hop, body) is streamed back as it arrives, and a caller that
// goes away aborts the upstream request. No key choice, no auth, no usage metering, no logs.
// Listens on 127.0.0.1:$PORT; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Pool } from 'undici';

const port = Number(process.env.PORT);
const upstream = process.env.UPSTREAM_URL;
const key = process.env.PASSTHROUGH_API_KEY;
if (!Number.isInteger(port) || port <= 0 || !upstream || !key) {
  process.stderr.write('bench-passthrough: PORT, UPSTREAM_URL and PASSTHROUGH_API_KEY must be set\n');
  process.exit(78);
}
const authorization = `Bearer ${key}`;
const pool = new Pool(upstream, { connections: 128, pipelining: 1, keepAliveTimeout: 60_000 });
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade'];
/** Request headers not sent on: hop-by-hop, and what undici sets itself for the held body. */
const NOT_FORWARDED = new Set([...HOP_BY_HOP, 'host', 'content-length']);
/** Answer headers not passed back (content-length stays: the body passes unchanged). */
const NOT_RETURNED = new Set(HOP_BY_HOP);

function without(headers, names) {
  const out = {};
  for (const [name, value] of Object.entries(headers)) if (value !== undefined && !names.has(name)) out[name] = value;
  return out;
}

const server = createServer({ noDelay: true, keepAliveTimeout: 65_000 }, (req, res) => {
  const parts = [];
  req.on('data', (chunk) => parts.push(chunk));
  req.on('end', async () => {
    const headers = without(req.headers, NOT_FORWARDED);
    headers.authorization = authorization;
    const abort = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    try {
      const answer = await pool.request({ path: req.url, method: req.method, headers, body: parts.length === 0 ? undefined : Buffer.concat(parts), signal: abort.signal });
      res.writeHead(answer.statusCode, without(answer.headers, NOT_RETURNED));
      await pipeline(answer.body, res);
    } catch {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"upstream failed"}');
      else res.destroy();
    }
  });
});
server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`bench-passthrough listening on http://127.0.0.1:${port}, forwarding to ${upstream}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => void pool.close().then(() => process.exit(0)));
    server.closeAllConnections();
  });
}
