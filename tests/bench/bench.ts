// Performance benchmark of POST /api/v1/internal/resolve (run by scripts/bench.sh = `npm run bench`,
// which builds, starts the test Keycloak and bootstraps realm byok first, then runs this file with tsx).
//
// Every server is its own child process on 127.0.0.1, started with the test support helpers
// (tests/support/service-process.ts, redis.ts, keycloak.ts); the load generator (autocannon) runs in
// this process. Scenarios, one after the other, one server at a time:
//   baseline       scripts/bench-baseline-http.mjs: plain node:http, POST /ping: read the body, JSON.parse,
//                  a small JSON answer (the limit for a Node service; issue 15's targets are against it)
//   bare Express   scripts/bench-baseline.mjs: Express 5, POST /ping, express.json only (for comparison)
//   resolve warm   node dist/main.js, default owner cache
//   minimal handler  scripts/bench-minimal-resolve.mjs: issue 15's 40-line node:http handler doing only the
//                  resolve's essential work (token in a Map, JSON.parse, AES-256-GCM decipher with AD
//                  per request, a cursor, JSON answer with request id and no-store); for comparison
//   warm via Express  the same, at /api/v1/internal/resolve?via=express (routed by Express instead of served
//                  directly; for comparison, no target)
//   resolve cold   node dist/main.js with OWNER_CACHE_TTL_SECONDS=0 (every resolve reads Keycloak)
//   burst          a fresh node dist/main.js; 500 concurrent resolves for a user it has never seen
//   scale-out      BENCH_INSTANCES (3) node dist/main.js sharing a redis-server of the benchmark's own
//                  (shared cursors, locks, invalidation); the warm resolve against the first 1, 2, ...
//                  of them, one load generator spreading its connections over the instances
//                  (BENCH_ROUNDS alternating rounds, the median round of each step counts)
//   gateway        (issue 14) one chat completion three ways, to scripts/bench-upstream.mjs, a fake
//                  OpenAI (POST /v1/chat/completions: 329 bytes of JSON with usage, or with
//                  "stream": true 6 SSE chunks 1 ms apart, the first at once; it accepts only the
//                  user's key, so a request signed otherwise counts as non-2xx):
//                    direct                the load straight at the upstream
//                    minimal pass-through  scripts/bench-passthrough.mjs: node:http in, one undici Pool
//                                          out, body held, authorization swapped, answer streamed back
//                                          (the limit for a Node gateway)
//                    gateway               node dist/main.js with OPENAI_BASE_URL at the upstream;
//                                          POST /api/v1/proxy/openai/chat/completions with an internal
//                                          client's token and X-Byok-User of a user who added the key
//                  For each, in BENCH_ROUNDS alternating rounds (median round): throughput at saturation
//                  (autocannon); latency at a fixed BENCH_FIXED_RATE; the time to the first byte of a
//                  streamed answer over BENCH_FIRST_BYTE_REQUESTS requests one after another. The last
//                  two are timed by tests/bench/latency-probe.ts in a child process (undici and
//                  process.hrtime), because autocannon's latencies are whole milliseconds (its HDR
//                  histogram's unit), too coarse for the 0.5 ms target. Targets: gateway throughput
//                  >= 0.6x the pass-through's; added p50 over direct at the fixed rate <= 0.5 ms; added
//                  time to first byte <= 1 ms.
// Every autocannon run also keeps its 2xx latencies unrounded (from its `response` events: its own
// histogram truncates them to whole milliseconds, 1.99 ms counts as 1): the table's "p99 ms (sub-ms)"
// column and issue 15's p99 target use those; the whole-millisecond columns stay for comparison.
// Prints a table and the targets (PASS/MISS) and writes the same as JSON to .data/bench/latest.json
// (BENCH_ONLY=scale-out: scale-out.json; BENCH_ONLY=gateway: gateway.json).
//
// Environment: BENCH_DURATION (s, 10), BENCH_CONNECTIONS (50), BENCH_WARMUP (s, 2), BENCH_BURST (500),
// BENCH_ROUNDS (3: baseline and warm resolve alternate, the median round counts),
// BENCH_INSTANCES (3: the largest scale-out step), BENCH_ONLY=resolve, scale-out or gateway (only those scenarios),
// BENCH_FIXED_RATE (requests/s, 1000), BENCH_FIRST_BYTE_REQUESTS (300, after 30 unrecorded),
// BYOK_TEST_KEYCLOAK_URL (set by bench.sh from BENCH_KEYCLOAK_URL), BENCH_KEYCLOAK_INSTANCE (test:
// whose pid file names the Keycloak process group for the CPU figures), BENCH_STRICT=1 (exit 1 when
// a target is missed), BENCH_CPU_PROF=1 (every server child runs with --cpu-prof; profiles in
// .data/bench/profiles, open them in Chrome DevTools or summarise them with
// `node --import tsx tests/bench/profile-summary.ts <file> [top] [filter]`; profiling slows the
// servers, so figures are then not comparable), BENCH_BEFORE_DIST (another build's dist/main.js, for
// example of the commit before a change: its warm resolve is measured in the same alternating rounds,
// a row "resolve warm (before)", so that what a change gained is read side by side; several builds
// separated by commas give a row each, named after the directory that holds their dist/).
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon, { type Instance as Cannon, type Options as CannonOptions, type Result as CannonResult } from 'autocannon';
import { INTERNAL_CLIENT, KEYCLOAK_URL } from '../support/env.js';
import { clientToken, createTestUser, masterAdmin, userToken, type TestUser } from '../support/keycloak.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { testApiKey } from '../support/secrets.js';
import { startNodeProcess, startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import type { ProbeSpec } from './latency-probe.js';
import {
  diffCalls,
  gatewayReport,
  keycloakCalls,
  medianBy,
  medianRun,
  metricSum,
  report,
  resolveReport,
  round,
  scaleOutReport,
  sumCalls,
  summarise,
  tokenRequests,
  type Burst,
  type Calls,
  type CpuCores,
  type FirstByteRun,
  type FixedRateRun,
  type GatewayResults,
  type GatewayScenario,
  type GatewayScenarioName,
  type Results,
  type Run,
  type ScaleOutStep,
  type Settings,
} from './report.js';
import { deployedEnv, positiveInt, runBench } from './run.js';

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
  beforeDist: process.env.BENCH_BEFORE_DIST || undefined,
  pipelining: 1,
  fixedRate: positiveInt('BENCH_FIXED_RATE', 1000),
  firstByteRequests: positiveInt('BENCH_FIRST_BYTE_REQUESTS', 300),
};
const READY_TIMEOUT_MS = 60_000;
/** The services' GET /metrics token (METRICS_TOKEN), made per run. */
const METRICS_TOKEN = randomBytes(24).toString('base64url');
/** What the services run with (run.ts). */
const SERVICE_ENV = deployedEnv(METRICS_TOKEN);
const CLK_TCK = clockTicks();

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

