// Performance benchmark of POST /api/v1/internal/resolve (run by scripts/bench.sh = `npm run bench`,
// which builds, starts the test Keycloak and bootstraps realm byok first, then runs this file with tsx).
//
// Every server is its own child process on 127.0.0.1, started with the test support helpers
// (tests/support/service-process.ts, redis.ts, keycloak.ts); the load generator (autocannon) runs in
// this process. Scenarios, one after the other, one server at a time:
//   baseline       scripts/bench-baseline.mjs: bare Express 5, POST /ping, express.json only
//   resolve warm   node dist/main.js, default owner cache
//   warm via Express  the same, at /api/v1/internal/resolve?via=express (routed by Express instead of served
//                  directly; for comparison, no target)
//   resolve cold   node dist/main.js with OWNER_CACHE_TTL_SECONDS=0 (every resolve reads Keycloak)
//   burst          a fresh node dist/main.js; 500 concurrent resolves for a user it has never seen
//   scale-out      BENCH_INSTANCES (3) node dist/main.js sharing a redis-server of the benchmark's own
//                  (shared cursors, locks, invalidation); the warm resolve against the first 1, 2, ...
//                  of them, one load generator spreading its connections over the instances
//                  (BENCH_ROUNDS alternating rounds, the median round of each step counts)
// Prints a table and the targets (PASS/MISS) and writes the same as JSON to .data/bench/latest.json.
//
// Environment: BENCH_DURATION (s, 10), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2), BENCH_BURST (500),
// BENCH_ROUNDS (3: baseline and warm resolve alternate, the median round counts),
// BENCH_INSTANCES (3: the largest scale-out step), BENCH_ONLY=scale-out (only that scenario),
// BYOK_TEST_KEYCLOAK_URL (set by bench.sh from BENCH_KEYCLOAK_URL), BENCH_KEYCLOAK_INSTANCE (test:
// whose pid file names the Keycloak process group for the CPU figures), BENCH_STRICT=1 (exit 1 when
// a target is missed), BENCH_CPU_PROF=1 (every server child runs with --cpu-prof; profiles in
// .data/bench/profiles, open them in Chrome DevTools; profiling slows the servers, so figures are
// then not comparable).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Instance as Cannon, type Options as CannonOptions, type Result as CannonResult } from 'autocannon';
import { INTERNAL_CLIENT, KEYCLOAK_URL } from '../support/env.js';
import { clientToken, createTestUser, masterAdmin, userToken, type TestUser } from '../support/keycloak.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { testApiKey } from '../support/secrets.js';
import { startNodeProcess, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import {
  diffCalls,
  keycloakCalls,
  medianRun,
  metricSum,
  report,
  round,
  scaleOutReport,
  sumCalls,
  tokenRequests,
  type Burst,
  type Calls,
  type CpuCores,
  type Results,
  type Run,
  type ScaleOutStep,
  type Settings,
} from './report.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT_DIR = join(ROOT, '.data', 'bench');
const SETTINGS: Settings = {
  connections: positiveInt('BENCH_CONNECTIONS', 50),
  duration: positiveInt('BENCH_DURATION', 10),
  warmup: positiveInt('BENCH_WARMUP', 2),
  burst: positiveInt('BENCH_BURST', 500),
  rounds: positiveInt('BENCH_ROUNDS', 3),
  instances: positiveInt('BENCH_INSTANCES', 3),
  only: process.env.BENCH_ONLY || undefined,
  pipelining: 1,
};
const READY_TIMEOUT_MS = 60_000;
/** The services' GET /metrics token (METRICS_TOKEN), made per run. */
const METRICS_TOKEN = randomBytes(24).toString('base64url');
/**
 * What the services run with: the test realm's environment (tests/support/env.ts) as deployed, not
 * as the test suites relax it (their rate limits off, readiness uncached, debug logs, audit files).
 * The KEK is the suites' own: the realm keeps a key-check value for it, and a service with other
 * bytes for version 1 would (rightly) never become ready there.
 */
const SERVICE_ENV: Record<string, string | undefined> = {
  NODE_ENV: 'production',
  HOME: process.env.HOME,
  LOG_LEVEL: 'warn',
  METRICS_TOKEN,
  RATE_LIMIT_USER_PER_MINUTE: undefined,
  RATE_LIMIT_KEY_TESTS_PER_MINUTE: undefined,
  READINESS_CACHE_SECONDS: undefined,
  AUDIT_LOG_FILE: undefined,
};
const CLK_TCK = clockTicks();

function positiveInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 100_000) throw new Error(`${name} must be a positive integer, got ${raw}`);
  return value;
}

