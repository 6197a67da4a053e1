// The benchmark's sub-millisecond latency probe (tests/bench/bench.ts runs it as a child process, so
// that neither autocannon nor the benchmark's own work shares its event loop). autocannon records
// latencies in an HDR histogram whose smallest unit is 1 ms, which cannot show a 0.5 ms difference;
// this loop times each request with process.hrtime, over one undici Pool per target.
//
// The targets are measured interleaved, not one after the other: on a shared machine the other load
// drifts within seconds, and interleaving makes the drift hit every target alike (measured one after
// the other, the same server gave p50s 0.25 ms apart).
//
// Reads one JSON spec (ProbeSpec) on stdin, writes one JSON array on stdout, one result per target:
//   fixed-rate  open loop: request i is sent at start + i/rate (a timer sends whatever is due), to
//               the targets in turn for `sliceMs` each; `warmupSeconds` unrecorded, then `seconds`
//               recorded. Each latency runs from the call to pool.request to the end of the body.
//   first-byte  `warmup` + `requests` streamed requests per target, one at a time, the targets in
//               turn; for each, the time from the call to the first chunk of the body, and to the end
//               (which must be `data: [DONE]`).
import { Pool } from 'undici';
import { summarise, type FirstByteRun, type FixedRateRun } from './report.js';

export interface ProbeTarget {
  /** Origin and path of the endpoint. */
  origin: string;
  path: string;
  headers: Record<string, string>;
}

export interface ProbeSpec {
  mode: 'fixed-rate' | 'first-byte';
  targets: ProbeTarget[];
  body: string;
  rate?: number;
  seconds?: number;
  warmupSeconds?: number;
  sliceMs?: number;
  requests?: number;
  warmup?: number;
}

const now = () => Number(process.hrtime.bigint()) / 1e6;

interface Outcome {
  status: number | 'error';
  ms: number;
}

async function fixedRate(pools: Pool[], spec: ProbeSpec, seconds: number, record: boolean): Promise<{ outcomes: Outcome[][]; elapsedSeconds: number }> {
  const rate = spec.rate ?? 1000;
  const sliceMs = spec.sliceMs ?? 250;
  const total = Math.round(rate * seconds);
  const intervalMs = 1000 / rate;
  const outcomes: Outcome[][] = spec.targets.map(() => []);
  const inFlight = new Set<Promise<void>>();
  const send = (t: number) => {
    const target = spec.targets[t] as ProbeTarget;
    const started = now();
    const done = (pools[t] as Pool)
      .request({ path: target.path, method: 'POST', headers: target.headers, body: spec.body })
      .then(async ({ statusCode, body }) => {
        await body.arrayBuffer();
        if (record) outcomes[t]?.push({ status: statusCode, ms: now() - started });
      })
      .catch(() => {
        if (record) outcomes[t]?.push({ status: 'error', ms: now() - started });
      })
      .finally(() => inFlight.delete(done));
    inFlight.add(done);
  };
  const start = now();
  await new Promise<void>((resolve) => {
    let sent = 0;
    const tick = () => {
      const elapsed = now() - start;
      while (sent < total && sent * intervalMs <= elapsed) {
        send(Math.floor((sent * intervalMs) / sliceMs) % spec.targets.length);
        sent += 1;
      }
      if (sent >= total) return resolve();
      setTimeout(tick, Math.max(0, sent * intervalMs - elapsed));
    };
    tick();
  });
  const elapsedSeconds = (now() - start) / 1000;
  await Promise.all([...inFlight]);
  return { outcomes, elapsedSeconds };
}

async function fixedRateRuns(pools: Pool[], spec: ProbeSpec): Promise<FixedRateRun[]> {
  const rate = spec.rate ?? 1000;
  await fixedRate(pools, spec, spec.warmupSeconds ?? 1, false);
  const { outcomes, elapsedSeconds } = await fixedRate(pools, spec, spec.seconds ?? 5, true);
  return outcomes.map((mine) => {
    const ok = mine.filter((o) => typeof o.status === 'number' && o.status >= 200 && o.status <= 299);
    return {
      targetRate: rate,
      // Each target gets the whole rate during its slices.
      achievedRate: Math.round((mine.length / (elapsedSeconds / spec.targets.length)) * 10) / 10,
      sent: mine.length,
      ok2xx: ok.length,
      non2xx: mine.filter((o) => typeof o.status === 'number').length - ok.length,
      errors: mine.filter((o) => o.status === 'error').length,
      latencyMs: summarise(ok.map((o) => o.ms)),
    };
  });
}

async function firstByteRuns(pools: Pool[], spec: ProbeSpec): Promise<FirstByteRun[]> {
  const requests = spec.requests ?? 300;
  const warmup = spec.warmup ?? 30;
  const runs = spec.targets.map(() => ({ first: [] as number[], total: [] as number[], ok2xx: 0, non2xx: 0, errors: 0 }));
  for (let i = 0; i < warmup + requests; i += 1) {
    for (const [t, target] of spec.targets.entries()) {
      const run = runs[t] as (typeof runs)[number];
      const started = now();
      let firstAt: number | undefined;
      try {
        const { statusCode, body } = await (pools[t] as Pool).request({ path: target.path, method: 'POST', headers: target.headers, body: spec.body });
        let text = '';
        for await (const chunk of body) {
          firstAt ??= now();
          text += (chunk as Buffer).toString('utf8');
        }
        const endedAt = now();
        if (i < warmup) continue;
        if (statusCode < 200 || statusCode > 299 || !text.endsWith('data: [DONE]\n\n')) {
          run.non2xx += 1;
          continue;
        }
        run.ok2xx += 1;
        run.first.push((firstAt ?? endedAt) - started);
        run.total.push(endedAt - started);
      } catch {
        if (i >= warmup) run.errors += 1;
      }
    }
  }
  return runs.map((run) => ({ requests, ok2xx: run.ok2xx, non2xx: run.non2xx, errors: run.errors, firstByteMs: summarise(run.first), totalMs: summarise(run.total) }));
}

async function run(spec: ProbeSpec): Promise<FixedRateRun[] | FirstByteRun[]> {
  const pools = spec.targets.map((target) => new Pool(target.origin, { connections: 32, pipelining: 1, keepAliveTimeout: 60_000 }));
  try {
    return spec.mode === 'first-byte' ? await firstByteRuns(pools, spec) : await fixedRateRuns(pools, spec);
  } finally {
    await Promise.all(pools.map((pool) => pool.close()));
  }
}

let input = '';
for await (const chunk of process.stdin) input += (chunk as Buffer).toString('utf8');
process.stdout.write(`${JSON.stringify(await run(JSON.parse(input) as ProbeSpec))}\n`);
