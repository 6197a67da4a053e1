// Realm walks that grow with key holders, not with the realm (issue 15): `BENCH_ONLY=walks npm run bench`
// (scripts/bench.sh builds, starts the test Keycloak and runs this file with tsx).
//
// For each size (BENCH_WALK_SIZES, default 1000,10000), in a realm of its own (the development realm's
// data, tests/support/scratch-realm.ts):
//   1. imports that many users with Keycloak's partialImport (POST /admin/realms/{realm}/partialImport,
//      chunks of 2,000; no credentials, so it is fast), every user with a tier;
//   2. gives BENCH_WALK_HOLDERS (100) of them, spread evenly, one openai key each through the vault's
//      own key service (src/create-vault.ts: lock, fresh read, write), then removes their holder mark
//      as an administrator would, so that the realm looks like one whose keys a release before the
//      mark wrote (and `byok index-holders` has the 100 marks to set);
//   3. before: the holder index is not complete (a realm made by the plan, not by `byok bootstrap-realm`),
//      so the walks visit every user and group: times `byok stats --json` as a process (wall time, from
//      spawn to exit) and a cold `GET /api/v1/admin/stats` on a fresh service instance (node dist/main.js,
//      ready, one other authenticated request first so that the signing keys are loaded: the time is
//      the statistics' own), BENCH_WALK_ROUNDS (3) rounds each, a fresh process every round;
//   4. `byok index-holders` (timed once);
//   5. after: the same measurements, now over the key holders only.
// Each answer is checked (users with keys = the holders, users = Keycloak's count, the scope of the walk).
// Prints the side-by-side table and the targets (both at the largest size, holders: <= 1 s) and writes
// .data/bench/walks.json. BENCH_STRICT=1: exit 1 when a target is missed. The realms are deleted at the end.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/config.js';
import { createVault } from '../../src/create-vault.js';
import { createLogger } from '../../src/observability/logger.js';
import { KEYCLOAK_URL, MASTER_ADMIN } from '../support/env.js';
import { HOLDER_ATTRIBUTE } from '../../src/keycloak/owner-store.js';
import { masterAdmin, userToken } from '../support/keycloak.js';
import { CLI_ENTRY, createScratchRealm, deleteScratchRealm, realmEnv } from '../support/scratch-realm.js';
import { testApiKey } from '../support/secrets.js';
import { startServiceProcess, type ServiceProcess } from '../support/service-process.js';
import { median, timing, walksReport, type WalkResults, type WalkSize, type WalkTiming } from './walks-report.js';
import { runBench } from './run.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const OUT_DIR = join(ROOT, '.data', 'bench');
const SIZES = (process.env.BENCH_WALK_SIZES || '1000,10000').split(',').map((raw) => positiveInt('BENCH_WALK_SIZES', raw));
const HOLDERS = positiveInt('BENCH_WALK_HOLDERS', process.env.BENCH_WALK_HOLDERS || '100');
const ROUNDS = positiveInt('BENCH_WALK_ROUNDS', process.env.BENCH_WALK_ROUNDS || '3');
const IMPORT_CHUNK = 2000;
const TIERS = ['free', 'trial', 'starter', 'enterprise'];

function positiveInt(name: string, raw: string): number {
  const value = Number(raw.trim());
  if (!Number.isInteger(value) || value < 1 || value > 1_000_000) throw new Error(`${name} must hold positive integers, got ${raw}`);
  return value;
}

const log = (message: string) => process.stderr.write(`bench walks: ${message}\n`);
// Every service process started (a fresh one per round) adds an exit listener (service-process.ts).
process.setMaxListeners(0);
const since = (started: bigint) => Number(process.hrtime.bigint() - started) / 1e6;

const realms: string[] = [];
const running = new Set<ServiceProcess>();
let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    log(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  });
}
async function cleanup(): Promise<void> {
  await Promise.all([...running].map((service) => service.stop()));
  for (const realm of realms.splice(0)) await deleteScratchRealm(realm).catch((error: Error) => log(`could not delete realm ${realm}: ${error.message}`));
}

