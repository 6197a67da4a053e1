// Benchmark of Keycloak's write load from usage counts (issue 15 item 3), run by scripts/bench.sh with
// BENCH_ONLY=usage-writes (which builds, starts the test Keycloak and bootstraps realm byok first).
//
// BENCH_USAGE_USERS (200) users, each with one openai key, are resolved at a fixed BENCH_USAGE_RATE
// (300 req/s, so every user is served every second or so) for BENCH_USAGE_WARMUP (65 s, longer than
// one flush interval, so that every instance is in its steady state: its first flush is behind it)
// and then, counted, for BENCH_USAGE_SECONDS (60) against
// BENCH_INSTANCES (3) instances (node dist/main.js) sharing a redis-server of the benchmark's own, the
// requests spread over them in turn. Counted per leg, from Keycloak's own admin events (USER UPDATE on
// the benchmark's users, by the service account): user writes during the load, and after it until the
// instances have stopped (their shutdown flush); from the instances' metrics, Keycloak user reads
// and writes during the load. Legs:
//   before            BENCH_BEFORE_DIST (a build of the code before the change, its dist/main.js), defaults
//                     (each instance writes its own counts every USAGE_FLUSH_INTERVAL_SECONDS = 60 s)
//   after             this build, defaults (USAGE_PERSIST_INTERVAL_SECONDS = 3600)
//   before, 5 s flush the old build with USAGE_FLUSH_INTERVAL_SECONDS=5 (time scaled down: the rate shows)
//   after, 20 s       this build, USAGE_FLUSH_INTERVAL_SECONDS=5 and USAGE_PERSIST_INTERVAL_SECONDS=20,
//                     on 3 instances and on 1 (the write rate should not depend on the instance count)
// Without BENCH_BEFORE_DIST the "before" legs are skipped. Prints a table and writes
// .data/bench/usage-writes.json.
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { loadConfig } from '../../src/config/config.js';
import { createVault } from '../../src/create-vault.js';
import { createLogger } from '../../src/observability/logger.js';
import { INTERNAL_CLIENT, KEYCLOAK_URL, REALM, serviceEnv } from '../support/env.js';
import { clientToken, masterAdmin } from '../support/keycloak.js';
import { startTestRedis, type TestRedis } from '../support/redis.js';
import { testApiKey } from '../support/secrets.js';
import { startNodeProcess, type ServiceProcess } from '../support/service-process.js';
import { metricSum } from './report.js';
import { deployedEnv, positiveInt, runBench } from './run.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT_DIR = join(ROOT, '.data', 'bench');
const AFTER_ENTRY = join(ROOT, 'dist', 'main.js');
const BEFORE_ENTRY = process.env.BENCH_BEFORE_DIST || undefined;
const USERS = positiveInt('BENCH_USAGE_USERS', 200);
const RATE = positiveInt('BENCH_USAGE_RATE', 300);
const SECONDS = positiveInt('BENCH_USAGE_SECONDS', 60);
const WARMUP = positiveInt('BENCH_USAGE_WARMUP', 65);
const INSTANCES = positiveInt('BENCH_INSTANCES', 3);
/** After the load, how long the instances get to stop (their shutdown flush) before the events are read. */
const SETTLE_MS = 5_000;
const METRICS_TOKEN = randomBytes(24).toString('base64url');

const log = (message: string) => process.stderr.write(`bench: ${message}\n`);
// Every service process adds an exit listener (tests/support/service-process.ts).
process.setMaxListeners(50);

interface Leg {
  name: string;
  entry: string;
  instances: number;
  env: Record<string, string>;
}

interface LegResult {
  leg: string;
  instances: number;
  settings: Record<string, string>;
  resolves: number;
  failed: number;
  /** PUT /users/{id} of the benchmark's users during the counted load (Keycloak's admin events). */
  userWritesDuringLoad: number;
  /** The same, from the end of the load until the instances had stopped (shutdown). */
  userWritesAtShutdown: number;
  /** From the instances' metrics, during the load: users.update and users.findOne calls. */
  metricsDuringLoad: { updates: number; reads: number };
  /** Writes per owner and minute during the load. */
  writesPerOwnerMinute: number;
}

const running = new Set<{ stop(): Promise<void> }>();
let redis: TestRedis | undefined;
const userIds: string[] = [];

