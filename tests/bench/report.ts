/**
 * The benchmark's figures: Prometheus text parsing, medians and the printed tables. Pure functions.
 */

export interface CpuCores {
  loadGenerator: number;
  server: number | null;
  keycloak: number | null;
  redis?: number | null;
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
  pipelining: number;
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
  rounds?: { baseline: number[]; warm: number[] };
  burst?: Burst;
  tokenCounts: Record<string, number>;
  scaleOut?: { instances: number; steps: ScaleOutStep[] };
  targets?: Target[];
}

export const TARGETS = { throughputRatio: 0.85, p99Ratio: 2 };

export function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

/** The run with the median throughput (its own latencies with it). */
export function medianRun<T extends Run>(runs: readonly T[]): T {
  const sorted = [...runs].sort((a, b) => a.requestsPerSecond - b.requestsPerSecond);
  return sorted[Math.floor((sorted.length - 1) / 2)] as T;
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
  const { baseline, scenarios, burst, tokenCounts, settings } = results;
  if (baseline === undefined || burst === undefined) throw new Error('report needs the baseline and the burst');
  const rows: Cell[][] = [['scenario', 'requests/s (mean)', 'p50 ms', 'p99 ms', 'non-2xx', 'throughput vs baseline', 'p99 vs baseline']];
  for (const s of [baseline, ...scenarios]) {
    s.throughputRatio = round(s.requestsPerSecond / baseline.requestsPerSecond, 3);
    s.p99Ratio = baseline.p99Ms > 0 ? round(s.p99Ms / baseline.p99Ms, 2) : null;
    const bad = s.non2xx + s.errors + s.timeouts;
    rows.push([
      s.scenario,
      s.requestsPerSecond.toFixed(1),
      s.p50Ms,
      s.p99Ms,
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
  lines.push(
    `burst: ${burst.concurrency} concurrent resolves on a fresh instance for a user it never saw: ${burst.ok} x 200, ${burst.failed} other` +
      ` in ${burst.wallMs} ms; Keycloak user reads (users.findOne) ${burst.userReads}; service token requests ${burst.tokenRequestsDuring} during the burst, ${burst.tokenRequestsLifetime} in the instance's lifetime`,
  );
  if (Object.keys(burst.keycloakCalls).length > 0) lines.push(`burst: all Keycloak calls: ${formatCalls(burst.keycloakCalls)}`);
  lines.push('');
  const warm = scenarios.find((s) => s.scenario === 'resolve warm');
  if (warm === undefined || warm.throughputRatio === undefined || warm.p99Ratio === undefined) throw new Error('report needs the warm resolve');
  const targets: Target[] = [
    { target: `warm resolve throughput >= ${TARGETS.throughputRatio * 100}% of baseline`, value: `${(warm.throughputRatio * 100).toFixed(1)}%`, pass: warm.throughputRatio >= TARGETS.throughputRatio },
    { target: `warm resolve p99 <= ${TARGETS.p99Ratio}x baseline p99`, value: `${warm.p99Ms} ms vs ${baseline.p99Ms} ms (${warm.p99Ratio}x)`, pass: warm.p99Ratio !== null && warm.p99Ratio <= TARGETS.p99Ratio },
    { target: 'burst: Keycloak user reads == 1', value: String(burst.userReads), pass: burst.userReads === 1 && burst.failed === 0 },
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
