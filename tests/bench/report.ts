/**
 * The benchmark's figures: Prometheus text parsing, medians and the printed tables. Pure functions.
 */

export interface CpuCores {
  loadGenerator: number;
  server: number | null;
  keycloak: number | null;
  redis?: number | null;
  /** The fake upstream, in the gateway scenarios where it is not itself the server measured. */
  upstream?: number | null;
}

export type Calls = Record<string, number>;

/** One autocannon run against one server or several. */
export interface Run {
  scenario: string;
  instances: number;
  connections: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /**
   * The same run's 2xx latencies at sub-millisecond precision (autocannon's own timings, taken from its
   * `response` events before its histogram truncates them to whole milliseconds).
   */
  latencyMs?: LatencySummary;
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  cpuCores: CpuCores;
  keycloakCalls: Calls | undefined;
  throughputRatio?: number;
  p99Ratio?: number | null;
}

export interface Burst {
  concurrency: number;
  ok: number;
  failed: number;
  wallMs: number;
  userReads: number;
  keycloakCalls: Calls;
  tokenRequestsDuring: number;
  tokenRequestsLifetime: number;
}

export interface ScaleOutStep extends Run {
  rounds: number[];
  growth: number;
}

export interface Settings {
  connections: number;
  duration: number;
  warmup: number;
  burst: number;
  rounds: number;
  instances: number;
  only: string | undefined;
  beforeDist: string | undefined;
  pipelining: number;
  /** Requests per second of the fixed-rate latency runs (gateway scenarios). */
  fixedRate: number;
  /** Sequential streamed requests per time-to-first-byte measurement (gateway scenarios). */
  firstByteRequests: number;
}

export interface Target {
  target: string;
  value: string;
  pass: boolean;
}

export interface Results {
  startedAt: string;
  finishedAt?: string;
  settings: Settings;
  machine: { cpus: number; node: string };
  baseline?: Run;
  scenarios: Run[];
  rounds?: { baseline: number[]; express?: number[]; warm: number[] };
  burst?: Burst;
  tokenCounts: Record<string, number>;
  scaleOut?: { instances: number; steps: ScaleOutStep[] };
  gateway?: GatewayResults;
  targets?: Target[];
}

/** Milliseconds, from sub-millisecond samples (process.hrtime). */
export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

/** One run of the fixed-rate load loop (tests/bench/latency-probe.ts), with the servers' CPU. */
export interface FixedRateRun {
  targetRate: number;
  achievedRate: number;
  sent: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  latencyMs: LatencySummary;
  /** The server's CPU time per request it answered (the upstream's: per request of every scenario). */
  serverCpuUsPerRequest?: number | null;
}

/** Sequential streamed requests (tests/bench/latency-probe.ts): time to the first body byte and to the end. */
export interface FirstByteRun {
  requests: number;
  ok2xx: number;
  non2xx: number;
  errors: number;
  firstByteMs: LatencySummary;
  totalMs: LatencySummary;
}

export const GATEWAY_SCENARIOS = ['direct', 'minimal pass-through', 'gateway'] as const;
export type GatewayScenarioName = (typeof GATEWAY_SCENARIOS)[number];

export interface GatewayScenario {
  scenario: GatewayScenarioName;
  /** The median round by throughput (autocannon at saturation; its latencies are whole milliseconds). */
  saturation: Run & { rounds: number[] };
  /** The median round by p50. */
  fixedRate: FixedRateRun & { rounds: number[] };
  /** The median round by p50. */
  firstByte: FirstByteRun & { rounds: number[] };
}

export interface GatewayResults {
  upstream: { sseChunks: number; chunkMs: number; jsonBytes: number };
  scenarios: GatewayScenario[];
}

/** Issue 15: the warm resolve against plain node:http (throughput ratio, p99 ratio). */
export const TARGETS = { throughputRatio: 0.5, p99Ratio: 2 };
/** Issue 14: the gateway against the minimal pass-through (throughput) and against direct calls (added time). */
export const GATEWAY_TARGETS = { throughputVsPassThrough: 0.6, addedP50Ms: 0.5, addedFirstByteMs: 1 };

/** Percentiles (nearest rank) and mean of `samples` in milliseconds, rounded to microseconds. */
export function summarise(samples: readonly number[]): LatencySummary {
  if (samples.length === 0) return { p50: 0, p90: 0, p99: 0, max: 0, mean: 0 };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  return { p50: round(at(0.5), 3), p90: round(at(0.9), 3), p99: round(at(0.99), 3), max: round(sorted[sorted.length - 1] as number, 3), mean: round(mean, 3) };
}