function clockTicks(): number {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
}

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);

// ---------------------------------------------------------------------------------------------
// Processes: every one is tracked and stopped in `finally` and on SIGINT/SIGTERM (the support
// helpers SIGKILL whatever is left at exit).

interface Server extends ServiceProcess {
  /** Whether it serves GET /metrics (the service does, the baseline does not). */
  metrics: boolean;
}

const running = new Set<{ stop(): Promise<void> }>();
let currentCannon: Cannon | undefined;
let interrupted = false;

function checkInterrupted(): void {
  if (interrupted) throw new Error('interrupted');
}

function profileArgs(name: string): string[] {
  return process.env.BENCH_CPU_PROF === '1' ? ['--cpu-prof', `--cpu-prof-dir=${join(OUT_DIR, 'profiles')}`, `--cpu-prof-name=${name}.cpuprofile`] : [];
}

async function track<T extends { stop(): Promise<void> }>(started: Promise<T>): Promise<T> {
  checkInterrupted();
  const handle = await started;
  running.add(handle);
  return handle;
}

async function stop(handle: { stop(): Promise<void> }): Promise<void> {
  if (!running.delete(handle)) return;
  await handle.stop();
}

async function service(name: string, extra: Record<string, string> = {}): Promise<Server> {
  const started = await track(
    startServiceProcess(name, { ...SERVICE_ENV, ...extra }, { readyPath: '/readyz', readyTimeoutMs: READY_TIMEOUT_MS, logFile: join(OUT_DIR, `${name}.log`), nodeArgs: profileArgs(name) }),
  );
  log(`${name} ready at ${started.url} (pid ${started.pid})`);
  return Object.assign(started, { metrics: true });
}

async function baselineServer(): Promise<Server> {
  const started = await track(
    startNodeProcess('baseline', join(ROOT, 'scripts/bench-baseline.mjs'), { env: { HOME: process.env.HOME, NODE_ENV: 'production' }, readyPath: '/', readyTimeoutMs: READY_TIMEOUT_MS, logFile: join(OUT_DIR, 'baseline.log'), nodeArgs: profileArgs('baseline') }),
  );
  log(`baseline ready at ${started.url} (pid ${started.pid})`);
  return Object.assign(started, { metrics: false });
}

async function redisServer(): Promise<TestRedis> {
  const redis = await track(startTestRedis().catch((error: Error) => Promise.reject(new Error(`${error.message} (is it installed? Debian: apt-get install redis-server)`))));
  log(`redis ready at ${redis.url} (pid ${redis.pid})`);
  return redis;
}