async function service(name: string, extra: Record<string, string> = {}, entry?: string): Promise<Server> {
  const started = await track(
    startServiceProcess(
      name,
      { ...SERVICE_ENV, ...extra },
      { readyPath: '/readyz', readyTimeoutMs: READY_TIMEOUT_MS, logFile: join(OUT_DIR, `${name}.log`), nodeArgs: profileArgs(name), ...(entry ? { entry } : {}) },
    ),
  );
  log(`${name} ready at ${started.url} (pid ${started.pid})`);
  return Object.assign(started, { metrics: true });
}

/** One of the benchmark's own servers (scripts/bench-*.mjs), with only `env` besides PATH and PORT. */
async function scriptServer(name: string, script: string, env: Record<string, string> = {}): Promise<Server> {
  const started = await track(
    startNodeProcess(name, join(ROOT, script), { env: { HOME: process.env.HOME, NODE_ENV: 'production', ...env }, readyPath: '/', readyTimeoutMs: READY_TIMEOUT_MS, logFile: join(OUT_DIR, `${name}.log`), nodeArgs: profileArgs(name) }),
  );
  log(`${name} ready at ${started.url} (pid ${started.pid})`);
  return Object.assign(started, { metrics: false });
}

const baselineServer = () => scriptServer('baseline', 'scripts/bench-baseline-http.mjs');
const expressServer = () => scriptServer('express', 'scripts/bench-baseline.mjs');

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

/** Besides the servers measured: processes whose CPU is reported on their own. */
interface OtherPids {
  redis?: number;
  upstream?: number;
}

