// The hot path's own CPU cost per request, without sockets or a load generator (docs/performance.md):
//   BYOK_TEST_KEYCLOAK_URL=... node --import tsx tests/bench/hot-path.ts
// Runs the service's request listener from a build (dist/, or HOT_DIST: another build's dist/, to
// measure a change against the code before it; createService, as in production: warn logs, no audit file, no
// rate limits) on real node:http IncomingMessage/ServerResponse objects over an in-memory socket, for
// a warm /internal/resolve, and the node:http baseline's handler (scripts/bench-baseline-http.mjs) the
// same way; prints CPU microseconds per request of each (median of HOT_ROUNDS rounds of HOT_REQUESTS).
// Everything but the kernel's socket work is in the figure: header parsing is not (the parser runs on
// real sockets only), response headers and the write to the socket are. Being CPU time of one thread,
// it moves little when the machine is busy, so a change's gain shows even on a shared machine.
import { randomBytes } from 'node:crypto';
import { IncomingMessage, ServerResponse, type RequestListener } from 'node:http';
import { Duplex } from 'node:stream';
import { INTERNAL_CLIENT, serviceEnv } from '../support/env.js';
import { clientToken, createTestUser } from '../support/keycloak.js';
import { testApiKey } from '../support/secrets.js';
import { deployedEnv, positiveInt } from './run.js';

const REQUESTS = positiveInt('HOT_REQUESTS', 20_000);
const ROUNDS = positiveInt('HOT_ROUNDS', 5);

/** A socket that accepts every write at once and never reads. */
function nullSocket(): Duplex {
  return new Duplex({
    read() {},
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/** One request through `listener`; resolves with the status once the response is finished. */
function once(listener: RequestListener, url: string, headers: Record<string, string>, body: string): Promise<number> {
  // A socket per request, as if each came on a connection of its own.
  const socket = nullSocket();
  const req = new IncomingMessage(socket as never);
  req.method = 'POST';
  req.url = url;
  req.httpVersion = '1.1';
  req.httpVersionMajor = 1;
  req.httpVersionMinor = 1;
  req.headers = { ...headers, 'content-length': String(Buffer.byteLength(body)) };
  const res = new ServerResponse(req);
  res.shouldKeepAlive = true;
  res.assignSocket(socket as never);
  const finished = new Promise<number>((resolve) =>
    res.once('finish', () => {
      res.detachSocket(socket as never);
      resolve(res.statusCode);
    }),
  );
  listener(req, res);
  req.push(body);
  // What the HTTP parser sets at the end of a message: without it the request's end destroys the socket.
  req.complete = true;
  req.push(null);
  return finished;
}

async function perRequest(name: string, listener: RequestListener, url: string, headers: Record<string, string>, body: string): Promise<number> {
  for (let i = 0; i < 2_000; i += 1) {
    const status = await once(listener, url, headers, body);
    if (status !== 200) throw new Error(`${name}: HTTP ${status}`);
  }
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const start = process.cpuUsage();
    for (let i = 0; i < REQUESTS; i += 1) await once(listener, url, headers, body);
    const used = process.cpuUsage(start);
    rounds.push((used.user + used.system) / REQUESTS);
  }
  rounds.sort((a, b) => a - b);
  return rounds[Math.floor(rounds.length / 2)] as number;
}

/** scripts/bench-baseline-http.mjs's handler. */
const baseline: RequestListener = (req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    const userId = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { userId?: string }).userId ?? null;
    const body = JSON.stringify({ ok: true, userId });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
};

/** The build to measure: this one's dist/ (`npm run build` first), or HOT_DIST, another build's dist/ directory. */
const DIST = process.env.HOT_DIST ?? new URL('../../dist', import.meta.url).pathname;

async function main(): Promise<void> {
  const { createService } = (await import(`${DIST}/main.js`)) as typeof import('../../src/main.js');
  const { loadConfig } = (await import(`${DIST}/config/config.js`)) as typeof import('../../src/config/config.js');
  const { createLogger } = (await import(`${DIST}/observability/logger.js`)) as typeof import('../../src/observability/logger.js');
  const config = loadConfig(
    serviceEnv(deployedEnv(randomBytes(24).toString('base64url'))),
  );
  const service = createService(config, createLogger({ level: 'warn' }));
  await service.verifier.warm();
  const user = await createTestUser({ tier: 'starter' });
  for (let i = 0; i < 3; i += 1) await service.keys.add({ kind: 'user', id: user.id }, { provider: 'openai', apiKey: testApiKey('openai'), label: `key ${i + 1}` });
  const token = await clientToken(INTERNAL_CLIENT);
  const body = JSON.stringify({ userId: user.id, provider: 'openai' });
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json', host: '127.0.0.1' };
  const base = await perRequest('baseline', baseline, '/ping', { 'content-type': 'application/json' }, body);
  const resolve = await perRequest('resolve', service.app, '/api/v1/internal/resolve', headers, body);
  process.stdout.write(
    `CPU per request, median of ${ROUNDS} rounds of ${REQUESTS} (no sockets, no header parsing):\n` +
      `  node:http baseline handler  ${base.toFixed(2)} µs\n` +
      `  warm /internal/resolve      ${resolve.toFixed(2)} µs  (+${(resolve - base).toFixed(2)} µs)\n`,
    // The service keeps timers (token renewal, event follower): exit once the figures are out.
    () => process.exit(0),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`hot-path: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