// One clean-up, whoever asks first (the end of main or a signal): stop the load and every process,
// then remove the benchmark's Keycloak users (bounded).
let cleaning: Promise<unknown> | undefined;
const cleanup = () =>
  (cleaning ??= (async () => {
    currentCannon?.stop();
    await Promise.all([...running].map((handle) => stop(handle)));
    await Promise.race([deleteCreatedUsers(), sleep(10_000)]);
  })());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping the load and every server started`);
    void cleanup().finally(() => process.exit(130));
  });
}

// ---------------------------------------------------------------------------------------------
// CPU accounting (Linux /proc): how much CPU each side used during a measured run.

function procTicks(pid: number | string): { pgrp: number; ticks: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return undefined;
  }
}

/** CPU ticks of every process in Keycloak's process group (kc.sh and the JVM; setsid by keycloak.sh). */
function keycloakTicks(): number | undefined {
  let leader: number;
  try {
    leader = Number(readFileSync(join(ROOT, `.data/keycloak/${process.env.BENCH_KEYCLOAK_INSTANCE || 'test'}/keycloak.pid`), 'utf8').trim());
  } catch {
    return undefined;
  }
  let total = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const info = procTicks(entry);
    if (info && info.pgrp === leader) total += info.ticks;
  }
  return total;
}

/** CPU ticks of all `pids` (undefined when one cannot be read). */
function ticksOf(pids: readonly number[]): number | undefined {
  let total = 0;
  for (const pid of pids) {
    const ticks = procTicks(pid)?.ticks;
    if (ticks === undefined) return undefined;
    total += ticks;
  }
  return total;
}

function cpuMeter(pids: readonly number[], redisPid: number | undefined): () => CpuCores {
  const start = { at: process.hrtime.bigint(), self: process.cpuUsage(), server: ticksOf(pids), keycloak: keycloakTicks(), redis: redisPid === undefined ? undefined : procTicks(redisPid)?.ticks };
  return () => {
    const seconds = Number(process.hrtime.bigint() - start.at) / 1e9;
    const self = process.cpuUsage(start.self);
    const server = ticksOf(pids);
    const keycloak = keycloakTicks();
    const redis = redisPid === undefined ? undefined : procTicks(redisPid)?.ticks;
    const cores = (ticks: number) => round(ticks / CLK_TCK / seconds, 2);
    const delta = (now: number | undefined, then: number | undefined) => (now === undefined || then === undefined ? null : cores(now - then));
    return {
      ...(redisPid === undefined ? {} : { redis: delta(redis, start.redis) }),
      loadGenerator: round((self.user + self.system) / 1e6 / seconds, 2),
      server: delta(server, start.server),
      keycloak: delta(keycloak, start.keycloak),
    };
  };
}

// ---------------------------------------------------------------------------------------------
// Keycloak and service API helpers (loopback only). Users, tokens and keys come from the test support.

const internalToken = () => clientToken(INTERNAL_CLIENT);
const createdUsers: string[] = [];

async function createUser(tier: string): Promise<TestUser> {
  const user = await createTestUser({ tier, firstName: 'Bench', lastName: 'User' });
  createdUsers.push(user.id);
  return user;
}

async function deleteCreatedUsers(): Promise<void> {
  if (createdUsers.length === 0) return;
  try {
    const kc = await masterAdmin();
    for (const id of createdUsers.splice(0)) await kc.users.del({ id });
  } catch (error) {
    log(`could not delete the benchmark users (${(error as Error).message})`);
  }
}

/** Gives `user` `count` openai keys through the service's own user API. */
async function addKeys(server: Server, user: TestUser, count: number): Promise<void> {
  const token = await userToken(user);
  for (let i = 1; i <= count; i += 1) {
    const response = await fetch(`${server.url}/api/v1/byok/keys/add`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'openai', apiKey: testApiKey('openai'), label: `bench ${i}` }),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status !== 201) throw new Error(`adding key ${i} through ${server.name} failed: ${response.status} ${await response.text()}`);
  }
}

interface ResolveAnswer {
  apiKey?: string;
  source?: string;
  provider?: string;
  error?: { code?: string };
}

async function resolveOnce(server: Server, token: string, userId: string): Promise<{ status: number; body: ResolveAnswer | undefined }> {
  const response = await fetch(`${server.url}/api/v1/internal/resolve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ userId, model: 'gpt-4o' }),
    signal: AbortSignal.timeout(30_000),
  });
  const body = (await response.json().catch(() => undefined)) as ResolveAnswer | undefined;
  return { status: response.status, body };
}

async function scrape(server: Server): Promise<string> {
  const response = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`GET /metrics on ${server.name}: ${response.status}`);
  return response.text();
}

// ---------------------------------------------------------------------------------------------
// Load.

function cannon(options: CannonOptions): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    if (interrupted) return reject(new Error('interrupted'));
    currentCannon = autocannon(options, (error, result) => {
      currentCannon = undefined;
      if (error) reject(error);
      else if (interrupted) reject(new Error('interrupted'));
      else resolve(result);
    });
  });
}

