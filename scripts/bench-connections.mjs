// Requests on a new connection each (no keep-alive), CONCURRENCY loops for SECONDS against URL:
// prints {"rps":…,"p50":…,"p99":…,"failed":…} (milliseconds). Used by scripts/bench-supervisor.sh.
import { request } from 'node:http';

const [url, seconds = '6', concurrency = '20'] = process.argv.slice(2);
const end = Date.now() + Number(seconds) * 1000;
const latencies = [];
let failed = 0;
const once = () =>
  new Promise((resolve) => {
    const started = performance.now();
    const req = request(url, { agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        if (res.statusCode === 200) latencies.push(performance.now() - started);
        else failed += 1;
        resolve();
      });
    });
    req.on('error', () => {
      failed += 1;
      resolve();
    });
    req.end();
  });
await Promise.all(Array.from({ length: Number(concurrency) }, async () => { while (Date.now() < end) await once(); }));
latencies.sort((a, b) => a - b);
const at = (q) => Number((latencies[Math.floor((latencies.length - 1) * q)] ?? 0).toFixed(2));
process.stdout.write(`${JSON.stringify({ rps: Math.round(latencies.length / Number(seconds)), p50: at(0.5), p99: at(0.99), failed })}\n`);
