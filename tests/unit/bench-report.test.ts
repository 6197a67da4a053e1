/**
 * tests/bench/report.ts: the benchmark's sub-millisecond summaries and the gateway targets (issue 14)
 * decide PASS or MISS from the median rounds.
 */
import { gatewayTargets, medianBy, p99Ratio, resolveTargets, summarise, type GatewayResults, type GatewayScenario, type GatewayScenarioName, type Run } from '../bench/report.js';

const summary = (p50: number) => ({ p50, p90: p50, p99: p50, max: p50, mean: p50 });

function scenario(name: GatewayScenarioName, figures: { rps: number; p50: number; firstByte: number; non2xx?: number; achieved?: number }): GatewayScenario {
  const saturation: Run & { rounds: number[] } = {
    scenario: name,
    instances: 1,
    connections: 50,
    requestsPerSecond: figures.rps,
    p50Ms: 5,
    p99Ms: 9,
    maxMs: 20,
    requests: figures.rps * 5,
    ok2xx: figures.rps * 5,
    non2xx: figures.non2xx ?? 0,
    errors: 0,
    timeouts: 0,
    cpuCores: { loadGenerator: 0.5, server: 1, keycloak: 0 },
    keycloakCalls: undefined,
    rounds: [figures.rps],
  };
  return {
    scenario: name,
    saturation,
    fixedRate: { targetRate: 1000, achievedRate: figures.achieved ?? 1000, sent: 5000, ok2xx: 5000, non2xx: 0, errors: 0, latencyMs: summary(figures.p50), rounds: [figures.p50] },
    firstByte: { requests: 300, ok2xx: 300, non2xx: 0, errors: 0, firstByteMs: summary(figures.firstByte), totalMs: summary(6), rounds: [figures.firstByte] },
  };
}

function results(gateway: { rps: number; p50: number; firstByte: number; non2xx?: number; achieved?: number }): GatewayResults {
  return {
    upstream: { sseChunks: 6, chunkMs: 1, jsonBytes: 329 },
    scenarios: [scenario('direct', { rps: 20_000, p50: 0.2, firstByte: 0.3 }), scenario('minimal pass-through', { rps: 10_000, p50: 0.4, firstByte: 0.45 }), scenario('gateway', gateway)],
  };
}

const verdicts = (gateway: Parameters<typeof results>[0]) => gatewayTargets(results(gateway)).map((t) => t.pass);

describe('summaries keep sub-millisecond precision', () => {
  test('nearest-rank percentiles and the mean, in milliseconds rounded to the microsecond', () => {
    const samples = Array.from({ length: 100 }, (_, i) => (i + 1) / 1000 + 0.0004); // 0.0014 .. 0.1004 ms
    expect(summarise(samples)).toEqual({ p50: 0.05, p90: 0.09, p99: 0.099, max: 0.1, mean: 0.051 });
  });

  test('order of the samples does not matter, and no samples give zeros rather than NaN', () => {
    expect(summarise([0.9, 0.3, 0.6])).toEqual(summarise([0.3, 0.6, 0.9]));
    expect(summarise([0.9, 0.3, 0.6]).p50).toBe(0.6);
    expect(summarise([])).toEqual({ p50: 0, p90: 0, p99: 0, max: 0, mean: 0 });
  });

  test('the median round is the middle one by the chosen figure', () => {
    expect(medianBy([{ v: 3 }, { v: 1 }, { v: 2 }], (x) => x.v)).toEqual({ v: 2 });
    expect(medianBy([{ v: 4 }, { v: 1 }, { v: 2 }, { v: 3 }], (x) => x.v)).toEqual({ v: 2 });
  });
});

describe('gateway targets', () => {
  test('a gateway at exactly 0.6x the pass-through, 0.5 ms over direct at the fixed rate and 1 ms later to the first byte passes', () => {
    expect(verdicts({ rps: 6_000, p50: 0.7, firstByte: 1.3 })).toEqual([true, true, true, true]);
  });

  test('each target misses on its own when its figure is just over the line', () => {
    expect(verdicts({ rps: 5_999, p50: 0.7, firstByte: 1.3 })).toEqual([false, true, true, true]);
    expect(verdicts({ rps: 6_000, p50: 0.701, firstByte: 1.3 })).toEqual([true, false, true, true]);
    expect(verdicts({ rps: 6_000, p50: 0.7, firstByte: 1.301 })).toEqual([true, true, false, true]);
  });

  test('a latency measured at a rate the loop could not reach, or answers that were not 2xx, do not pass', () => {
    expect(verdicts({ rps: 6_000, p50: 0.3, firstByte: 0.3, achieved: 900 })).toEqual([true, false, true, true]);
    expect(verdicts({ rps: 6_000, p50: 0.3, firstByte: 0.3, non2xx: 1 })).toEqual([true, true, true, false]);
  });
});

describe('issue 15 targets (warm resolve against node:http)', () => {
  const run = (rps: number, p99Ms: number, p99Exact?: number, non2xx = 0): Run => ({
    scenario: 'x',
    instances: 1,
    connections: 50,
    requestsPerSecond: rps,
    p50Ms: 1,
    p99Ms,
    maxMs: 20,
    ...(p99Exact === undefined ? {} : { latencyMs: { p50: 1, p90: p99Exact, p99: p99Exact, max: 20, mean: 1 } }),
    requests: rps * 5,
    ok2xx: rps * 5 - non2xx,
    non2xx,
    errors: 0,
    timeouts: 0,
    cpuCores: { loadGenerator: 0.5, server: 1, keycloak: 0 },
    keycloakCalls: undefined,
  });
  const verdicts = (warm: Run, baseline: Run) => resolveTargets(warm, baseline).map((t) => t.pass);

  test('the p99 ratio is taken of sub-millisecond p99s when both runs have them', () => {
    // Whole milliseconds say 3 against 1 (3x); the exact figures are 3.9 against 1.99 (1.96x).
    expect(p99Ratio(run(28_000, 3, 3.9), run(56_000, 1, 1.99))).toBe(1.96);
    expect(verdicts(run(28_000, 3, 3.9), run(56_000, 1, 1.99))).toEqual([true, true]);
    // And the other way: 2 against 1 in whole milliseconds (2x) is 2.99 against 1.2 exactly (2.49x).
    expect(verdicts(run(28_000, 2, 2.99), run(56_000, 1, 1.2))).toEqual([true, false]);
  });

  test('without sub-millisecond figures on both runs, the whole milliseconds decide', () => {
    expect(p99Ratio(run(28_000, 3, 3.9), run(56_000, 1))).toBe(3);
    expect(verdicts(run(28_000, 2), run(56_000, 1))).toEqual([true, true]);
  });

  test('throughput passes at exactly half, and not just under it, nor with answers that were not 2xx', () => {
    expect(verdicts(run(25_000, 2, 2), run(50_000, 1, 1))).toEqual([true, true]);
    expect(verdicts(run(24_999, 2, 2), run(50_000, 1, 1))).toEqual([false, true]);
    expect(verdicts(run(40_000, 2, 2, 1), run(50_000, 1, 1))).toEqual([false, true]);
  });
});

describe('gateway targets say what the minimal pass-through adds in the same run', () => {
  test('the added-latency lines carry the pass-through\'s own addition over direct', () => {
    const [, p50, firstByte] = gatewayTargets(results({ rps: 6_000, p50: 0.9, firstByte: 1.5 }));
    // direct 0.2 / 0.3 ms, pass-through 0.4 / 0.45 ms (results() above).
    expect(p50?.value).toContain('pass-through +0.200');
    expect(firstByte?.value).toContain('pass-through +0.150');
  });
});
