// The benchmark's baseline (issue 15): plain node:http, the limit for a Node service: read the body,
// JSON.parse it, answer a small JSON object. tests/bench/bench.ts compares the warm resolve with it.
// Listens on 127.0.0.1:$PORT; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('bench-baseline-http: PORT must be set to a port number\n');
  process.exit(78);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let userId = null;
    try {
      userId = JSON.parse(Buffer.concat(chunks).toString('utf8'))?.userId ?? null;
    } catch {
      res.writeHead(400).end();
      return;
    }
    const body = JSON.stringify({ ok: true, userId });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`bench-baseline-http listening on http://127.0.0.1:${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