async function createUsers(): Promise<void> {
  const kc = await masterAdmin();
  for (let i = 0; i < USERS; i += 1) {
    const username = `bench-usage-${randomBytes(5).toString('hex')}`;
    const { id } = await kc.users.create({ username, enabled: true, email: `${username}@example.com`, firstName: 'Bench', lastName: 'Usage', attributes: { subscription_tier: ['starter'] } });
    userIds.push(id);
  }
  // Keys through the service's own write path (the byok command's wiring), no tokens needed.
  const vault = createVault(loadConfig(serviceEnv({ LOG_LEVEL: 'silent' })), { logger: createLogger({ level: 'silent' }) });
  for (const id of userIds) await vault.keys.add({ kind: 'user', id }, { provider: 'openai', apiKey: testApiKey('openai'), label: 'bench usage' });
  log(`${USERS} users with one openai key each`);
}

async function deleteUsers(): Promise<void> {
  if (userIds.length === 0) return;
  const kc = await masterAdmin();
  for (const id of userIds.splice(0)) await kc.users.del({ id }).catch(() => undefined);
}

async function startInstance(leg: Leg, index: number, prefix: string): Promise<ServiceProcess> {
  const name = `usage-${leg.name.replace(/\W+/g, '-')}-${index}`;
  const env = serviceEnv({
    HOST: '127.0.0.1',
    ...deployedEnv(METRICS_TOKEN),
    RATE_LIMIT_INTERNAL_PER_SECOND: '0',
    AUDIT_LOG_FILE: join(OUT_DIR, `${name}.audit.jsonl`),
    REDIS_URL: redis?.url,
    REDIS_KEY_PREFIX: prefix,
    ...leg.env,
  });
  const started = await startNodeProcess(name, leg.entry, { env, readyPath: '/readyz', readyTimeoutMs: 60_000, logFile: join(OUT_DIR, `${name}.log`) });
  running.add(started);
  return started;
}