/** The element of `items` with the median `value` (the lower one of an even count). */
export function medianBy<T>(items: readonly T[], value: (item: T) => number): T {
  if (items.length === 0) throw new Error('medianBy needs at least one item');
  const sorted = [...items].sort((a, b) => value(a) - value(b));
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The run with the median throughput (its own latencies with it). */
export function medianRun<T extends Run>(runs: readonly T[]): T {
  return medianBy(runs, (run) => run.requestsPerSecond);
}

/** Sum of every sample of `name` whose labels include all of `labels` (Prometheus text format). */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const have = match[2] ?? '';
    if (Object.entries(labels).every(([key, value]) => have.includes(`${key}="${value}"`))) sum += Number(match[3]);
  }
  return sum;
}

/** Keycloak Admin API calls per operation (all outcomes), from the duration histogram's _count. */
export function keycloakCalls(text: string): Calls {
  const calls: Calls = {};
  for (const match of text.matchAll(/^byok_keycloak_request_duration_seconds_count\{([^}]*)\}\s+(\S+)/gm)) {
    const operation = /operation="([^"]*)"/.exec(match[1] ?? '')?.[1] ?? '?';
    calls[operation] = (calls[operation] ?? 0) + Number(match[2]);
  }
  return calls;
}

export function sumCalls(all: readonly Calls[]): Calls {
  const out: Calls = {};
  for (const calls of all) for (const [operation, count] of Object.entries(calls)) out[operation] = (out[operation] ?? 0) + count;
  return out;
}

export function diffCalls(after: Calls, before: Calls): Calls {
  const out: Calls = {};
  for (const [operation, count] of Object.entries(after)) {
    const delta = count - (before[operation] ?? 0);
    if (delta !== 0) out[operation] = delta;
  }
  return out;
}

export const tokenRequests = (text: string): number => metricSum(text, 'byok_service_token_requests_total');

type Cell = string | number;

export function table(rows: readonly Cell[][]): string {
  const widths = (rows[0] ?? []).map((_, column) => Math.max(...rows.map((row) => String(row[column]).length)));
  return rows
    .map((row, index) => {
      const line = row.map((cell, column) => (column === 0 ? String(cell).padEnd(widths[column] ?? 0) : String(cell).padStart(widths[column] ?? 0))).join('  ');
      return index === 0 ? `${line}\n${widths.map((width) => '-'.repeat(width)).join('  ')}` : line;
    })
    .join('\n');
}

const formatCalls = (calls: Calls) => Object.entries(calls).map(([op, n]) => `${op}=${n}`).join(' ');

/** The main table, the CPU table, the burst line and the targets; sets `results.targets`. */
export function report(results: Results): string {
  if (results.burst === undefined) throw new Error('report needs the burst');
  return resolveReport(results);
}

/** Both runs' sub-millisecond p99s, [run, baseline], when both runs have them. */
function exactP99s(run: Run, baseline: Run): [number, number] | undefined {
  return run.latencyMs !== undefined && baseline.latencyMs !== undefined ? [run.latencyMs.p99, baseline.latencyMs.p99] : undefined;
}

/**
 * `run`'s p99 over `baseline`'s, from sub-millisecond p99s when both runs have them (autocannon's whole
 * milliseconds turn 1.9 ms into 1 and 2.1 ms into 2, so a ratio of those says little); null when the
 * baseline's p99 is 0.
 */
export function p99Ratio(run: Run, baseline: Run): number | null {
  const [mine, theirs] = exactP99s(run, baseline) ?? [run.p99Ms, baseline.p99Ms];
  return theirs > 0 ? round(mine / theirs, 2) : null;
}

/**
 * Issue 15's two targets for the warm resolve against the node:http baseline: throughput (only when
 * every answer of both runs was a 2xx: a service answering errors fast must not pass) and p99.
 */
