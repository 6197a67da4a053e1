/**
 * Draining (src/http/drain.ts) fails no request: a keep-alive connection that is idle when the drain
 * starts still gets its next request answered (with `Connection: close`, then it ends), a request in
 * flight is answered, new connections are refused (another worker takes them), and `closed` runs
 * only once the last connection is gone. Plain `server.close()` would reset the idle connection.
 * Raw sockets on loopback, so that the test controls exactly when each byte is sent.
 */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { drainServer } from '../../src/http/drain.js';

const GET = 'GET / HTTP/1.1\r\nHost: test\r\n\r\n';

interface Client {
  socket: Socket;
  /** Resolves with the next whole answer (headers and the `ok` body). */
  next(): Promise<string>;
  ended: Promise<void>;
}

function client(port: number): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let buffer = '';
    let waiting: ((answer: string) => void) | undefined;
    const flush = () => {
      const end = buffer.indexOf('\r\n\r\nok');
      if (end >= 0 && waiting) {
        const answer = buffer.slice(0, end + 6);
        buffer = buffer.slice(end + 6);
        const done = waiting;
        waiting = undefined;
        done(answer);
      }
    };
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      flush();
    });
    const ended = new Promise<void>((done) => socket.once('close', () => done()));
    socket.once('error', reject);
    socket.once('connect', () =>
      resolve({
        socket,
        ended,
        next: () =>
          new Promise<string>((done) => {
            waiting = done;
            flush();
          }),
      }),
    );
  });
}

async function ask(c: Client): Promise<string> {
  const answer = c.next();
  c.socket.write(GET);
  return answer;
}

let server: Server;
let port: number;
/** Answers wait for this; holdNext() makes the next ones wait until release(). */
let gate: Promise<void>;
let release: () => void;
const holdNext = () => {
  gate = new Promise<void>((resolve) => (release = resolve));
};

beforeEach(async () => {
  gate = Promise.resolve();
  release = () => undefined;
  server = createServer((_req, res) => void gate.then(() => res.end('ok')));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterEach(() => {
  server.closeAllConnections();
  server.close();
});

const refused = (p: number) =>
  new Promise<string>((resolve) => {
    const socket = connect(p, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });

test('an idle keep-alive connection gets its next request answered with Connection: close, then ends', async () => {
  const c = await client(port);
  expect(await ask(c)).toMatch(/^HTTP\/1\.1 200[\s\S]*Connection: keep-alive/i);
  let closed = false;
  drainServer(server, () => (closed = true));
  expect(await refused(port)).toBe('ECONNREFUSED');
  expect(closed).toBe(false);
  // The client had no way to know: it sends its next request on the connection it holds.
  const answer = await ask(c);
  expect(answer).toMatch(/^HTTP\/1\.1 200/);
  expect(answer).toMatch(/\r\nConnection: close\r\n/i);
  await c.ended;
  await new Promise((resolve) => setImmediate(resolve));
  expect(closed).toBe(true);
});

test('a request in flight when the drain starts is answered; closed runs after its connection ends', async () => {
  const c = await client(port);
  holdNext();
  const inFlight = ask(c);
  await new Promise((resolve) => setTimeout(resolve, 20));
  let closed = false;
  drainServer(server, () => (closed = true));
  release();
  expect(await inFlight).toMatch(/^HTTP\/1\.1 200/);
  expect(closed).toBe(false);
  const last = await ask(c);
  expect(last).toMatch(/\r\nConnection: close\r\n/i);
  await c.ended;
  await new Promise((resolve) => setImmediate(resolve));
  expect(closed).toBe(true);
});

test('contrast: http.Server#close resets the idle connection, so its next request fails', async () => {
  const c = await client(port);
  await ask(c);
  server.close();
  await c.ended;
  expect(c.socket.destroyed).toBe(true);
});
