/**
 * A TCP proxy in front of the test Keycloak, for one service instance of a test: the rest of the
 * suite keeps the real Keycloak while this instance sees an outage. Modes, switched at any moment
 * (connections already open obey the new mode from their next bytes):
 * - `pass`: bytes go both ways;
 * - `refuse`: every connection is cut (Keycloak down);
 * - `lose-put-answers`: requests reach Keycloak, but a connection that sent a PUT is cut as soon as
 *   Keycloak starts answering it: the write is done, its answer never arrives (a timeout after the fact).
 */
import { connect, createServer, type Socket } from 'node:net';

export type ProxyMode = 'pass' | 'refuse' | 'lose-put-answers';

export interface TcpProxy {
  url: string;
  mode: ProxyMode;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  const proxy = { mode: 'pass' as ProxyMode };
  const server = createServer((client) => {
    if (proxy.mode === 'refuse') return void client.destroy();
    const upstream = connect(Number(port), hostname);
    sockets.add(client).add(upstream);
    let putSent = false;
    const cut = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('data', (chunk: Buffer) => {
      if (proxy.mode === 'refuse') return cut();
      if (proxy.mode === 'lose-put-answers' && chunk.subarray(0, 4).toString('latin1') === 'PUT ') putSent = true;
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (proxy.mode === 'refuse' || putSent) return cut();
      client.write(chunk);
    });
    for (const socket of [client, upstream]) {
      socket.on('error', cut);
      socket.on('close', cut);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    get mode() {
      return proxy.mode;
    },
    set mode(next: ProxyMode) {
      proxy.mode = next;
      if (next === 'refuse') for (const socket of sockets) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