/** One autocannon run against `target`, or against several servers at once (its connections spread over them). */
async function measure(name: string, target: Server | Server[], path: string, token: string | undefined, userId: string, redis?: TestRedis): Promise<Run> {
  const servers = Array.isArray(target) ? target : [target];
  // autocannon hands connection i to url i mod n: a multiple of n loads every instance alike.
  const connections = Math.ceil(SETTINGS.connections / servers.length) * servers.length;
  const options: CannonOptions = {
    url: servers.length === 1 ? `${servers[0]?.url}${path}` : servers.map((s) => `${s.url}${path}`),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ userId, model: 'gpt-4o' }),
    connections,
    pipelining: SETTINGS.pipelining,
    timeout: 10,
  };
  log(`${name}: warm-up ${SETTINGS.warmup} s`);
  await cannon({ ...options, duration: SETTINGS.warmup });
  log(`${name}: measuring ${SETTINGS.duration} s, ${connections} connections`);
  const calls = async (): Promise<Calls | undefined> =>
    servers.every((s) => s.metrics) ? sumCalls(await Promise.all(servers.map(async (s) => keycloakCalls(await scrape(s))))) : undefined;
  const before = await calls();
  const cpu = cpuMeter(servers.map((s) => s.pid), redis?.pid);
  const result = await cannon({ ...options, duration: SETTINGS.duration });
  const cpuUsed = cpu();
  const after = await calls();
  return {
    scenario: name,
    instances: servers.length,
    connections,
    requestsPerSecond: round(result.requests.mean, 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    maxMs: result.latency.max,
    requests: result.requests.total,
    ok2xx: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    cpuCores: cpuUsed,
    keycloakCalls: before && after ? diffCalls(after, before) : undefined,
  };
}

// ---------------------------------------------------------------------------------------------
// Scale-out: the warm resolve against 1, 2, ... instances sharing one Redis.

async function scaleOut(): Promise<NonNullable<Results['scaleOut']>> {
  const redis = await redisServer();
  const prefix = `bench-${randomBytes(3).toString('hex')}:`;
  const instances: Server[] = [];
  for (let i = 1; i <= SETTINGS.instances; i += 1) instances.push(await service(`service-scale-${i}`, { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix }));
  const user = await createUser('starter');
  await addKeys(instances[0] as Server, user, 3);
  const token = await internalToken();
  // Every instance has the user cached (a warm resolve), as behind a load balancer after a while.
  for (const instance of instances) {
    const probe = await resolveOnce(instance, token, user.id);
    if (probe.status !== 200) throw new Error(`resolve probe on ${instance.name}: ${probe.status} ${probe.body?.error?.code ?? ''}`);
  }
  // Rounds of 1, 2, ... instances, alternating (drift of this shared machine hits every step alike);
  // each step's figure is its median round.
  const runs: Run[][] = instances.map(() => []);
  for (let r = 1; r <= SETTINGS.rounds; r += 1) {
    log(`scale-out round ${r} of ${SETTINGS.rounds}`);
    for (let n = 1; n <= instances.length; n += 1) {
      runs[n - 1]?.push(await measure(`scale-out ${n}`, instances.slice(0, n), '/api/v1/internal/resolve', token, user.id, redis));
    }
  }
  const medians = runs.map((stepRuns) => ({ ...medianRun(stepRuns), rounds: stepRuns.map((run) => run.requestsPerSecond) }));
  const first = medians[0]?.requestsPerSecond ?? 1;
  const steps: ScaleOutStep[] = medians.map((step) => ({ ...step, growth: round(step.requestsPerSecond / first, 3) }));
  for (const instance of instances) await stop(instance);
  await stop(redis);
  return { instances: instances.length, steps };
}

// ---------------------------------------------------------------------------------------------