async function masterToken(): Promise<string> {
  const response = await fetch(`${KEYCLOAK_URL}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: MASTER_ADMIN.username, password: MASTER_ADMIN.password }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!body.access_token) throw new Error(`master admin token: ${response.status}`);
  return body.access_token;
}

/** Imports `count` users; returns the ids of the `holders` spread evenly among them (tier professional). */
async function importUsers(realm: string, count: number, holders: number): Promise<string[]> {
  const every = Math.max(1, Math.floor(count / holders));
  const holderNames = new Set<string>();
  const users = Array.from({ length: count }, (_, i) => {
    const username = `walk-${String(i).padStart(6, '0')}`;
    const holder = i % every === 0 && holderNames.size < holders;
    if (holder) holderNames.add(username);
    return {
      username,
      enabled: true,
      email: `${username}@example.com`,
      emailVerified: true,
      firstName: 'Walk',
      lastName: `User ${i}`,
      attributes: { subscription_tier: [holder ? 'professional' : (TIERS[i % TIERS.length] as string)], department: [`d-${i % 17}`] },
    };
  });
  const ids: string[] = [];
  for (let first = 0; first < users.length; first += IMPORT_CHUNK) {
    const response = await fetch(`${KEYCLOAK_URL}/admin/realms/${realm}/partialImport`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await masterToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ifResourceExists: 'FAIL', users: users.slice(first, first + IMPORT_CHUNK) }),
    });
    if (!response.ok) throw new Error(`partialImport: ${response.status} ${(await response.text()).slice(0, 300)}`);
    const result = (await response.json()) as { added: number; results: { resourceName: string; id: string }[] };
    for (const entry of result.results) if (holderNames.has(entry.resourceName)) ids.push(entry.id);
  }
  if (ids.length !== holders) throw new Error(`expected ${holders} holders among the imported users, found ${ids.length}`);
  return ids;
}

/** One openai key per holder, through the vault's own key service (as the API adds it). */
async function addKeys(realm: string, holderIds: readonly string[]): Promise<void> {
  const vault = createVault(loadConfig(realmEnv(realm)), { logger: createLogger({ level: 'silent' }) });
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < holderIds.length) {
        const id = holderIds[next++] as string;
        await vault.keys.add({ kind: 'user', id }, { provider: 'openai', apiKey: testApiKey('openai'), label: 'bench walks' });
      }
    }),
  );
}

/** The holders as a release before the holder mark left them: keys, no `byok_holder`. */
async function removeMarks(realm: string, holderIds: readonly string[]): Promise<void> {
  const kc = await masterAdmin(realm);
  for (const id of holderIds) {
    const user = await kc.users.findOne({ id });
    const { [HOLDER_ATTRIBUTE]: _mark, ...attributes } = (user?.attributes ?? {}) as Record<string, string[]>;
    if (!attributes.byok_openai_keys) throw new Error(`holder ${id} has no key`);
    await kc.users.update({ id }, { ...user, attributes });
  }
}

/** Runs `byok <args>` against `realm` as a process; resolves with its wall time and stdout. */
function byok(realm: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [CLI_ENTRY, ...args], { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...realmEnv(realm) } as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => {
      const ms = since(started);
      if (code !== 0) reject(new Error(`byok ${args.join(' ')} exited ${code}: ${stderr.slice(0, 500)}${stdout.slice(0, 500)}`));
      else resolve({ ms, stdout });
    });
  });
}

interface StatsJson {
  walk: { scope: 'every-owner' | 'holders'; ownersVisited: number };
  users: number;
  usersWithKeys: number;
}

async function statsRounds(realm: string, scope: StatsJson['walk']['scope'], expect: { users: number; holders: number }): Promise<WalkTiming> {
  const rounds: number[] = [];
  let visited = 0;
  for (let r = 0; r < ROUNDS; r += 1) {
    const { ms, stdout } = await byok(realm, ['stats', '--json', '--quiet']);
    const stats = JSON.parse(stdout) as StatsJson;
    if (stats.walk.scope !== scope || stats.usersWithKeys !== expect.holders || stats.users !== expect.users) {
      throw new Error(`byok stats: scope ${stats.walk.scope}, ${stats.usersWithKeys} with keys of ${stats.users}; expected ${scope}, ${expect.holders} of ${expect.users}`);
    }
    visited = stats.walk.ownersVisited;
    rounds.push(ms);
    log(`byok stats (${scope}): ${Math.round(ms)} ms, ${visited} owners visited`);
  }
  return timing('byok stats', scope, rounds, visited);
}

async function adminStatsRounds(realm: string, scope: StatsJson['walk']['scope'], visited: number, expect: { users: number; holders: number }): Promise<WalkTiming> {
  const rounds: number[] = [];
  for (let r = 0; r < ROUNDS; r += 1) {
    const service = await startServiceProcess(`walks-${scope}-${r}`, realmEnv(realm, { LOG_LEVEL: 'warn' }), { readyPath: '/readyz', readyTimeoutMs: 120_000, logFile: join(OUT_DIR, `walks-${scope}.log`) });
    running.add(service);
    try {
      const token = await userToken({ username: 'ops', password: 'ops' }, realm);
      const auth = { authorization: `Bearer ${token}` };
      // Signing keys and the token cache warm: what is timed is the statistics' own work.
      const me = await fetch(`${service.url}/api/v1/me`, { headers: auth });
      if (!me.ok) throw new Error(`GET /api/v1/me: ${me.status}`);
      const started = process.hrtime.bigint();
      const response = await fetch(`${service.url}/api/v1/admin/stats`, { headers: auth, signal: AbortSignal.timeout(120_000) });
      const body = (await response.json()) as { adoption?: { users: number; usersWithKeys: number } };
      const ms = since(started);
      if (response.status !== 200 || body.adoption?.usersWithKeys !== expect.holders || body.adoption.users !== expect.users) {
        throw new Error(`GET /admin/stats: ${response.status} ${JSON.stringify(body.adoption)}; expected ${expect.holders} with keys of ${expect.users}`);
      }
      rounds.push(ms);
      log(`GET /admin/stats (${scope}): ${Math.round(ms)} ms`);
    } finally {
      running.delete(service);
      await service.stop();
    }
  }
  return timing('GET /admin/stats', scope, rounds, visited);
}

async function size(count: number): Promise<WalkSize> {
  log(`--- ${count} users`);
  const realm = await createScratchRealm('bench-walks');
  realms.push(realm);
  let started = process.hrtime.bigint();
  const holderIds = await importUsers(realm, count, HOLDERS);
  const importMs = since(started);
  log(`${count} users imported in ${Math.round(importMs)} ms`);
  started = process.hrtime.bigint();
  await addKeys(realm, holderIds);
  const addKeysMs = since(started);
  await removeMarks(realm, holderIds);
  log(`${HOLDERS} keys added in ${Math.round(addKeysMs)} ms (holder marks then removed)`);
  const realmUsers = count + 5; // the development realm's users (docs/development.md)
  const expect = { users: realmUsers, holders: HOLDERS };

  const timings: WalkTiming[] = [];
  const everyStats = await statsRounds(realm, 'every-owner', expect);
  timings.push(everyStats, await adminStatsRounds(realm, 'every-owner', everyStats.ownersVisited, expect));
  const index = await byok(realm, ['index-holders', '--quiet', '--concurrency', '4']);
  if (!new RegExp(`marked\\s+${HOLDERS}\\b`).test(index.stdout)) throw new Error(`byok index-holders did not mark the ${HOLDERS} holders: ${index.stdout}`);
  log(`byok index-holders: ${Math.round(index.ms)} ms`);
  const holderStats = await statsRounds(realm, 'holders', expect);
  timings.push(holderStats, await adminStatsRounds(realm, 'holders', holderStats.ownersVisited, expect));

  await deleteScratchRealm(realm);
  realms.splice(realms.indexOf(realm), 1);
  return { imported: count, realmUsers, holders: HOLDERS, importMs, addKeysMs, indexHoldersMs: index.ms, timings };
}

async function main(): Promise<boolean> {
  mkdirSync(OUT_DIR, { recursive: true });
  log(`Keycloak at ${KEYCLOAK_URL}; sizes ${SIZES.join(', ')}, ${HOLDERS} holders, ${ROUNDS} rounds`);
  const results: WalkResults = {
    startedAt: new Date().toISOString(),
    machine: { cpus: availableParallelism(), node: process.version, loadAverage: loadavg() },
    settings: { sizes: SIZES, holders: HOLDERS, rounds: ROUNDS },
    cliStartMs: [],
    sizes: [],
  };
  for (let r = 0; r < ROUNDS; r += 1) results.cliStartMs.push((await byok('unused', ['--help'])).ms);
  for (const count of SIZES) results.sizes.push(await size(count));
  const text = walksReport(results);
  results.finishedAt = new Date().toISOString();
  writeFileSync(join(OUT_DIR, 'walks.json'), `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${text}\n\nwritten: .data/bench/walks.json\n`);
  log(`median start-up ${Math.round(median(results.cliStartMs))} ms`);
  return (results.targets ?? []).every((t) => t.pass);
}

await runBench(main, { cleanup, interrupted: () => interrupted, log });
