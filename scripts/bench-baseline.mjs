// The benchmark's baseline: a bare Express 5 app with one route and no middleware but express.json,
// so the benchmark (tests/bench/bench.ts) can compare the service with what Express alone costs on this machine.
// Listens on 127.0.0.1:$PORT; stops on SIGTERM/SIGINT.
import express from 'express';

const port = Number(process.env.PORT);
if (!Number.isInteger(port) || port <= 0) {
  process.stderr.write('bench-baseline: PORT must be set to a port number\n');
  process.exit(78);
}

const app = express();
app.use(express.json());
app.post('/ping', (req, res) => {
  res.json({ ok: true, userId: req.body?.userId ?? null });
});

const server = app.listen(port, '127.0.0.1', () => {
  process.stdout.write(`bench-baseline listening on http://127.0.0.1:${port}\n`);
});
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.once(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections();
  });
}