async function scrape(instance: ServiceProcess): Promise<{ updates: number; reads: number }> {
  const text = await (await fetch(`${instance.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } })).text();
  const count = (operation: string) => metricSum(text, 'byok_keycloak_request_duration_seconds_count', { operation });
  return { updates: count('users.update'), reads: count('users.findOne') };
}

/** USER UPDATE admin events on the benchmark's users with `from <= time < to` (Keycloak's clock = this machine's). */
async function userWrites(from: number, to: number): Promise<number> {
  const kc = await masterAdmin();
  const ours = new Set(userIds.map((id) => `users/${id}`));
  let count = 0;
  for (let first = 0; ; first += 1000) {
    const page = await kc.realms.findAdminEvents({ realm: REALM, dateFrom: String(from) as unknown as Date, first, max: 1000, resourceTypes: ['USER'] as unknown as string, operationTypes: 'UPDATE' });
    count += page.filter((event) => (event.time ?? 0) >= from && (event.time ?? 0) < to && ours.has(event.resourcePath ?? '')).length;
    if (page.length < 1000) return count;
  }
}

/** Resolves at a fixed rate, round-robin over users and instances; returns how many were sent and failed. */
async function load(instances: ServiceProcess[], token: string, seconds: number): Promise<{ resolves: number; failed: number }> {
  const dispatcher = new Agent({ keepAliveTimeout: 30_000, connections: 32 });
  const total = RATE * seconds;
  const started = Date.now();
  let failed = 0;
  const inflight = new Set<Promise<void>>();
  for (let k = 0; k < total; k += 1) {
    const due = started + (k * 1000) / RATE;
    if (due > Date.now()) await sleep(due - Date.now());
    while (inflight.size >= 64) await Promise.race(inflight);
    const instance = instances[k % instances.length] as ServiceProcess;
    const body = JSON.stringify({ userId: userIds[k % userIds.length], provider: 'openai' });
    const sent: Promise<void> = fetch(`${instance.url}/api/v1/internal/resolve`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
      dispatcher,
    } as RequestInit)
      .then(async (response) => {
        await response.arrayBuffer();
        if (response.status !== 200) failed += 1;
      })
      .catch(() => void (failed += 1))
      .finally(() => inflight.delete(sent));
    inflight.add(sent);
  }
  await Promise.all(inflight);
  await dispatcher.close();
  return { resolves: total, failed };
}

async function runLeg(leg: Leg): Promise<LegResult> {
  log(`${leg.name}: ${leg.instances} instance(s), ${JSON.stringify(leg.env)}`);
  const prefix = `bu${randomBytes(3).toString('hex')}:`;
  const instances: ServiceProcess[] = [];
  for (let i = 1; i <= leg.instances; i += 1) instances.push(await startInstance(leg, i, prefix));
  const token = await clientToken(INTERNAL_CLIENT);
  log(`${leg.name}: warm-up ${WARMUP} s, then ${SECONDS} s counted`);
  await load(instances, token, WARMUP);
  const before = await Promise.all(instances.map(scrape));
  const from = Date.now();
  const { resolves, failed } = await load(instances, token, SECONDS);
  const to = Date.now();
  const after = await Promise.all(instances.map(scrape));
  for (const instance of instances) {
    await instance.stop();
    running.delete(instance);
  }
  await sleep(SETTLE_MS); // Keycloak stores admin events asynchronously
  const [during, shutdown] = [await userWrites(from, to), await userWrites(to, Date.now())];
  const sum = (all: Array<{ updates: number; reads: number }>) => all.reduce((a, b) => ({ updates: a.updates + b.updates, reads: a.reads + b.reads }), { updates: 0, reads: 0 });
  const [s0, s1] = [sum(before), sum(after)];
  const result: LegResult = {
    leg: leg.name,
    instances: leg.instances,
    settings: leg.env,
    resolves,
    failed,
    userWritesDuringLoad: during,
    userWritesAtShutdown: shutdown,
    metricsDuringLoad: { updates: s1.updates - s0.updates, reads: s1.reads - s0.reads },
    writesPerOwnerMinute: Math.round((during / USERS / ((to - from) / 60_000)) * 100) / 100,
  };
  log(`${leg.name}: ${JSON.stringify(result)}`);
  return result;
}

function table(results: LegResult[]): string {
  const header = '| leg | instances | resolves counted (failed) | user writes during them | after them, until stopped (shutdown) | writes per owner and minute | Keycloak calls during the load (metrics: users.update / users.findOne) |';
  const rule = '| --- | ---: | ---: | ---: | ---: | ---: | ---: |';
  const rows = results.map(
    (r) => `| ${r.leg} | ${r.instances} | ${r.resolves} (${r.failed}) | ${r.userWritesDuringLoad} | ${r.userWritesAtShutdown} | ${r.writesPerOwnerMinute} | ${r.metricsDuringLoad.updates} / ${r.metricsDuringLoad.reads} |`,
  );
  return [header, rule, ...rows].join('\n');
}

async function main(): Promise<void> {
  mkdirSync(OUT_DIR, { recursive: true });
  log(`Keycloak at ${KEYCLOAK_URL}; ${USERS} users, ${RATE} resolves/s for ${WARMUP} + ${SECONDS} s; before: ${BEFORE_ENTRY ?? '(not given: skipped)'}`);
  redis = await startTestRedis();
  running.add(redis);
  await createUsers();
  const fast = { USAGE_FLUSH_INTERVAL_SECONDS: '5' };
  const legs: Leg[] = [
    ...(BEFORE_ENTRY ? [{ name: 'before', entry: BEFORE_ENTRY, instances: INSTANCES, env: {} }] : []),
    { name: 'after', entry: AFTER_ENTRY, instances: INSTANCES, env: {} },
    ...(BEFORE_ENTRY ? [{ name: 'before, 5 s flush', entry: BEFORE_ENTRY, instances: INSTANCES, env: fast }] : []),
    { name: 'after, 5 s flush, 20 s persist', entry: AFTER_ENTRY, instances: INSTANCES, env: { ...fast, USAGE_PERSIST_INTERVAL_SECONDS: '20' } },
    { name: 'after, 5 s flush, 20 s persist', entry: AFTER_ENTRY, instances: 1, env: { ...fast, USAGE_PERSIST_INTERVAL_SECONDS: '20' } },
  ];
  const results: LegResult[] = [];
  for (const leg of legs) results.push(await runLeg(leg));
  const text = table(results);
  const out = { startedAt: new Date().toISOString(), machine: { cpus: availableParallelism(), node: process.version }, settings: { users: USERS, rate: RATE, warmup: WARMUP, seconds: SECONDS }, results };
  writeFileSync(join(OUT_DIR, 'usage-writes.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`${text}\n\nwritten: .data/bench/usage-writes.json\n`);
}

await runBench(
  async () => {
    await main();
    return true;
  },
  {
    cleanup: async () => {
      await Promise.all([...running].map((handle) => handle.stop().catch(() => undefined)));
      await deleteUsers().catch(() => undefined);
    },
    interrupted: () => false,
    log,
  },
);
