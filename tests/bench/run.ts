/**
 * The benchmarks' entry point: runs `main`, always cleans up, and exits 0, 1 (a failure, or with
 * BENCH_STRICT=1 a missed target) or 130 (interrupted: the signal handler of the benchmark has
 * already stopped what it started).
 */
export async function runBench(main: () => Promise<boolean>, options: { cleanup: () => Promise<unknown>; interrupted: () => boolean; log: (message: string) => void }): Promise<never> {
  let exitCode = 0;
  try {
    const passed = await main();
    if (!passed && process.env.BENCH_STRICT === '1') exitCode = 1;
  } catch (error) {
    if (!options.interrupted()) options.log(`failed: ${(error as Error).stack ?? (error as Error).message}`);
    exitCode = options.interrupted() ? 130 : 1;
  } finally {
    await options.cleanup();
  }
  process.exit(options.interrupted() ? 130 : exitCode);
}

/** A benchmark setting from the environment: a positive integer, or `fallback` when unset or empty. */
export function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100_000) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

/**
 * What the benchmarked services run with, on top of the test realm's environment (tests/support/env.ts):
 * as deployed, not as the test suites relax it (their rate limits off, readiness uncached, debug logs,
 * audit files). The KEK stays the suites' own: the realm keeps a key-check value for it.
 */
export function deployedEnv(metricsToken: string): Record<string, string | undefined> {
  return {
    NODE_ENV: 'production',
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    METRICS_TOKEN: metricsToken,
    RATE_LIMIT_USER_PER_MINUTE: undefined,
    RATE_LIMIT_KEY_TESTS_PER_MINUTE: undefined,
    READINESS_CACHE_SECONDS: undefined,
    AUDIT_LOG_FILE: undefined,
  };
}