export function resolveTargets(warm: Run, baseline: Run): Target[] {
  const throughput = round(warm.requestsPerSecond / baseline.requestsPerSecond, 3);
  const ratio = p99Ratio(warm, baseline);
  const allOk = [warm, baseline].every((run) => run.non2xx + run.errors + run.timeouts === 0);
  const exact = exactP99s(warm, baseline);
  const p99Value = exact
    ? `${exact[0].toFixed(3)} ms vs ${exact[1].toFixed(3)} ms (${ratio}x; whole ms: ${warm.p99Ms} vs ${baseline.p99Ms})`
    : `${warm.p99Ms} ms vs ${baseline.p99Ms} ms (${ratio}x)`;
  return [
    { target: `warm resolve throughput >= ${TARGETS.throughputRatio}x baseline (node:http)`, value: `${(throughput * 100).toFixed(1)}%${allOk ? '' : ' (not all 2xx)'}`, pass: allOk && warm.requestsPerSecond >= TARGETS.throughputRatio * baseline.requestsPerSecond },
    { target: `warm resolve p99 <= ${TARGETS.p99Ratio}x baseline (node:http) p99`, value: p99Value, pass: ratio !== null && ratio <= TARGETS.p99Ratio },
  ];
}

/** The resolve tables and targets (and the burst's, when it ran); sets `results.targets`. */
export function resolveReport(results: Results): string {
  const { baseline, scenarios, burst, tokenCounts, settings } = results;
  if (baseline === undefined) throw new Error('report needs the baseline');
  const rows: Cell[][] = [['scenario', 'requests/s (mean)', 'p50 ms', 'p99 ms', 'p99 ms (sub-ms)', 'non-2xx', 'throughput vs baseline', 'p99 vs baseline']];
  for (const s of [baseline, ...scenarios]) {
    s.throughputRatio = round(s.requestsPerSecond / baseline.requestsPerSecond, 3);
    s.p99Ratio = p99Ratio(s, baseline);
    const bad = s.non2xx + s.errors + s.timeouts;
    rows.push([
      s.scenario,
      s.requestsPerSecond.toFixed(1),
      s.p50Ms,
      s.p99Ms,
      s.latencyMs === undefined ? 'n/a' : s.latencyMs.p99.toFixed(3),
      s.errors + s.timeouts > 0 ? `${bad} (${s.errors} errors)` : s.non2xx,
      `${(s.throughputRatio * 100).toFixed(1)}%`,
      s.p99Ratio === null ? 'n/a' : `${s.p99Ratio.toFixed(2)}x`,
    ]);
  }
  const lines: string[] = [];
  lines.push(`autocannon: ${settings.connections} connections, ${settings.duration} s (after ${settings.warmup} s warm-up), pipelining ${settings.pipelining}; Node ${results.machine.node}, ${results.machine.cpus} CPUs`);
  lines.push('');
  lines.push(table(rows));
  lines.push('');
  const cpuRows: Cell[][] = [['CPU (cores) during run', 'load generator', 'server', 'keycloak', 'keycloak calls']];
  for (const s of [baseline, ...scenarios]) {
    const calls = s.keycloakCalls ? formatCalls(s.keycloakCalls) || 'none' : '-';
    cpuRows.push([s.scenario, s.cpuCores.loadGenerator ?? '?', s.cpuCores.server ?? '?', s.cpuCores.keycloak ?? '?', calls]);
  }
  lines.push(table(cpuRows));
  lines.push('');
  if (burst !== undefined) {
    lines.push(
      `burst: ${burst.concurrency} concurrent resolves on a fresh instance for a user it never saw: ${burst.ok} x 200, ${burst.failed} other` +
        ` in ${burst.wallMs} ms; Keycloak user reads (users.findOne) ${burst.userReads}; service token requests ${burst.tokenRequestsDuring} during the burst, ${burst.tokenRequestsLifetime} in the instance's lifetime`,
    );
    if (Object.keys(burst.keycloakCalls).length > 0) lines.push(`burst: all Keycloak calls: ${formatCalls(burst.keycloakCalls)}`);
  }
  lines.push('');
  const warm = scenarios.find((s) => s.scenario === 'resolve warm');
  if (warm === undefined) throw new Error('report needs the warm resolve');
  const targets: Target[] = [
    ...resolveTargets(warm, baseline),
    ...(burst === undefined ? [] : [{ target: 'burst: Keycloak user reads == 1', value: String(burst.userReads), pass: burst.userReads === 1 && burst.failed === 0 }]),
    {
      target: 'service token requested once per instance',
      value: Object.entries(tokenCounts).map(([name, n]) => `${name}=${n}`).join(' '),
      pass: Object.values(tokenCounts).every((n) => n === 1),
    },
  ];
  lines.push(table([['target', 'measured', 'result'], ...targets.map((t) => [t.target, t.value, t.pass ? 'PASS' : 'MISS'])]));
  results.targets = targets;
  return lines.join('\n');
}