function write(file: string, results: Results, text: string): void {
  results.finishedAt = new Date().toISOString();
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, file), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${text}\n\nwritten: .data/bench/${file}\n`);
}

async function main(): Promise<boolean> {
  mkdirSync(OUT_DIR, { recursive: true });
  log(`Keycloak at ${KEYCLOAK_URL}`);
  const results: Results = {
    startedAt: new Date().toISOString(),
    settings: SETTINGS,
    machine: { cpus: availableParallelism(), node: process.version },
    scenarios: [],
    tokenCounts: {},
  };

  if (SETTINGS.only === 'scale-out') {
    results.scaleOut = await scaleOut();
    write('scale-out.json', results, scaleOutReport(results));
    return true;
  }
  if (SETTINGS.only !== undefined) throw new Error(`BENCH_ONLY must be scale-out or unset, got ${SETTINGS.only}`);

  // 1 and 2. Baseline and warm resolves, measured in alternating rounds (both servers up, one
  // loaded at a time) so that drift of this shared 2-core machine hits both alike; each figure is
  // the median round. The warm user is a starter with 3 openai keys, added through the service.
  const base = await baselineServer();
  const warm = await service('service-warm');
  const user = await createUser('starter');
  await addKeys(warm, user, 3);
  let token = await internalToken();
  const probe = await resolveOnce(warm, token, user.id);
  if (probe.status !== 200 || !probe.body?.apiKey?.startsWith('sk-proj-')) throw new Error(`resolve probe: ${probe.status} ${probe.body?.error?.code ?? ''}`);
  log(`resolve probe: 200 (source ${probe.body.source ?? '?'}, provider ${probe.body.provider ?? '?'})`);
  const baseRuns: Run[] = [];
  const warmRuns: Run[] = [];
  for (let r = 1; r <= SETTINGS.rounds; r += 1) {
    log(`round ${r} of ${SETTINGS.rounds}`);
    baseRuns.push(await measure('baseline', base, '/ping', undefined, 'baseline-user'));
    warmRuns.push(await measure('resolve warm', warm, '/api/v1/internal/resolve', token, user.id));
  }
  results.baseline = medianRun(baseRuns);
  results.scenarios.push(medianRun(warmRuns));
  results.rounds = { baseline: baseRuns.map((run) => run.requestsPerSecond), warm: warmRuns.map((run) => run.requestsPerSecond) };
  // For comparison only (no target): the same endpoint reached through Express's router, as any URL
  // but the exact path is (a query string; a trailing slash is a 404 since routing became strict);
  // the difference is what the direct path saves.
  results.scenarios.push(await measure('warm via Express', warm, '/api/v1/internal/resolve?via=express', token, user.id));
  await stop(base);
  // The burst user's keys are written through this instance, so the burst instance never saw it.
  const burstUser = await createUser('starter');
  await addKeys(warm, burstUser, 3);
  results.tokenCounts['warm'] = tokenRequests(await scrape(warm));
  await stop(warm);

  // 3. Cold resolves: no owner cache, every resolve reads Keycloak.
  const cold = await service('service-cold', { OWNER_CACHE_TTL_SECONDS: '0' });
  token = await internalToken();
  const coldProbe = await resolveOnce(cold, token, user.id);
  if (coldProbe.status !== 200) throw new Error(`cold resolve probe: ${coldProbe.status} ${coldProbe.body?.error?.code ?? ''}`);
  results.scenarios.push(await measure('resolve cold', cold, '/api/v1/internal/resolve', token, user.id));
  results.tokenCounts['cold'] = tokenRequests(await scrape(cold));
  await stop(cold);

  // 4. Burst on a fresh instance.
  const fresh = await service('service-burst');
  token = await internalToken();
  const before = await scrape(fresh);
  const started = process.hrtime.bigint();
  const statuses = await Promise.all(
    Array.from({ length: SETTINGS.burst }, () =>
      resolveOnce(fresh, token, burstUser.id).then(
        (r): number => (r.status === 200 && r.body?.apiKey ? 200 : r.status),
        (error: Error) => `error: ${error.message}`,
      ),
    ),
  );
  const wallMs = Math.round(Number(process.hrtime.bigint() - started) / 1e6);
  const after = await scrape(fresh);
  const failures = statuses.filter((s) => s !== 200);
  if (failures.length > 0) log(`burst failures (first 5): ${failures.slice(0, 5).join(', ')}`);
  const userReads = (text: string) => metricSum(text, 'byok_keycloak_request_duration_seconds_count', { operation: 'users.findOne' });
  const burst: Burst = {
    concurrency: SETTINGS.burst,
    ok: statuses.length - failures.length,
    failed: failures.length,
    wallMs,
    userReads: userReads(after) - userReads(before),
    keycloakCalls: diffCalls(keycloakCalls(after), keycloakCalls(before)),
    tokenRequestsDuring: tokenRequests(after) - tokenRequests(before),
    tokenRequestsLifetime: tokenRequests(after),
  };
  results.burst = burst;
  results.tokenCounts['burst'] = burst.tokenRequestsLifetime;
  await stop(fresh);

  // 5. Scale-out over Redis.
  results.scaleOut = await scaleOut();

  write('latest.json', results, `${report(results)}\n\n${scaleOutReport(results)}`);
  return (results.targets ?? []).every((t) => t.pass);
}

let exitCode = 0;
try {
  const allPassed = await main();
  if (!allPassed && process.env.BENCH_STRICT === '1') exitCode = 1;
} catch (error) {
  if (!interrupted) log(`failed: ${(error as Error).stack ?? (error as Error).message}`);
  exitCode = interrupted ? 130 : 1;
} finally {
  await cleanup();
}
process.exit(interrupted ? 130 : exitCode);
