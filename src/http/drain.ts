/**
 * Draining an HTTP server without failing a request on it: what a worker does when a newer release
 * serves on the same port (src/deploy/supervisor.ts, docs/operations.md#deploying).
 *
 * `server.close()` alone is not enough: since Node 19 it also destroys every idle keep-alive
 * connection at once, and a client may have just sent its next request on one (it then sees a reset
 * for a request the server never read). Draining instead:
 * - stops accepting (the listening socket's own close, without the idle sweep): new connections go
 *   to the workers still listening;
 * - answers every request still arriving with `Connection: close`, so the client opens its next
 *   connection elsewhere and the socket ends after that answer;
 * - leaves idle keep-alive connections to end by themselves: the client closes them before the
 *   `Keep-Alive: timeout` the server announced (Node's agent and undici do), or they carry one more
 *   request and end after its answer; the server's own keep-alive timeout ends the rest.
 * `closed` runs once no connection is left. The caller bounds the wait (closeAllConnections).
 */
import { Server as NetServer } from 'node:net';
import type { Server } from 'node:http';

export function drainServer(server: Server, closed: (error?: Error) => void): void {
  // Before the app's own listener, so the header is there whatever the route does (even when it
  // answers synchronously).
  server.prependListener('request', (_req, res) => {
    if (!res.headersSent) res.setHeader('Connection', 'close');
  });
  // net.Server's close: stop accepting; unlike http.Server's, it leaves idle connections alone.
  NetServer.prototype.close.call(server, closed);
}