export function scaleOutReport(results: Results): string {
  const steps = results.scaleOut?.steps ?? [];
  const rows: Cell[][] = [['instances (one Redis)', 'connections', 'requests/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'vs 1 instance', 'CPU: servers', 'redis', 'load generator', 'keycloak']];
  for (const s of steps) {
    const bad = s.non2xx + s.errors + s.timeouts;
    rows.push([s.instances, s.connections, s.requestsPerSecond.toFixed(1), s.p50Ms, s.p99Ms, bad, `${(s.growth * 100).toFixed(0)}%`, s.cpuCores.server ?? '?', s.cpuCores.redis ?? '?', s.cpuCores.loadGenerator ?? '?', s.cpuCores.keycloak ?? '?']);
  }
  return [
    `scale-out: the warm resolve against 1..${steps.length} instances sharing one redis-server; one autocannon in this process spreads its connections over them (${results.machine.cpus} CPUs for all of it); median of ${results.settings.rounds} alternating rounds (all rounds: ${steps.map((s) => s.rounds.map((r) => Math.round(r)).join('/')).join(', ')} req/s)`,
    '',
    table(rows),
  ].join('\n');
}

const ms = (value: number) => value.toFixed(3);
const signedMs = (value: number) => `${value >= 0 ? '+' : ''}${value.toFixed(3)}`;

/** The three gateway targets, from the median rounds. */
export function gatewayTargets(gateway: GatewayResults): Target[] {
  const by = (name: GatewayScenarioName) => {
    const found = gateway.scenarios.find((s) => s.scenario === name);
    if (found === undefined) throw new Error(`the gateway results lack the ${name} scenario`);
    return found;
  };
  const direct = by('direct');
  const pass = by('minimal pass-through');
  const gw = by('gateway');
  const clean = (s: GatewayScenario) =>
    s.saturation.non2xx + s.saturation.errors + s.saturation.timeouts === 0 && s.fixedRate.non2xx + s.fixedRate.errors === 0 && s.firstByte.non2xx + s.firstByte.errors === 0;
  const ratio = gw.saturation.requestsPerSecond / pass.saturation.requestsPerSecond;
  // The summaries are whole microseconds: rounding the difference only removes floating-point noise.
  const addedP50 = round(gw.fixedRate.latencyMs.p50 - direct.fixedRate.latencyMs.p50, 3);
  const addedFirstByte = round(gw.firstByte.firstByteMs.p50 - direct.firstByte.firstByteMs.p50, 3);
  // For reading a miss: what the minimal Node pass-through adds on the same machine in the same run
  // (on a machine with costly system calls it alone can exceed the targets).
  const passAddedP50 = round(pass.fixedRate.latencyMs.p50 - direct.fixedRate.latencyMs.p50, 3);
  const passAddedFirstByte = round(pass.firstByte.firstByteMs.p50 - direct.firstByte.firstByteMs.p50, 3);
  const allClean = GATEWAY_SCENARIOS.every((name) => clean(by(name)));
  const rate = gw.fixedRate.targetRate;
  return [
    {
      target: `gateway throughput >= ${GATEWAY_TARGETS.throughputVsPassThrough}x minimal pass-through`,
      value: `${Math.round(gw.saturation.requestsPerSecond)} vs ${Math.round(pass.saturation.requestsPerSecond)} req/s (${ratio.toFixed(3)}x)`,
      pass: ratio >= GATEWAY_TARGETS.throughputVsPassThrough,
    },
    {
      target: `gateway added p50 over direct at ${rate} req/s <= ${GATEWAY_TARGETS.addedP50Ms} ms`,
      value: `${signedMs(addedP50)} ms (${ms(gw.fixedRate.latencyMs.p50)} vs ${ms(direct.fixedRate.latencyMs.p50)}; pass-through ${signedMs(passAddedP50)})`,
      pass: addedP50 <= GATEWAY_TARGETS.addedP50Ms && gw.fixedRate.achievedRate >= 0.95 * rate,
    },
    {
      target: `gateway added time to first streamed byte <= ${GATEWAY_TARGETS.addedFirstByteMs} ms`,
      value: `${signedMs(addedFirstByte)} ms (${ms(gw.firstByte.firstByteMs.p50)} vs ${ms(direct.firstByte.firstByteMs.p50)}; pass-through ${signedMs(passAddedFirstByte)})`,
      pass: addedFirstByte <= GATEWAY_TARGETS.addedFirstByteMs,
    },
    { target: 'gateway scenarios: every answer 2xx', value: allClean ? 'yes' : 'no (see non-2xx)', pass: allClean },
  ];
}

/** The gateway tables (saturation, fixed rate, first byte) and targets; appends the targets to `results.targets`. */
export function gatewayReport(results: Results): string {
  const gateway = results.gateway;
  if (gateway === undefined) throw new Error('gatewayReport needs the gateway results');
  const { settings } = results;
  const direct = gateway.scenarios.find((s) => s.scenario === 'direct');
  const pass = gateway.scenarios.find((s) => s.scenario === 'minimal pass-through');
  const ratioTo = (value: number, of: number | undefined) => (of ? `${((value / of) * 100).toFixed(1)}%` : 'n/a');
  const bad = (n: { non2xx: number; errors: number; timeouts?: number }) => n.non2xx + n.errors + (n.timeouts ?? 0);

  const saturation: Cell[][] = [['at saturation', 'requests/s (median round)', 'p50 ms', 'p99 ms', 'non-2xx', 'vs direct', 'vs pass-through', 'CPU: server', 'req/s per server core', 'upstream', 'load generator', 'keycloak']];
  for (const s of gateway.scenarios) {
    const run = s.saturation;
    saturation.push([
      s.scenario,
      run.requestsPerSecond.toFixed(1),
      run.p50Ms,
      run.p99Ms,
      bad(run),
      ratioTo(run.requestsPerSecond, direct?.saturation.requestsPerSecond),
      ratioTo(run.requestsPerSecond, pass?.saturation.requestsPerSecond),
      run.cpuCores.server ?? '?',
      run.cpuCores.server ? Math.round(run.requestsPerSecond / run.cpuCores.server) : '?',
      s.scenario === 'direct' ? '(server)' : (run.cpuCores.upstream ?? '?'),
      run.cpuCores.loadGenerator,
      run.cpuCores.keycloak ?? '?',
    ]);
  }
  const fixed: Cell[][] = [[`at ${settings.fixedRate} req/s`, 'achieved req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'added p50 ms', 'non-2xx', 'server CPU µs/request']];
  for (const s of gateway.scenarios) {
    const run = s.fixedRate;
    fixed.push([
      s.scenario,
      run.achievedRate.toFixed(1),
      ms(run.latencyMs.p50),
      ms(run.latencyMs.p90),
      ms(run.latencyMs.p99),
      direct ? signedMs(run.latencyMs.p50 - direct.fixedRate.latencyMs.p50) : 'n/a',
      bad(run),
      run.serverCpuUsPerRequest ?? '?',
    ]);
  }
  const first: Cell[][] = [['streamed, one at a time', 'requests', 'first byte p50 ms', 'p90 ms', 'p99 ms', 'added p50 ms', 'whole stream p50 ms', 'non-2xx']];
  for (const s of gateway.scenarios) {
    const run = s.firstByte;
    first.push([
      s.scenario,
      run.requests,
      ms(run.firstByteMs.p50),
      ms(run.firstByteMs.p90),
      ms(run.firstByteMs.p99),
      direct ? signedMs(run.firstByteMs.p50 - direct.firstByte.firstByteMs.p50) : 'n/a',
      ms(run.totalMs.p50),
      bad(run),
    ]);
  }
  const targets = gatewayTargets(gateway);
  results.targets = [...(results.targets ?? []), ...targets];
  const roundsOf = (pick: (s: GatewayScenario) => number[], digits: number) => gateway.scenarios.map((s) => `${s.scenario} ${pick(s).map((v) => v.toFixed(digits)).join('/')}`).join(', ');
  return [
    `gateway: POST /v1/chat/completions to a fake upstream (${gateway.upstream.jsonBytes}-byte JSON answer; streamed: ${gateway.upstream.sseChunks} SSE chunks ${gateway.upstream.chunkMs} ms apart, the first at once), each server its own process; median of ${settings.rounds} alternating rounds`,
    `  saturation: autocannon, ${settings.connections} connections, ${settings.duration} s after ${settings.warmup} s (whole milliseconds); all rounds: ${roundsOf((s) => s.saturation.rounds, 0)} req/s`,
    `  fixed rate and first byte: tests/bench/latency-probe.ts in a child process (undici, process.hrtime; sub-millisecond), the scenarios interleaved; p50 of all rounds: ${roundsOf((s) => s.fixedRate.rounds, 3)} ms; first byte: ${roundsOf((s) => s.firstByte.rounds, 3)} ms`,
    '',
    table(saturation),
    '',
    table(fixed),
    '',
    table(first),
    '',
    table([['target', 'measured', 'result'], ...targets.map((t) => [t.target, t.value, t.pass ? 'PASS' : 'MISS'])]),
  ].join('\n');
}