function cpuMeter(pids: readonly number[], others: OtherPids = {}): () => CpuCores {
  const ticksOfOthers = () => ({
    redis: others.redis === undefined ? undefined : procTicks(others.redis)?.ticks,
    upstream: others.upstream === undefined ? undefined : procTicks(others.upstream)?.ticks,
  });
  const start = { at: process.hrtime.bigint(), self: process.cpuUsage(), server: ticksOf(pids), keycloak: keycloakTicks(), ...ticksOfOthers() };
  return () => {
    const seconds = Number(process.hrtime.bigint() - start.at) / 1e9;
    const self = process.cpuUsage(start.self);
    const server = ticksOf(pids);
    const keycloak = keycloakTicks();
    const now = ticksOfOthers();
    const cores = (ticks: number) => round(ticks / CLK_TCK / seconds, 2);
    const delta = (later: number | undefined, then: number | undefined) => (later === undefined || then === undefined ? null : cores(later - then));
    return {
      ...(others.redis === undefined ? {} : { redis: delta(now.redis, start.redis) }),
      ...(others.upstream === undefined ? {} : { upstream: delta(now.upstream, start.upstream) }),
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

/** Gives `user` the openai key `apiKey` through the service's own user API. */
async function addKey(server: Server, token: string, apiKey: string, label: string): Promise<void> {
  const response = await fetch(`${server.url}/api/v1/byok/keys/add`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'openai', apiKey, label }),
    signal: AbortSignal.timeout(10_000),
  });
  if (response.status !== 201) throw new Error(`adding "${label}" through ${server.name} failed: ${response.status} ${await response.text()}`);
}

/** Gives `user` `count` fresh openai keys through the service's own user API. */
async function addKeys(server: Server, user: TestUser, count: number): Promise<void> {
  const token = await userToken(user);
  for (let i = 1; i <= count; i += 1) await addKey(server, token, testApiKey('openai'), `bench ${i}`);
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

/** One autocannon run; `latencies`, when given, receives every 2xx answer's latency in milliseconds, unrounded. */
function cannon(options: CannonOptions, latencies?: number[]): Promise<CannonResult> {
  return new Promise((resolve, reject) => {
    if (interrupted) return reject(new Error('interrupted'));
    currentCannon = autocannon(options, (error, result) => {
      currentCannon = undefined;
      if (error) reject(error);
      else if (interrupted) reject(new Error('interrupted'));
      else resolve(result);
    });
    // autocannon times each answer with process.hrtime, then its HDR histogram (unit: 1 ms) truncates
    // the figure to whole milliseconds; its `response` event still carries the exact one.
    if (latencies !== undefined) {
      currentCannon.on('response', (_client, statusCode, _bytes, responseTime) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      });
    }
  });
}

