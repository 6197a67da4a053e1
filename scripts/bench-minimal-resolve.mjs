// The benchmark's minimal handler (issue 15): a plain node:http handler doing only the essential work of a warm
// /internal/resolve, and nothing else the service does (no zod, metrics, request tracking, usage
// counting, owner cache or rate limits): the bearer token looked up in a Map, JSON.parse of the body,
// a check of `userId`, the next of three keys in turn, an AES-256-GCM decryption with associated
// data, and a JSON answer with a request id and `Cache-Control: no-store`. tests/bench/bench.ts
// measures it beside the baseline and the service.
// Listens on 127.0.0.1:$PORT and accepts the token in $MINIMAL_TOKEN; stops on SIGTERM/SIGINT.
import { createServer } from 'node:http';
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';

const port = Number(process.env.PORT);
const token = process.env.MINIMAL_TOKEN;
if (!Number.isInteger(port) || port <= 0 || !token) {
  process.stderr.write('bench-minimal-resolve: PORT must be set to a port number and MINIMAL_TOKEN to a token\n');
  process.exit(78);
}

const callers = new Map([[`Bearer ${token}`, { roles: ['byok-internal'] }]]);
const kek = randomBytes(32);
const keys = [0, 1, 2].map((n) => {
  const keyId = `k_minimal${n}`;
  const iv = randomBytes(12);
  const aad = Buffer.from(JSON.stringify(['byok-vault/envelope', 'b1', 1, 'user', 'minimal-user', 'openai', keyId]));
  const cipher = createCipheriv('aes-256-gcm', kek, iv);
  cipher.setAAD(aad);
  const sealed = Buffer.concat([cipher.update(`sk-proj-${randomBytes(60).toString('base64url')}`, 'utf8'), cipher.final()]);
  return { keyId, label: `Minimal key ${n + 1}`, iv, aad, sealed, tag: cipher.getAuthTag() };
});
let turn = 0;

const server = createServer((req, res) => {
  const caller = callers.get(req.headers.authorization);
  if (caller === undefined || !caller.roles.includes('byok-internal')) {
    res.writeHead(401).end();
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (typeof body?.userId !== 'string') {
      res.writeHead(400).end();
      return;
    }
    const key = keys[turn++ % keys.length];
    const decipher = createDecipheriv('aes-256-gcm', kek, key.iv, { authTagLength: 16 });
    decipher.setAAD(key.aad);
    decipher.setAuthTag(key.tag);
    const apiKey = Buffer.concat([decipher.update(key.sealed), decipher.final()]).toString('utf8');
    const answer = JSON.stringify({ apiKey, keyId: key.keyId, label: key.label, provider: 'openai', model: body.model, source: 'user' });
    res.writeHead(200, {
      'content-type': 'application/json; charset=utf-8',
      'cache-control': 'no-store',
      'x-request-id': randomUUID(),
      'content-length': Buffer.byteLength(answer),
    });
    res.end(answer);
  });
});
server.listen(port, '127.0.0.1', () => process.stdout.write(`bench-minimal-resolve listening on http://127.0.0.1:${port}\n`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
