// The benchmark's minimal handler (issue 15): a plain node:http handler doing only the essential work of a warm
// /internal/resolve, and nothing else the service does (no zod, metrics, request tracking, usage
// counting, owner cache or rate limits): the bearer token looked up in a Map, JSON.parse of the body,
// a check of `userId`, the next of three keys in turn, an AES-256-GCM decryption with associated
// data, and a JSON answer with a request id and `Cache-Control: no-store`. tests/bench/bench.ts
// measures it beside the baseline and the service.
// Listens on 127.0.0.1:$PORT and accepts the token in $MINIMAL_TOKEN; stops on SIGTERM/SIGINT.
// MINIMAL_DECRYPT picks the decryption per request (docs/performance.md, third pass): `gcm` (the
// default, the issue's: a GCM decipher with the tag checked), `keystream` (what the service does
// since: GCM's keystream from one long-lived AES block cipher) or `none` (a constant secret).
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
  const sealed = Buffer.concat([cipher.update(`minimal-secret-${randomBytes(60).toString('base64url')}`, 'utf8'), cipher.final()]);
  return { keyId, label: `Minimal key ${n + 1}`, iv, aad, sealed, tag: cipher.getAuthTag() };
});
let turn = 0;
const DECRYPT = process.env.MINIMAL_DECRYPT || 'gcm';
// `none`: a secret of the same length as the others, not decrypted (not shaped like any provider's key).
const CONSTANT_SECRET = `minimal-secret-${'x'.repeat(80)}`;
if (!['gcm', 'keystream', 'none'].includes(DECRYPT)) {
  process.stderr.write('bench-minimal-resolve: MINIMAL_DECRYPT must be gcm, keystream or none\n');
  process.exit(78);
}
const blocks = createCipheriv('aes-256-ecb', kek, null);
blocks.setAutoPadding(false);
/** GCM's keystream for the key: counter blocks iv || 2, iv || 3, ... through the block cipher. */
function keystreamOpen(key) {
  const counters = Buffer.alloc(Math.ceil(key.sealed.length / 16) * 16);
  for (let block = 0; block * 16 < counters.length; block += 1) {
    key.iv.copy(counters, block * 16);
    counters.writeUInt32BE(block + 2, block * 16 + 12);
  }
  const stream = blocks.update(counters);
  for (let i = 0; i < key.sealed.length; i += 1) stream[i] ^= key.sealed[i];
  return stream.toString('utf8', 0, key.sealed.length);
}
function gcmOpen(key) {
  const decipher = createDecipheriv('aes-256-gcm', kek, key.iv, { authTagLength: 16 });
  decipher.setAAD(key.aad);
  decipher.setAuthTag(key.tag);
  return Buffer.concat([decipher.update(key.sealed), decipher.final()]).toString('utf8');
}
const open = DECRYPT === 'gcm' ? gcmOpen : DECRYPT === 'keystream' ? keystreamOpen : () => CONSTANT_SECRET;
for (const key of keys) if (keystreamOpen(key) !== gcmOpen(key)) throw new Error('the keystream does not give what GCM gives');

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
    const apiKey = open(key);
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