/** What one load run sends: always a POST. */
interface LoadRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A resolve request (and the baseline's /ping, which takes the same body). */
function resolveRequest(path: string, token: string | undefined, userId: string): LoadRequest {
  return { path, headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify({ userId, model: 'gpt-4o' }) };
}

/** One autocannon run against `target`, or against several servers at once (its connections spread over them). */
async function measure(name: string, target: Server | Server[], request: LoadRequest, others: OtherPids = {}): Promise<Run> {
  const servers = Array.isArray(target) ? target : [target];
  // autocannon hands connection i to url i mod n: a multiple of n loads every instance alike.
  const connections = Math.ceil(SETTINGS.connections / servers.length) * servers.length;
  const options: CannonOptions = {
    url: servers.length === 1 ? `${servers[0]?.url}${request.path}` : servers.map((s) => `${s.url}${request.path}`),
    method: 'POST',
    headers: request.headers,
    body: request.body,
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
  const cpu = cpuMeter(servers.map((s) => s.pid), others);
  const latencies: number[] = [];
  const result = await cannon({ ...options, duration: SETTINGS.duration }, latencies);
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
    latencyMs: summarise(latencies),
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
      runs[n - 1]?.push(await measure(`scale-out ${n}`, instances.slice(0, n), resolveRequest('/api/v1/internal/resolve', token, user.id), { redis: redis.pid }));
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
// Gateway (issue 14): the same chat completion sent straight to a fake upstream, through the minimal
// pass-through and through the gateway, in alternating rounds.

const PROBE = join(ROOT, 'tests/bench/latency-probe.ts');
const CHAT = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hello.' }] };
const CHAT_BODY = JSON.stringify(CHAT);
const STREAM_BODY = JSON.stringify({ ...CHAT, stream: true, stream_options: { include_usage: true } });
const UPSTREAM_SSE = { chunks: 6, chunkMs: 1 }; // scripts/bench-upstream.mjs defaults: role, 2 words, finish, usage, [DONE]

interface GatewayTarget {
  scenario: GatewayScenarioName;
  server: Server;
  path: string;
  /** Fresh per run: the gateway's caller token is a short-lived Keycloak token. */
  headers: () => Promise<Record<string, string>>;
  others: OtherPids;
}

/** Runs tests/bench/latency-probe.ts in a child process with `spec` and returns its result. */
async function latencyProbe<T>(spec: ProbeSpec): Promise<T> {
  checkInterrupted();
  const child = spawn(process.execPath, ['--import', 'tsx', PROBE], { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: 'production' }, stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const handle = {
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
  running.add(handle);
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stdin.end(JSON.stringify(spec));
  const code = await exited;
  running.delete(handle);
  checkInterrupted();
  if (code !== 0) throw new Error(`the latency probe (${spec.mode}) exited with ${code}`);
  return JSON.parse(out) as T;
}

const probeTargets = (targets: readonly GatewayTarget[]) => Promise.all(targets.map(async (t) => ({ origin: t.server.url, path: t.path, headers: await t.headers() })));

/**
 * All targets at SETTINGS.fixedRate, interleaved in 250 ms slices (each gets SETTINGS.duration s of
 * samples), with each server's CPU time per request it answered (the upstream answers every
 * scenario's requests; warm-up included in both).
 */
async function fixedRateRuns(targets: readonly GatewayTarget[]): Promise<FixedRateRun[]> {
  const seconds = SETTINGS.duration * targets.length;
  log(`${targets.map((t) => t.scenario).join(', ')}: ${SETTINGS.fixedRate} req/s in turns of 250 ms, ${SETTINGS.warmup} + ${seconds} s (latency probe)`);
  const pids = targets.map((t) => t.server.pid);
  const before = pids.map((pid) => procTicks(pid)?.ticks);
  const runs = await latencyProbe<FixedRateRun[]>({ mode: 'fixed-rate', targets: await probeTargets(targets), body: CHAT_BODY, rate: SETTINGS.fixedRate, sliceMs: 250, warmupSeconds: SETTINGS.warmup, seconds });
  const after = pids.map((pid) => procTicks(pid)?.ticks);
  const requests = runs.map((run) => (run.sent * (SETTINGS.warmup + seconds)) / seconds);
  return runs.map((run, i) => {
    const pid = pids[i] as number;
    const served = targets.reduce((sum, t, j) => sum + (t.server.pid === pid || t.others.upstream === pid ? (requests[j] ?? 0) : 0), 0);
    const ticks = after[i] === undefined || before[i] === undefined ? undefined : (after[i] as number) - (before[i] as number);
    return { ...run, serverCpuUsPerRequest: ticks === undefined || served === 0 ? null : Math.round(((ticks / CLK_TCK) * 1e6) / served) };
  });
}

async function firstByteRuns(targets: readonly GatewayTarget[]): Promise<FirstByteRun[]> {
  log(`${targets.map((t) => t.scenario).join(', ')}: ${SETTINGS.firstByteRequests} streamed requests each, one at a time, in turn (latency probe)`);
  return latencyProbe<FirstByteRun[]>({ mode: 'first-byte', targets: await probeTargets(targets), body: STREAM_BODY, requests: SETTINGS.firstByteRequests, warmup: 30 });
}

/**
 * One plain and one streamed request through `target` before any load: both 200 with an answer of
 * the fake upstream (which accepts only the user's key), and the key nowhere in what comes back.
 * Returns the size of the plain answer's body.
 */
async function probeChat(target: GatewayTarget, apiKey: string): Promise<number> {
  const send = async (body: string) => {
    const response = await fetch(`${target.server.url}${target.path}`, { method: 'POST', headers: await target.headers(), body, signal: AbortSignal.timeout(10_000) });
    const text = await response.text();
    const seen = `${JSON.stringify([...response.headers])}${text}`;
    if (target.scenario !== 'direct' && seen.includes(apiKey)) throw new Error(`${target.scenario}: the provider key came back to the caller`);
    return { response, text };
  };
  const plain = await send(CHAT_BODY);
  if (plain.response.status !== 200 || !plain.text.includes('"chat.completion"')) throw new Error(`${target.scenario} probe: ${plain.response.status} ${plain.text.slice(0, 300)}`);
  const streamed = await send(STREAM_BODY);
  const type = streamed.response.headers.get('content-type') ?? '';
  if (streamed.response.status !== 200 || !type.startsWith('text/event-stream') || !streamed.text.endsWith('data: [DONE]\n\n'))
    throw new Error(`${target.scenario} streamed probe: ${streamed.response.status} ${type} ${streamed.text.slice(0, 300)}`);
  log(`${target.scenario} probe: 200 (${Buffer.byteLength(plain.text)} bytes), streamed 200`);
  return Buffer.byteLength(plain.text);
}

async function gatewayBench(): Promise<GatewayResults> {
  // One provider key, known here: the upstream accepts only it, the pass-through signs with it, and
  // the gateway's user has it (added through the service, so the gateway decrypts it as in production).
  const apiKey = testApiKey('openai');
  const upstream = await scriptServer('upstream', 'scripts/bench-upstream.mjs', { UPSTREAM_API_KEY: apiKey });
  const passThrough = await scriptServer('passthrough', 'scripts/bench-passthrough.mjs', { UPSTREAM_URL: upstream.url, PASSTHROUGH_API_KEY: apiKey });
  const gateway = await service('service-gateway', { OPENAI_BASE_URL: `${upstream.url}/v1` });
  const user = await createUser('starter');
  await addKey(gateway, await userToken(user), apiKey, 'bench gateway');
  const json = { 'content-type': 'application/json' };
  const targets: GatewayTarget[] = [
    { scenario: 'direct', server: upstream, path: '/v1/chat/completions', headers: async () => ({ ...json, authorization: `Bearer ${apiKey}` }), others: {} },
    { scenario: 'minimal pass-through', server: passThrough, path: '/v1/chat/completions', headers: async () => ({ ...json, authorization: 'Bearer caller-credential' }), others: { upstream: upstream.pid } },
    {
      scenario: 'gateway',
      server: gateway,
      path: '/api/v1/proxy/openai/chat/completions',
      headers: async () => ({ ...json, authorization: `Bearer ${await internalToken()}`, 'x-byok-user': user.id }),
      others: { upstream: upstream.pid },
    },
  ];
  let jsonBytes = 0;
  for (const target of targets) jsonBytes = await probeChat(target, apiKey);

  // Alternating rounds: the saturation runs go over the three scenarios one after the other, the
  // latency probe interleaves them, so drift of this shared machine hits them alike; each figure is
  // its median round.
  const runs = targets.map(() => ({ saturation: [] as Run[], fixedRate: [] as FixedRateRun[], firstByte: [] as FirstByteRun[] }));
  for (let r = 1; r <= SETTINGS.rounds; r += 1) {
    log(`gateway round ${r} of ${SETTINGS.rounds}`);
    for (const [i, t] of targets.entries()) runs[i]?.saturation.push(await measure(t.scenario, t.server, { path: t.path, headers: await t.headers(), body: CHAT_BODY }, t.others));
    for (const [i, run] of (await fixedRateRuns(targets)).entries()) runs[i]?.fixedRate.push(run);
    for (const [i, run] of (await firstByteRuns(targets)).entries()) runs[i]?.firstByte.push(run);
  }
  const scenarios = targets.map((t, i): GatewayScenario => {
    const { saturation, fixedRate, firstByte } = runs[i] as (typeof runs)[number];
    return {
      scenario: t.scenario,
      saturation: { ...medianRun(saturation), rounds: saturation.map((run) => run.requestsPerSecond) },
      fixedRate: { ...medianBy(fixedRate, (run) => run.latencyMs.p50), rounds: fixedRate.map((run) => run.latencyMs.p50) },
      firstByte: { ...medianBy(firstByte, (run) => run.firstByteMs.p50), rounds: firstByte.map((run) => run.firstByteMs.p50) },
    };
  });
  for (const server of [gateway, passThrough, upstream]) await stop(server);
  return { upstream: { sseChunks: UPSTREAM_SSE.chunks, chunkMs: UPSTREAM_SSE.chunkMs, jsonBytes }, scenarios };
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
  if (SETTINGS.only === 'gateway') {
    results.gateway = await gatewayBench();
    write('gateway.json', results, gatewayReport(results));
    return (results.targets ?? []).every((t) => t.pass);
  }
  if (SETTINGS.only !== undefined && SETTINGS.only !== 'resolve') throw new Error(`BENCH_ONLY must be resolve, scale-out, gateway or unset, got ${SETTINGS.only}`);

  // 1 and 2. Baseline and warm resolves, measured in alternating rounds (both servers up, one
  // loaded at a time) so that drift of this shared 2-core machine hits both alike; each figure is
  // the median round. The warm user is a starter with 3 openai keys, added through the service.
  const base = await baselineServer();
  const bareExpress = await expressServer();
  const warm = await service('service-warm');
  const user = await createUser('starter');
  await addKeys(warm, user, 3);
  let token = await internalToken();
  const probe = await resolveOnce(warm, token, user.id);
  if (probe.status !== 200 || !probe.body?.apiKey?.startsWith('sk-proj-')) throw new Error(`resolve probe: ${probe.status} ${probe.body?.error?.code ?? ''}`);
  log(`resolve probe: 200 (source ${probe.body.source ?? '?'}, provider ${probe.body.provider ?? '?'})`);
  // BENCH_BEFORE_DIST: another build's dist/main.js (the code before a change), measured in the same
  // rounds against the same user, so that a change's gain is read side by side.
  const beforeDists = SETTINGS.beforeDist?.split(',').filter((path) => path !== '') ?? [];
  const others: Array<{ name: string; server: Server; runs: Run[] }> = [];
  for (const [n, dist] of beforeDists.entries()) {
    const name = beforeDists.length === 1 ? 'before' : basename(dirname(dirname(dist)));
    const server = await service(`service-before-${n + 1}`, {}, dist);
    const beforeProbe = await resolveOnce(server, token, user.id);
    if (beforeProbe.status !== 200) throw new Error(`resolve probe (${name}): ${beforeProbe.status} ${beforeProbe.body?.error?.code ?? ''}`);
    others.push({ name: `resolve warm (${name})`, server, runs: [] });
  }
  // Issue 15's minimal handler doing only the resolve's essential work (scripts/bench-minimal-resolve.mjs).
  const minimal = await scriptServer('minimal', 'scripts/bench-minimal-resolve.mjs', { MINIMAL_TOKEN: token });
  const minimalRuns: Run[] = [];
  const baseRuns: Run[] = [];
  const expressRuns: Run[] = [];
  const warmRuns: Run[] = [];
  for (let r = 1; r <= SETTINGS.rounds; r += 1) {
    log(`round ${r} of ${SETTINGS.rounds}`);
    baseRuns.push(await measure('baseline (node:http)', base, resolveRequest('/ping', undefined, 'baseline-user')));
    expressRuns.push(await measure('bare Express', bareExpress, resolveRequest('/ping', undefined, 'baseline-user')));
    warmRuns.push(await measure('resolve warm', warm, resolveRequest('/api/v1/internal/resolve', token, user.id)));
    minimalRuns.push(await measure('minimal handler (node:http)', minimal, resolveRequest('/resolve', token, user.id)));
    for (const other of others) other.runs.push(await measure(other.name, other.server, resolveRequest('/api/v1/internal/resolve', token, user.id)));
  }
  results.baseline = medianRun(baseRuns);
  results.scenarios.push(medianRun(expressRuns), medianRun(warmRuns), medianRun(minimalRuns), ...others.map((other) => medianRun(other.runs)));
  await stop(minimal);
  for (const other of others) await stop(other.server);
  results.rounds = {
    baseline: baseRuns.map((run) => run.requestsPerSecond),
    express: expressRuns.map((run) => run.requestsPerSecond),
    warm: warmRuns.map((run) => run.requestsPerSecond),
  };
  await stop(bareExpress);
  // For comparison only (no target): the same endpoint reached through Express's router, as any URL
  // but the exact path is (a query string; a trailing slash is a 404 since routing became strict);
  // the difference is what the direct path saves.
  results.scenarios.push(await measure('warm via Express', warm, resolveRequest('/api/v1/internal/resolve?via=express', token, user.id)));
  await stop(base);
  if (SETTINGS.only === 'resolve') {
    results.tokenCounts['warm'] = tokenRequests(await scrape(warm));
    await stop(warm);
    write('resolve.json', results, resolveReport(results));
    return (results.targets ?? []).every((t) => t.pass);
  }
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
  results.scenarios.push(await measure('resolve cold', cold, resolveRequest('/api/v1/internal/resolve', token, user.id)));
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

  // 6. The gateway against a direct call and the minimal pass-through.
  results.gateway = await gatewayBench();

  const text = `${report(results)}\n\n${scaleOutReport(results)}\n\n${gatewayReport(results)}`;
  write('latest.json', results, text);
  return (results.targets ?? []).every((t) => t.pass);
}

await runBench(main, { cleanup, interrupted: () => interrupted, log });
